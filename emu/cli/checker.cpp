// SPDX-License-Identifier: MIT
// The scenario checker: everything that needs more than one line or the kernel profile. Names
// are bound in statement order, exactly as the runner will bind them, so a use before the
// defining statement is caught here and the runner never meets an unknown name.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "parser.hpp"

namespace ntemu::cli {
namespace {

std::string_view kind_name(Symbol::Kind k) {
  switch (k) {
    case Symbol::Kind::Process:
      return "process";
    case Symbol::Kind::Thread:
      return "thread";
    case Symbol::Kind::Variable:
      return "variable";
  }
  return "?";
}

class Checker {
 public:
  Checker(const CheckOptions& options, Script& script) : options_(options), script_(script) {}

  std::vector<Diagnostic> run(std::vector<Statement> statements) {
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

  // One statement after the file; on error every name it defined is undefined again.
  std::vector<Diagnostic> more(Statement& s) {
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

 private:
  void check_one(Statement& s, std::size_t index) {
    error_in_statement_ = false;
    std::visit([&](auto& body) { check(s, body, index); }, s.body);
    if (calls_api(s)) seen_api_ = true;
  }

  // --- the kernel version ------------------------------------------------------------------
  void choose_kernel(const std::vector<Statement>& statements) {
    const KernelStmt* stmt = nullptr;
    if (!statements.empty()) stmt = std::get_if<KernelStmt>(&statements.front().body);
    script_.version = options_.kernel   ? *options_.kernel
                      : stmt != nullptr ? stmt->parsed_version
                                        : KernelVersion::Win2000;
    script_.arch = options_.arch                   ? *options_.arch
                   : stmt != nullptr && stmt->arch ? stmt->parsed_arch
                                                   : Arch::X86;
    auto made = Profile::make(script_.version, script_.arch);
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
  void error(Pos p, std::string message) {
    if (error_in_statement_) return;  // one error per statement
    error_in_statement_ = true;
    errors_.push_back({p, std::move(message)});
  }

  // --- names -------------------------------------------------------------------------------
  void predefine(std::string name, Symbol::Kind kind, Symbol::Boot boot, int process) {
    names_[name] = static_cast<int>(script_.symbols.size());
    script_.symbols.push_back({std::move(name), kind, boot, Pos{}, process});
  }

  std::string where_defined(const Symbol& s) const {
    if (s.boot != Symbol::Boot::None) return "it is predefined";
    auto it = automatic_.find(s.name);
    if (it != automatic_.end()) {
      return fmt::format("it names the thread created at line {}", it->second);
    }
    if (s.defined.line == 0) return "first defined at the kd prompt";
    return fmt::format("first defined at line {}", s.defined.line);
  }

  int define(const Ident& id, Symbol::Kind kind, int process = kNoSymbol) {
    if (auto it = names_.find(id.text); it != names_.end()) {
      const Symbol& old = script_.symbols[static_cast<std::size_t>(it->second)];
      error(id.pos, fmt::format("redefinition of '{}' ({})", id.text, where_defined(old)));
      return kNoSymbol;
    }
    const int index = static_cast<int>(script_.symbols.size());
    names_[id.text] = index;
    script_.symbols.push_back({id.text, kind, Symbol::Boot::None, id.pos, process});
    return index;
  }

  // A thread name: the one given, or "<process>_t<N>" with the smallest free N.
  int define_thread(const std::optional<Ident>& given, int process, Pos at) {
    if (given) return define(*given, Symbol::Kind::Thread, process);
    const std::string& base = process == kNoSymbol
                                  ? std::string("thread")
                                  : script_.symbols[static_cast<std::size_t>(process)].name;
    // Names are never undefined, so every N below the last one taken is still taken: the
    // search resumes there (linear in the file, not quadratic).
    int& n = next_automatic_[base];
    for (n = std::max(n, 1);; ++n) {
      std::string candidate = fmt::format("{}_t{}", base, n);
      if (names_.count(candidate) != 0) continue;
      automatic_[candidate] = at.line;
      return define(Ident{std::move(candidate), at}, Symbol::Kind::Thread, process);
    }
  }

  int resolve(const Ident& id, Symbol::Kind want) {
    auto it = names_.find(id.text);
    if (it == names_.end()) {
      if (routines_.count(id.text) != 0) {
        error(id.pos, fmt::format("'{}' is a routine, not a {}", id.text, kind_name(want)));
      } else {
        error(id.pos, fmt::format("unknown name '{}'", id.text));
      }
      return kNoSymbol;
    }
    const Symbol& s = script_.symbols[static_cast<std::size_t>(it->second)];
    if (s.kind != want) {
      error(id.pos,
            fmt::format("'{}' is a {}, not a {}", id.text, kind_name(s.kind), kind_name(want)));
      return kNoSymbol;
    }
    return it->second;
  }

  void resolve(IdExpr& e) {
    if (e.kind == IdExpr::Kind::Number) return;
    auto it = names_.find(e.name.text);
    if (it == names_.end()) {
      error(e.name.pos, fmt::format("unknown name '{}'", e.name.text));
      return;
    }
    const Symbol& s = script_.symbols[static_cast<std::size_t>(it->second)];
    switch (e.kind) {
      case IdExpr::Kind::Variable:
        if (s.kind != Symbol::Kind::Variable) {
          error(e.name.pos,
                fmt::format("'{0}' is a {1}, not an ID: write {0}.{2}", s.name, kind_name(s.kind),
                            s.kind == Symbol::Kind::Thread ? "tid" : "pid"));
          return;
        }
        break;
      case IdExpr::Kind::Pid:
      case IdExpr::Kind::Tid:
        if (s.kind == Symbol::Kind::Variable) {
          error(e.field_pos,
                fmt::format("'{0}' is a variable: write {0}, without a field", s.name));
          return;
        }
        if (e.kind == IdExpr::Kind::Tid && s.kind == Symbol::Kind::Process) {
          error(e.field_pos, fmt::format("'{}' is a process: it has no .tid", s.name));
          return;
        }
        break;
      case IdExpr::Kind::Number:
        break;
    }
    e.symbol = it->second;
  }

  // --- routines ----------------------------------------------------------------------------
  // Registration and removal introduce a routine name (removing an unknown one is legal: the
  // kernel answers STATUS_PROCEDURE_NOT_FOUND).
  void introduce(RoutineRef& r) {
    if (r.is_null()) return;
    auto it = routines_.find(r.name.text);
    if (it != routines_.end()) {
      r.index = it->second;
      return;
    }
    if (script_.routines.size() >= kMaxRoutines) {
      error(r.name.pos,
            fmt::format("too many routines: a file may name at most {} distinct routines",
                        kMaxRoutines));
      return;
    }
    r.index = static_cast<int>(script_.routines.size());
    routines_[r.name.text] = r.index;
    script_.routines.push_back(r.name.text);
  }

  // --- statements --------------------------------------------------------------------------
  void check(const Statement& s, KernelStmt&, std::size_t index) {
    if (index != 0) error(s.pos, "'kernel' must be the first statement");
  }

  void check(const Statement& s, ProcessNotifyStmt& b, std::size_t) {
    if (b.ex) {
      if (!profile_.has_process_notify_routine_ex) {
        error(s.pos, fmt::format("PsSetCreateProcessNotifyRoutineEx does not exist in {} (it "
                                 "was added in Windows Vista SP1)",
                                 to_string(script_.version)));
      } else if (b.veto && b.remove) {
        error(s.pos, "veto= describes the registered routine: it has no meaning with 'remove'");
      } else if (b.veto && b.veto->ok()) {
        error(s.pos, fmt::format("veto={} is not an error status: a routine vetoes a creation "
                                 "by setting CreationStatus to an error (NT_SUCCESS is false)",
                                 b.veto->name().empty() ? b.veto->hex() : b.veto->name()));
      }
    }
    introduce(b.routine);
  }

  void check(const Statement& s, ThreadNotifyStmt& b, std::size_t) {
    if (b.remove && !profile_.has_remove_thread_notify_routine) {
      error(s.pos, fmt::format("PsRemoveCreateThreadNotifyRoutine does not exist in {}: a "
                               "driver importing it would not load",
                               to_string(script_.version)));
    }
    introduce(b.routine);
  }

  void check(const Statement& s, ImageNotifyStmt& b, std::size_t) {
    if (b.remove && !profile_.has_remove_load_image_notify_routine) {
      error(s.pos, fmt::format("PsRemoveLoadImageNotifyRoutine does not exist in {}: a driver "
                               "importing it would not load",
                               to_string(script_.version)));
    }
    introduce(b.routine);
  }

  void check(const Statement& s, ObCallbackStmt& b, std::size_t) {
    if (!profile_.has_object_callbacks) {
      error(s.pos, fmt::format("{} does not exist in {} (it was added in Windows Vista SP1)",
                               s.keyword, to_string(script_.version)));
    }
    if (b.routine.is_null()) error(b.routine.name.pos, "object callbacks need a routine, not null");
    introduce(b.routine);
  }

  void check(const Statement&, LoadImageStmt& b, std::size_t) {
    if (b.process) b.process_symbol = resolve(*b.process, Symbol::Kind::Process);
  }

  void check(const Statement& s, CreateProcessStmt& b, std::size_t) {
    if (b.user_process && !profile_.has_create_user_process) {
      error(s.pos, fmt::format("NtCreateUserProcess does not exist in {} (it was added in "
                               "Windows Vista)",
                               to_string(script_.version)));
    }
    if (b.parent) b.parent_symbol = resolve(*b.parent, Symbol::Kind::Process);
    b.symbol = define(b.name, Symbol::Kind::Process);
    if (b.with_thread) b.thread_symbol = define_thread(b.thread, b.symbol, b.name.pos);
  }

  void check(const Statement& s, CreateThreadStmt& b, std::size_t) {
    if (b.system) {
      b.process_symbol = names_.at("System");
    } else {
      b.process_symbol = resolve(*b.process, Symbol::Kind::Process);
    }
    b.symbol = define_thread(b.name, b.process_symbol, s.pos);
  }

  // The boot objects have no handle of the scenario's, and Idle is no real process (ID 0,
  // never in PspCidTable): the scenario can neither close nor terminate them. System and its
  // first thread can be terminated (the kernel answers).
  void check(const Statement&, ObjectOpStmt& b, std::size_t) {
    switch (b.op) {
      case ObjectOpStmt::Op::TerminateThread:
        b.symbol = resolve(b.target, Symbol::Kind::Thread);
        break;
      case ObjectOpStmt::Op::TerminateProcess:
        b.symbol = resolve(b.target, Symbol::Kind::Process);
        break;
      case ObjectOpStmt::Op::Close:
        b.symbol = resolve_object(b.target);
        break;
    }
    if (b.symbol == kNoSymbol) return;
    const Symbol& sym = script_.symbols[static_cast<std::size_t>(b.symbol)];
    if (sym.boot == Symbol::Boot::IdleProcess || sym.boot == Symbol::Boot::IdleThread) {
      error(b.target.pos, fmt::format("'{}' belongs to the Idle process, which is not a real "
                                      "process: it cannot be terminated or closed",
                                      sym.name));
    } else if (b.op == ObjectOpStmt::Op::Close && sym.boot != Symbol::Boot::None) {
      error(
          b.target.pos,
          fmt::format("'{}' is predefined: the scenario holds no handle to it to close", sym.name));
    }
  }

  // A process or a thread (NtClose).
  int resolve_object(const Ident& id) {
    auto it = names_.find(id.text);
    if (it == names_.end()) return resolve(id, Symbol::Kind::Process);  // reports it
    const Symbol& s = script_.symbols[static_cast<std::size_t>(it->second)];
    if (s.kind == Symbol::Kind::Variable) {
      error(id.pos, fmt::format("'{}' is a variable, not a process or thread", id.text));
      return kNoSymbol;
    }
    return it->second;
  }

  void check(const Statement&, LookupStmt& b, std::size_t) {
    using Api = LookupStmt::Api;
    if (b.api != Api::OpenThread || b.both) resolve(b.first);
    if (b.api == Api::ProcessThreadByCid || b.both || b.api == Api::OpenThread) resolve(b.second);
  }

  void check(const Statement&, ContextStmt& b, std::size_t) {
    b.symbol = resolve(b.thread, Symbol::Kind::Thread);
  }

  void check(const Statement&, LetStmt& b, std::size_t) {
    resolve(b.value);
    b.symbol = define(b.var, Symbol::Kind::Variable);
  }

  void check(const Statement&, PokePidStmt& b, std::size_t) {
    b.symbol = resolve(b.process, Symbol::Kind::Process);
    resolve(b.value);
  }

  void check(const Statement&, PokeSlotStmt& b, std::size_t) {
    const std::uint32_t slots = b.kind == ps::NotifyKind::Process ? profile_.process_notify_slots
                                : b.kind == ps::NotifyKind::Thread
                                    ? profile_.thread_notify_slots
                                    : profile_.load_image_notify_slots;
    if (b.slot >= slots) {
      error(b.slot_pos, fmt::format("slot {} is out of range: {}-notify has {} slots (0 to {}) "
                                    "in {}",
                                    b.slot, ps::kind_word(b.kind), slots, slots - 1,
                                    to_string(script_.version)));
    }
    if (b.value != 0) error(b.value_pos, "only 0 can be written to a notify slot");
  }

  void check(const Statement&, AuditStmt&, std::size_t) { seen_audit_ = true; }

  void check(const Statement& s, ExpectStatusStmt&, std::size_t) {
    if (!seen_api_) error(s.pos, "'expect status' needs an API statement before it");
  }

  void check(const Statement& s, ExpectFindingsStmt&, std::size_t) {
    // The automatic audit at the end of the file runs after every statement.
    if (!seen_audit_) error(s.pos, "'expect findings' needs an 'audit' statement before it");
  }

  void check(const Statement&, ExpectBugcheckStmt&, std::size_t) {}
  void check(const Statement&, SnapshotStmt&, std::size_t) {}

  void check(const Statement&, ExpectCallsStmt& b, std::size_t) {
    if (b.routine.is_null()) {
      error(b.routine.name.pos, "'null' is not a routine: it cannot be called");
      return;
    }
    auto it = routines_.find(b.routine.name.text);
    if (it == routines_.end()) {
      error(b.routine.name.pos, fmt::format("unknown routine '{}' (no statement before this one "
                                            "registers or removes it)",
                                            b.routine.name.text));
      return;
    }
    b.routine.index = it->second;
  }

  void check(const Statement&, BreakStmt& b, std::size_t) {
    if (b.routine.is_null()) {
      error(b.routine.name.pos, "'null' is not a routine: it cannot be called");
      return;
    }
    introduce(b.routine);
  }

  void check(const Statement& s, DuringStmt& b, std::size_t index) {
    if (b.routine.is_null()) {
      error(b.routine.name.pos, "'null' is not a routine: it cannot be called");
      return;
    }
    introduce(b.routine);
    // The inner statement is checked as if it stood on its own, at its own position.
    const Statement inner{b.inner_pos, b.inner_keyword, b.inner_source, AuditStmt{}};
    std::visit([&](auto& body) { check(inner, body, index); }, b.inner);
    (void)s;
  }

  void check(const Statement&, DumpStmt& b, std::size_t) {
    if (b.what == DumpStmt::What::Process) b.symbol = resolve(*b.process, Symbol::Kind::Process);
  }

  const CheckOptions& options_;
  Script& script_;
  Profile profile_;
  std::map<std::string, int, std::less<>> names_;
  std::map<std::string, int, std::less<>> routines_;
  std::map<std::string, int, std::less<>> automatic_;       // automatic thread name -> line
  std::map<std::string, int, std::less<>> next_automatic_;  // base name -> the N to try first
  std::vector<Diagnostic> errors_;
  bool error_in_statement_ = false;
  bool seen_api_ = false;
  bool seen_audit_ = false;
};

}  // namespace

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
