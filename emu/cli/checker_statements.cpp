// SPDX-License-Identifier: MIT
// The scenario checker's statements (checker_impl.hpp): what each statement needs of the kernel
// profile (a routine the version does not export, a slot out of range), of the statements
// before it (an API call before 'expect status', an audit before 'expect findings'), and of the
// names it uses and defines.
#include <cstdint>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "checker_impl.hpp"

namespace ntemu::cli {

// --- statements --------------------------------------------------------------------------
void Checker::check(const Statement& s, KernelStmt&, std::size_t index) {
  if (index != 0) error(s.pos, "'kernel' must be the first statement");
}

void Checker::check(const Statement& s, ProcessNotifyStmt& b, std::size_t) {
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

void Checker::check(const Statement& s, ThreadNotifyStmt& b, std::size_t) {
  if (b.remove && !profile_.has_remove_thread_notify_routine) {
    error(s.pos, fmt::format("PsRemoveCreateThreadNotifyRoutine does not exist in {}: a "
                             "driver importing it would not load",
                             to_string(script_.version)));
  }
  introduce(b.routine);
}

void Checker::check(const Statement& s, ImageNotifyStmt& b, std::size_t) {
  if (b.remove && !profile_.has_remove_load_image_notify_routine) {
    error(s.pos, fmt::format("PsRemoveLoadImageNotifyRoutine does not exist in {}: a driver "
                             "importing it would not load",
                             to_string(script_.version)));
  }
  introduce(b.routine);
}

void Checker::check(const Statement& s, ObCallbackStmt& b, std::size_t) {
  if (!profile_.has_object_callbacks) {
    error(s.pos, fmt::format("{} does not exist in {} (it was added in Windows Vista SP1)",
                             s.keyword, to_string(script_.version)));
  }
  if (b.routine.is_null()) error(b.routine.name.pos, "object callbacks need a routine, not null");
  introduce(b.routine);
}

void Checker::check(const Statement&, LoadImageStmt& b, std::size_t) {
  if (b.process) b.process_symbol = resolve(*b.process, Symbol::Kind::Process);
}

void Checker::check(const Statement& s, CreateProcessStmt& b, std::size_t) {
  if (b.user_process && !profile_.has_create_user_process) {
    error(s.pos, fmt::format("NtCreateUserProcess does not exist in {} (it was added in "
                             "Windows Vista)",
                             to_string(script_.version)));
  }
  if (b.parent) b.parent_symbol = resolve(*b.parent, Symbol::Kind::Process);
  b.symbol = define(b.name, Symbol::Kind::Process);
  if (b.with_thread) b.thread_symbol = define_thread(b.thread, b.symbol, b.name.pos);
}

void Checker::check(const Statement& s, CreateThreadStmt& b, std::size_t) {
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
void Checker::check(const Statement&, ObjectOpStmt& b, std::size_t) {
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
    error(b.target.pos,
          fmt::format("'{}' is predefined: the scenario holds no handle to it to close", sym.name));
  }
}

void Checker::check(const Statement&, LookupStmt& b, std::size_t) {
  using Api = LookupStmt::Api;
  if (b.api != Api::OpenThread || b.both) resolve(b.first);
  if (b.api == Api::ProcessThreadByCid || b.both || b.api == Api::OpenThread) resolve(b.second);
}

void Checker::check(const Statement&, ContextStmt& b, std::size_t) {
  b.symbol = resolve(b.thread, Symbol::Kind::Thread);
}

void Checker::check(const Statement&, LetStmt& b, std::size_t) {
  resolve(b.value);
  b.symbol = define(b.var, Symbol::Kind::Variable);
}

void Checker::check(const Statement&, PokePidStmt& b, std::size_t) {
  b.symbol = resolve(b.process, Symbol::Kind::Process);
  resolve(b.value);
}

void Checker::check(const Statement&, PokeSlotStmt& b, std::size_t) {
  const std::uint32_t slots = b.kind == ps::NotifyKind::Process  ? profile_.process_notify_slots
                              : b.kind == ps::NotifyKind::Thread ? profile_.thread_notify_slots
                                                                 : profile_.load_image_notify_slots;
  if (b.slot >= slots) {
    error(b.slot_pos,
          fmt::format("slot {} is out of range: {}-notify has {} slots (0 to {}) "
                      "in {}",
                      b.slot, ps::kind_word(b.kind), slots, slots - 1, to_string(script_.version)));
  }
  if (b.value != 0) error(b.value_pos, "only 0 can be written to a notify slot");
}

void Checker::check(const Statement&, AuditStmt&, std::size_t) {
  seen_audit_ = true;
}

void Checker::check(const Statement& s, ExpectStatusStmt&, std::size_t) {
  if (!seen_api_) error(s.pos, "'expect status' needs an API statement before it");
}

void Checker::check(const Statement& s, ExpectFindingsStmt&, std::size_t) {
  // The automatic audit at the end of the file runs after every statement.
  if (!seen_audit_) error(s.pos, "'expect findings' needs an 'audit' statement before it");
}

void Checker::check(const Statement&, ExpectBugcheckStmt&, std::size_t) {}
void Checker::check(const Statement&, SnapshotStmt&, std::size_t) {}

void Checker::check(const Statement&, ExpectCallsStmt& b, std::size_t) {
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

void Checker::check(const Statement&, BreakStmt& b, std::size_t) {
  if (b.routine.is_null()) {
    error(b.routine.name.pos, "'null' is not a routine: it cannot be called");
    return;
  }
  introduce(b.routine);
}

void Checker::check(const Statement& s, DuringStmt& b, std::size_t index) {
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

void Checker::check(const Statement&, DumpStmt& b, std::size_t) {
  if (b.what == DumpStmt::What::Process) b.symbol = resolve(*b.process, Symbol::Kind::Process);
}

}  // namespace ntemu::cli
