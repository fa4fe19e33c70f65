// SPDX-License-Identifier: MIT
// The scenario checker's names (checker_impl.hpp): the boot names, definitions in statement
// order (a redefinition says where the first one was), automatic thread names
// ("<process>_t<N>"), resolution with the kind a use wants, and routine names, introduced by the
// statements that register or remove a routine.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "checker_impl.hpp"

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

}  // namespace

// --- names -------------------------------------------------------------------------------
void Checker::predefine(std::string name, Symbol::Kind kind, Symbol::Boot boot, int process) {
  names_[name] = static_cast<int>(script_.symbols.size());
  script_.symbols.push_back({std::move(name), kind, boot, Pos{}, process});
}

std::string Checker::where_defined(const Symbol& s) const {
  if (s.boot != Symbol::Boot::None) return "it is predefined";
  auto it = automatic_.find(s.name);
  if (it != automatic_.end()) {
    return fmt::format("it names the thread created at line {}", it->second);
  }
  if (s.defined.line == 0) return "first defined at the kd prompt";
  return fmt::format("first defined at line {}", s.defined.line);
}

int Checker::define(const Ident& id, Symbol::Kind kind, int process) {
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
int Checker::define_thread(const std::optional<Ident>& given, int process, Pos at) {
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

int Checker::resolve(const Ident& id, Symbol::Kind want) {
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

void Checker::resolve(IdExpr& e) {
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
        error(e.field_pos, fmt::format("'{0}' is a variable: write {0}, without a field", s.name));
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
// A process or a thread (NtClose).
int Checker::resolve_object(const Ident& id) {
  auto it = names_.find(id.text);
  if (it == names_.end()) return resolve(id, Symbol::Kind::Process);  // reports it
  const Symbol& s = script_.symbols[static_cast<std::size_t>(it->second)];
  if (s.kind == Symbol::Kind::Variable) {
    error(id.pos, fmt::format("'{}' is a variable, not a process or thread", id.text));
    return kNoSymbol;
  }
  return it->second;
}

// Registration and removal introduce a routine name (removing an unknown one is legal: the
// kernel answers STATUS_PROCEDURE_NOT_FOUND).
void Checker::introduce(RoutineRef& r) {
  if (r.is_null()) return;
  auto it = routines_.find(r.name.text);
  if (it != routines_.end()) {
    r.index = it->second;
    return;
  }
  if (script_.routines.size() >= kMaxRoutines) {
    error(r.name.pos, fmt::format("too many routines: a file may name at most {} distinct routines",
                                  kMaxRoutines));
    return;
  }
  r.index = static_cast<int>(script_.routines.size());
  routines_[r.name.text] = r.index;
  script_.routines.push_back(r.name.text);
}

}  // namespace ntemu::cli
