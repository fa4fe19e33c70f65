// SPDX-License-Identifier: MIT
// ntemu_fuzz_api's operations (fuzz_api_run.hpp): the API calls a step or a routine makes, each
// status checked against the set the API documents, the bookkeeping of what was made, and what a
// routine does when called (nothing, lookups, remove itself, register or remove another, create a
// thread or a system thread, veto an Ex creation; and, on the process it is told of — which
// win2000 keeps locked around the process-notify loop — terminate it, create a child of it, close
// a handle, terminate a thread, dereference it once too often). Routines act at depth < 3, at most
// 16 times per step.
#include <cstdint>

#include <fmt/format.h>

#include "fuzz_api_run.hpp"
#include "ntemu/kernel.hpp"
#include "ntemu/support/bugcheck.hpp"

namespace ntemu::fuzz_api {

ob::OB_PREOP_CALLBACK_STATUS strip_terminate(void*, ob::OB_PRE_OPERATION_INFORMATION* info) {
  info->DesiredAccess &= ~0x0001U;
  return ob::OB_PREOP_SUCCESS;
}

// --- bookkeeping of creations --------------------------------------------------------------
void Run::created(const Kernel::ThreadCreated& r, bool system) {
  require(one_of(r.status, {STATUS_SUCCESS, STATUS_INVALID_HANDLE, STATUS_INSUFFICIENT_RESOURCES,
                            STATUS_UNSUCCESSFUL, STATUS_PROCESS_IS_TERMINATING,
                            STATUS_POSSIBLE_DEADLOCK, STATUS_ACCESS_DENIED}),
          "thread creation status {:#010x}", r.status.value());
  require(r.status.ok() == (r.thread != nullptr), "thread creation: status and thread disagree");
  if (r.thread == nullptr) return;
  // A routine may have closed its handle meanwhile (a stale handle value reused), terminated
  // it (it then exits as its creation completes, and its creator's process with it may close
  // the handle), or dropped a reference it did not own: then it may be gone, as it would be.
  require(!r.thread->is_deleted() || routine_closed || over_dereferenced,
          "a created thread is already deleted (handle {:#x}, {}, PointerCount {})",
          r.handle.value(), r.thread->Name, r.thread->pointer_count());
  require(r.cid == r.thread->Cid(), "the returned Cid is not the thread's");
  require(!r.handle.is_null(), "a created thread has no handle");
  threads.push_back(r.thread);
  handles.push_back({system ? &k.system_process() : &k.current_process(), r.handle});
}

void Run::create_thread(ps::Process& p) {
  created(k.NtCreateThread(p, in.ConsumeBool() ? CreateSuspended::Yes : CreateSuspended::No,
                           fmt::format("t{}", threads.size())),
          false);
}

void Run::create_system_thread() {
  created(k.PsCreateSystemThread(fmt::format("s{}", threads.size())), true);
}

// --- API calls a step or a routine makes -----------------------------------------------------
// STATUS_POSSIBLE_DEADLOCK is an answer only inside a routine running under a process lock.
bool Run::may_deadlock() const {
  return depth > 0 &&
         k.profile().process_lock_during_process_notify == ProcessLockDuringNotify::Held;
}

void Run::create_process(ps::Process* parent) {
  const Kernel::ProcessCreated r = k.NtCreateProcess(fmt::format("p{}", processes.size()), parent);
  require(
      one_of(r.status, {STATUS_SUCCESS, STATUS_PROCESS_IS_TERMINATING,
                        STATUS_INSUFFICIENT_RESOURCES, STATUS_UNSUCCESSFUL, STATUS_INVALID_HANDLE}),
      "NtCreateProcess status {:#010x}", r.status.value());
  require(r.status.ok() == (r.process != nullptr), "process creation: status disagrees");
  if (r.process != nullptr) {
    processes.push_back(r.process);
    handles.push_back({&k.current_process(), r.handle});
  }
}

void Run::terminate_thread(ps::Thread& t) {
  if (depth > 0) routine_closed = true;
  const Status s = k.NtTerminateThread(t);
  require(one_of(s, {STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_THREAD_IS_TERMINATING,
                     STATUS_POSSIBLE_DEADLOCK}),
          "NtTerminateThread status {:#010x}", s.value());
  require(s != STATUS_POSSIBLE_DEADLOCK || may_deadlock(),
          "NtTerminateThread: STATUS_POSSIBLE_DEADLOCK outside a locked notify");
}

void Run::terminate_process(ps::Process& p) {
  if (depth > 0) routine_closed = true;
  const Status s = k.NtTerminateProcess(p);
  require(one_of(s, {STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_PROCESS_IS_TERMINATING,
                     STATUS_POSSIBLE_DEADLOCK}),
          "NtTerminateProcess status {:#010x}", s.value());
  require(s != STATUS_POSSIBLE_DEADLOCK || may_deadlock(),
          "NtTerminateProcess: STATUS_POSSIBLE_DEADLOCK outside a locked notify");
}

void Run::close_handle() {
  if (handles.empty()) return;
  if (depth > 0) routine_closed = true;
  const HandleRecord h = handles[in.ConsumeIntegralInRange<std::size_t>(0, handles.size() - 1)];
  const Status s = k.NtClose(*h.owner, h.handle);
  require(one_of(s, {STATUS_SUCCESS, STATUS_INVALID_HANDLE}), "NtClose status {:#010x}", s.value());
}

// The process the routine is told of, referenced (nullptr if the lookup fails).
ps::Process* Run::notified_process(ProcessId pid) {
  ps::Process* p = nullptr;
  if (!k.PsLookupProcessByProcessId(pid, &p).ok()) return nullptr;
  return p;
}

// --- registration --------------------------------------------------------------------------
void Run::registration(RoutineKind kind, int index, bool remove) {
  Status s;
  switch (kind) {
    case RoutineKind::Process:
      s = k.PsSetCreateProcessNotifyRoutine(kProcessRoutines[index], remove);
      break;
    case RoutineKind::Thread:
      s = remove ? k.PsRemoveCreateThreadNotifyRoutine(kThreadRoutines[index])
                 : k.PsSetCreateThreadNotifyRoutine(kThreadRoutines[index]);
      break;
    case RoutineKind::Ex:
      s = k.PsSetCreateProcessNotifyRoutineEx(kExRoutines[index], remove);
      break;
  }
  require(one_of(s, {STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_INSUFFICIENT_RESOURCES,
                     STATUS_PROCEDURE_NOT_FOUND, STATUS_NOT_IMPLEMENTED, STATUS_POSSIBLE_DEADLOCK}),
          "registration status {:#010x}", s.value());
  if (s == STATUS_POSSIBLE_DEADLOCK) {
    // Only a removal of a routine running on this host thread, under EX_CALLBACK.
    require(remove && k.profile().notify_storage == NotifyStorage::ExCallback,
            "STATUS_POSSIBLE_DEADLOCK from a registration that cannot wait");
    const void* r =
        kind == RoutineKind::Thread ? reinterpret_cast<const void*>(kThreadRoutines[index])
        : kind == RoutineKind::Ex   ? reinterpret_cast<const void*>(kExRoutines[index])
                                    : reinterpret_cast<const void*>(kProcessRoutines[index]);
    require(in_flight[r] > 0, "STATUS_POSSIBLE_DEADLOCK for a routine that is not running");
  }
}

// --- what a routine does when called -------------------------------------------------------
void Run::act(RoutineKind kind, int index, ProcessId pid, ThreadId tid,
              PS_CREATE_NOTIFY_INFO* info) {
  check_fast_refs();
  // Re-entrant routines may create threads whose notifications call routines again: bounded by
  // depth and by a budget of actions per step, or the fan-out grows as 8^depth.
  if (depth >= 3 || actions_left == 0) return;
  --actions_left;
  ++depth;
  switch (actions[static_cast<int>(kind)][index]) {
    case Action::None:
    case Action::kCount:
      break;
    case Action::Lookups: {
      require(k.PsGetCurrentProcessId() == k.current_thread().Cid().UniqueProcess,
              "PsGetCurrentProcessId is not the current thread's Cid copy");
      ps::Process* p = nullptr;
      if (k.PsLookupProcessByProcessId(pid, &p).ok()) {
        require(p != nullptr && !p->is_deleted(), "lookup in a routine returned a tombstone");
        k.ObDereferenceObject(*p);
      }
      ps::Thread* t = nullptr;
      if (!tid.is_null() && k.PsLookupThreadByThreadId(tid, &t).ok()) {
        require(t != nullptr && !t->is_deleted(), "lookup in a routine returned a tombstone");
        k.ObDereferenceObject(*t);
      }
      break;
    }
    case Action::RemoveSelf:
      registration(kind, index, true);
      break;
    case Action::RegisterOther:
      registration(kind, (index + 1) % kRoutines, false);
      break;
    case Action::RemoveOther:
      registration(kind, (index + 1) % kRoutines, true);
      break;
    case Action::CreateThread: {
      ps::Process* p = nullptr;
      if (k.PsLookupProcessByProcessId(pid, &p).ok() && p != nullptr) {
        if (p != &k.system_process()) create_thread(*p);
        k.ObDereferenceObject(*p);
      }
      break;
    }
    case Action::CreateSystemThread:
      create_system_thread();
      break;
    case Action::Veto:
      if (info != nullptr) info->CreationStatus = STATUS_ACCESS_DENIED;
      break;
    case Action::TerminateNotified:
      if (ps::Process* p = notified_process(pid)) {
        if (p != &k.system_process()) terminate_process(*p);
        k.ObDereferenceObject(*p);
      }
      break;
    case Action::TerminateThread:
      if (ps::Thread* t = pick(threads)) terminate_thread(*t);
      break;
    case Action::CreateChild:
      if (ps::Process* p = notified_process(pid)) {
        create_process(p);
        k.ObDereferenceObject(*p);
      }
      break;
    case Action::CloseHandle:
      close_handle();
      break;
    case Action::OverDereference:
      // A driver's bug: one dereference too many. The object may be deleted under the
      // handles and references the rest of the run holds (tombstones are kept, so this stays
      // defined); the handle and count invariants no longer hold after it.
      if (ps::Process* p = notified_process(pid)) {
        if (p != &k.system_process()) {
          k.ObDereferenceObject(*p);
          over_dereferenced = true;
        }
        k.ObDereferenceObject(*p);
      }
      break;
  }
  --depth;
}

void Run::call(RoutineKind kind, int index, const void* routine, ProcessId pid, ThreadId tid,
               PS_CREATE_NOTIFY_INFO* info) {
  require(Kernel::current() == &k, "a routine runs without its kernel current");
  ++in_flight[routine];
  try {
    act(kind, index, pid, tid, info);
  } catch (const BugCheck&) {
    // Leaves the kernel through the routine's caller, which may hold a process lock.
    bugcheck_in_routine = true;
    throw;
  }
  --in_flight[routine];
}

}  // namespace ntemu::fuzz_api
