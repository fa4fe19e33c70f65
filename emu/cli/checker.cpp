// SPDX-License-Identifier: MIT
// The scenario checker: everything that needs more than one line or the kernel profile. Names
// are bound in statement order, exactly as the runner will bind them, so a use before the
// defining statement is caught here and the runner never meets an unknown name. This file: the
// whole file and one statement more (check_scenario, ScenarioChecker), the kernel version the
// file asks for, and the one-error-per-statement diagnostics; names are in checker_names.cpp,
// each statement's checks in checker_statements.cpp.
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "checker_impl.hpp"

namespace ntemu::cli {

std::vector<Diagnostic> Checker::run(std::vector<Statement> statements) {
  choose_kernel(statements);
  predefine("System", Symbol::Kind::Process, Symbol::Boot::SystemProcess, kNoSymbol);
  predefine("system_thread", Symbol::Kind::Thread, Symbol::Boot::SystemThread, 0);
  predefine("Idle", Symbol::Kind::Process, Symbol::Boot::IdleProcess, kNoSymbol);
  predefine("idle_thread", Symbol::Kind::Thread, Symbol::Boot::IdleThread, 2);
  for (std::size_t i = 0; i < statements.size(); ++i)
    check_one(statements[i], i);
  script_.statements = std::move(statements);
  return std::move(errors_);
}

std::vector<Diagnostic> Checker::more(Statement& s) {
  const std::size_t symbols = script_.symbols.size();
  const std::size_t routines = script_.routines.size();
  auto names = names_;
  auto routine_names = routines_;
  auto automatic = automatic_;
  auto next_automatic = next_automatic_;
  const bool seen_api = seen_api_;
  const bool seen_audit = seen_audit_;
  errors_.clear();
  check_one(s, static_cast<std::size_t>(-1));  // never index 0: 'kernel' is refused
  if (errors_.empty()) return {};
  script_.symbols.resize(symbols);
  script_.routines.resize(routines);
  names_ = std::move(names);
  routines_ = std::move(routine_names);
  automatic_ = std::move(automatic);
  next_automatic_ = std::move(next_automatic);
  seen_api_ = seen_api;
  seen_audit_ = seen_audit;
  return std::move(errors_);
}

void Checker::check_one(Statement& s, std::size_t index) {
  error_in_statement_ = false;
  std::visit([&](auto& body) { check(s, body, index); }, s.body);
  if (calls_api(s)) seen_api_ = true;
}

// --- the kernel version ------------------------------------------------------------------
void Checker::choose_kernel(const std::vector<Statement>& statements) {
  const KernelStmt* stmt = nullptr;
  if (!statements.empty()) stmt = std::get_if<KernelStmt>(&statements.front().body);
  script_.version = options_.kernel   ? *options_.kernel
                    : stmt != nullptr ? stmt->parsed_version
                                      : KernelVersion::Win2000;
  script_.arch = options_.arch                   ? *options_.arch
                 : stmt != nullptr && stmt->arch ? stmt->parsed_arch
                                                 : Arch::X86;
  if (stmt != nullptr && stmt->release && !options_.kernel) {
    // A release names a Windows 10 build; the command line's --kernel overrides the whole choice.
    if (script_.version != KernelVersion::Win10) {
      error(stmt->release_pos,
            fmt::format("release= is for win10, not {}", to_string(script_.version)));
    } else if (*stmt->release < 1507 || *stmt->release > 9999) {
      error(stmt->release_pos,
            fmt::format("unknown Windows 10 release {} (1507 and later, e.g. 1507, 1703, 1709)",
                        *stmt->release));
    } else {
      script_.release = static_cast<std::uint16_t>(*stmt->release);
    }
  }
  auto made = profile_of(script_);
  if (made) {
    profile_ = *made;
  } else {
    // Reported at the kernel statement (the command line's choice is checked before).
    profile_ = Profile::win2000(script_.arch);
    if (stmt != nullptr && !options_.kernel) {
      error(stmt->version.pos,
            fmt::format("kernel '{}' is not yet supported", to_string(script_.version)));
    }
  }
}

// --- diagnostics -------------------------------------------------------------------------
void Checker::error(Pos p, std::string message) {
  if (error_in_statement_) return;  // one error per statement
  error_in_statement_ = true;
  errors_.push_back({p, std::move(message)});
}

std::vector<Diagnostic> check_scenario(std::vector<Statement> statements,
                                       const CheckOptions& options, Script& script) {
  return ScenarioChecker(options, script).check_file(std::move(statements));
}

struct ScenarioChecker::State {
  CheckOptions options;
  Checker checker;
  State(const CheckOptions& o, Script& script) : options(o), checker(options, script) {}
};

ScenarioChecker::ScenarioChecker(const CheckOptions& options, Script& script) {
  script = Script{};
  state_ = std::make_unique<State>(options, script);
}

ScenarioChecker::~ScenarioChecker() = default;

std::vector<Diagnostic> ScenarioChecker::check_file(std::vector<Statement> statements) {
  return state_->checker.run(std::move(statements));
}

std::vector<Diagnostic> ScenarioChecker::check_more(Statement& s) {
  return state_->checker.more(s);
}

}  // namespace ntemu::cli
