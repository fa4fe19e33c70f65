// SPDX-License-Identifier: MIT
// ntemu_fuzz_api's input decoder (fuzz_api_run.hpp): after the profile byte (fuzz_api.cpp) each
// step is an operation byte and its arguments, decoded into one API call, a poke, a lookup, a
// context switch, an audit, or a change of what a routine does when called (done by Run::act,
// fuzz_api_ops.cpp); the IDs the steps use are those of the run's objects, with tag bits, zero
// and junk. Each step is followed by the invariant checks (fuzz_api_invariants.cpp).
#include <cstdint>
#include <cstdio>
#include <memory>

#include "fuzz_api_run.hpp"
#include "ntemu/kernel.hpp"

namespace ntemu::fuzz_api {

// --- IDs -----------------------------------------------------------------------------------
std::uint64_t Run::some_id() {
  std::uint64_t id = 0;
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      if (ps::Process* p = pick(processes)) id = p->pid().value();
      break;
    case 1:
      if (ps::Thread* t = pick(threads)) id = t->tid().value();
      break;
    case 2:
      id = in.ConsumeIntegralInRange<std::uint64_t>(0, 0x100);
      break;
    case 3:
      id = in.ConsumeIntegral<std::uint64_t>();
      break;
    case 4:
      id = in.ConsumeIntegral<std::uint32_t>();
      break;
    default:
      id = 0;
      break;
  }
  if (in.ConsumeBool()) id |= in.ConsumeIntegralInRange<std::uint64_t>(0, 3);  // tag bits
  return id;
}

// --- one step ------------------------------------------------------------------------------
void Run::step() {
  const int op = in.ConsumeIntegralInRange<int>(0, 23);
  if (verbose) std::fprintf(stderr, "fuzz_api: step op %d\n", op);
  actions_left = 16;

  switch (op) {
    case 0:
    case 1:
    case 2: {
      const auto kind = static_cast<RoutineKind>(op);
      registration(kind, in.ConsumeIntegralInRange<int>(0, kRoutines - 1), in.ConsumeBool());
      break;
    }
    case 3: {
      const auto kind = static_cast<RoutineKind>(in.ConsumeIntegralInRange<int>(0, 2));
      actions[static_cast<int>(kind)][in.ConsumeIntegralInRange<int>(0, kRoutines - 1)] =
          static_cast<Action>(
              in.ConsumeIntegralInRange<int>(0, static_cast<int>(Action::kCount) - 1));
      break;
    }
    case 4:
    case 5:
      create_process(in.ConsumeBool() ? pick(processes) : nullptr);
      break;
    case 6:
    case 7:
      if (ps::Process* p = pick(processes)) {
        create_thread(*p);  // a deleted one too: STATUS_INVALID_HANDLE
      }
      break;
    case 8:
      create_system_thread();
      break;
    case 9:
      if (ps::Thread* t = pick(threads)) terminate_thread(*t);
      break;
    case 10:
      if (ps::Process* p = pick(processes)) terminate_process(*p);
      break;
    case 11:
    case 12:
      close_handle();
      break;
    case 13:
      if (ps::Process* owner = pick(processes)) {
        const Status s = k.NtClose(*owner, Handle{some_id()});
        require(one_of(s, {STATUS_SUCCESS, STATUS_INVALID_HANDLE}), "NtClose status {:#010x}",
                s.value());
      }
      break;
    case 14:
      if (ps::Process* p = pick(processes)) {
        k.poke_unique_process_id(*p, ProcessId{some_id()});
        poked_pid = true;
      }
      break;
    case 15:
      k.poke_clear_notify_slot(in.ConsumeBool() ? ps::NotifyKind::Process : ps::NotifyKind::Thread,
                               in.ConsumeIntegralInRange<std::uint32_t>(0, 15));
      poked_slot = true;
      break;
    case 16: {
      const std::uint64_t id = some_id();
      ps::Process* p = nullptr;
      const Status s = k.PsLookupProcessByProcessId(ProcessId{id}, &p);
      require(one_of(s, {STATUS_SUCCESS, k.profile().lookup_failure_status}),
              "PsLookupProcessByProcessId status {:#010x}", s.value());
      require(s.ok() == (p != nullptr), "process lookup: status and result disagree");
      if (p != nullptr) {
        require(!p->is_deleted(), "a process lookup returned a tombstone");
        if (!poked_pid) require(p->pid().value() == (id & ~3ULL), "lookup: wrong process");
        k.ObDereferenceObject(*p);
      }
      break;
    }
    case 17: {
      const std::uint64_t id = some_id();
      ps::Thread* t = nullptr;
      const Status s = k.PsLookupThreadByThreadId(ThreadId{id}, &t);
      require(one_of(s, {STATUS_SUCCESS, k.profile().lookup_failure_status}),
              "PsLookupThreadByThreadId status {:#010x}", s.value());
      require(s.ok() == (t != nullptr), "thread lookup: status and result disagree");
      if (t != nullptr) {
        require(!t->is_deleted(), "a thread lookup returned a tombstone");
        require(t->tid().value() == (id & ~3ULL), "lookup: wrong thread");
        k.ObDereferenceObject(*t);
      }
      break;
    }
    case 18: {
      const ClientId cid{ProcessId{some_id()}, ThreadId{some_id()}};
      ps::Process* p = nullptr;
      ps::Thread* t = nullptr;
      const bool want_process = in.ConsumeBool();
      const Status s = k.PsLookupProcessThreadByCid(cid, want_process ? &p : nullptr, &t);
      require(one_of(s, {STATUS_SUCCESS, STATUS_INVALID_CID}),
              "PsLookupProcessThreadByCid status {:#010x}", s.value());
      require(s.ok() == (t != nullptr), "CID lookup: status and result disagree");
      if (t != nullptr) {
        require(!t->is_deleted() && t->Cid().UniqueProcess == cid.UniqueProcess &&
                    t->tid().value() == (cid.UniqueThread.value() & ~3ULL),
                "CID lookup: wrong thread");
        if (want_process) {
          require(p == t->ThreadsProcess, "CID lookup: wrong process");
          k.ObDereferenceObject(*p);
        }
        k.ObDereferenceObject(*t);
      }
      break;
    }
    case 19:
      if (ps::Thread* t = pick(threads); t != nullptr) {
        // An exited thread too: its creations fail with STATUS_PROCESS_IS_TERMINATING once
        // its process has exited.
        context.reset();
        context = std::make_unique<Kernel::ContextScope>(k, *t);
      }
      break;
    case 20: {
      // Opening by ID (any IDs, tag bits included), as a user or kernel handle.
      const ClientId cid{ProcessId{in.ConsumeBool() ? some_id() : 0},
                         ThreadId{in.ConsumeBool() ? some_id() : 0}};
      const bool kernel_handle = in.ConsumeBool();
      const Kernel::Opened o = in.ConsumeBool()
                                   ? k.NtOpenProcess(cid, Kernel::kMaximumAllowed, kernel_handle)
                                   : k.NtOpenThread(cid, Kernel::kMaximumAllowed, kernel_handle);
      require(one_of(o.status, {STATUS_SUCCESS, STATUS_INVALID_CID, STATUS_INVALID_PARAMETER,
                                STATUS_ACCESS_DENIED, STATUS_PROCESS_IS_TERMINATING,
                                STATUS_INSUFFICIENT_RESOURCES}),
              "NtOpen* status {:#010x}", o.status.value());
      require(o.status.ok() == !o.handle.is_null(), "NtOpen*: status and handle disagree");
      if (o.status.ok()) {
        handles.push_back({kernel_handle ? &k.system_process() : &k.current_process(), o.handle});
      }
      break;
    }
    case 21: {
      // NtCreateUserProcess (STATUS_NOT_IMPLEMENTED before Vista).
      const auto r = k.NtCreateUserProcess(fmt::format("u{}", processes.size()),
                                           in.ConsumeBool() ? pick(processes) : nullptr);
      require(
          one_of(r.status, {STATUS_SUCCESS, STATUS_NOT_IMPLEMENTED, STATUS_PROCESS_IS_TERMINATING,
                            STATUS_INSUFFICIENT_RESOURCES, STATUS_UNSUCCESSFUL,
                            STATUS_INVALID_HANDLE, STATUS_POSSIBLE_DEADLOCK, STATUS_ACCESS_DENIED}),
          "NtCreateUserProcess status {:#010x}", r.status.value());
      require(r.status.ok() == (r.process != nullptr && r.thread != nullptr),
              "NtCreateUserProcess: status and objects disagree");
      if (r.status.ok()) {
        processes.push_back(r.process);
        threads.push_back(r.thread);
        handles.push_back({&k.current_process(), r.process_handle});
        handles.push_back({&k.current_process(), r.thread_handle});
      }
      break;
    }
    case 22: {
      // An object-callback registration that strips TERMINATE, toggled.
      if (ob_registration == nullptr) {
        const Status st = k.ObRegisterCallbacks(ob_callbacks, &ob_registration);
        require(one_of(st, {STATUS_SUCCESS, STATUS_NOT_IMPLEMENTED}),
                "ObRegisterCallbacks status {:#010x}", st.value());
      } else {
        const Status st = k.ObUnRegisterCallbacks(ob_registration);
        require(st == STATUS_SUCCESS, "ObUnRegisterCallbacks status {:#010x}", st.value());
        ob_registration = nullptr;
      }
      break;
    }
    default:
      check_invariants(/*with_audit=*/true);
      return;
  }
  check_invariants(/*with_audit=*/false);
}

}  // namespace ntemu::fuzz_api
