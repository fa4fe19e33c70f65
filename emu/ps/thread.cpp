// SPDX-License-Identifier: MIT
// Thread creation: NtCreateThread and PsCreateSystemThread → PspCreateThread (semantics.md §2.1
// for Server 2003, §2.4 for Windows 2000, the profile answering every version question). The
// steps follow the numbering of §2.1.
#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/ob/obhandle.hpp"
#include "syscall_frames.hpp"

namespace ntemu::ps {

Executive::ThreadCreated Executive::NtCreateThread(Process& process, CreateSuspended suspended,
                                                   std::string name) {
  Thread& creator = current_thread();
  Executive::ContextScope enter(*this, creator);
  const PreviousMode mode = detail::caller_mode(creator);
  detail::SystemCallFrames gate(profile_, mode, "ZwCreateThread");
  dbg::FrameScope frame("nt", "NtCreateThread");
  if (Status s = caller_check(creator, &process); !s.ok()) return {s};
  return PspCreateThread(process, mode, /*system_thread=*/false, suspended, std::move(name));
}

Executive::ThreadCreated Executive::PsCreateSystemThread(std::string name) {
  Thread& creator = current_thread();
  Executive::ContextScope enter(*this, creator);
  dbg::FrameScope frame("nt", "PsCreateSystemThread");
  if (Status s = caller_check(creator, nullptr); !s.ok()) return {s};
  return PspCreateThread(*system_process_, PreviousMode::KernelMode, /*system_thread=*/true,
                         CreateSuspended::No, std::move(name));
}

Executive::ThreadCreated Executive::PspCreateThread(Process& process, PreviousMode mode,
                                                    bool system_thread, CreateSuspended suspended,
                                                    std::string name, std::string_view routine) {
  dbg::FrameScope frame("nt", routine);
  if (Status s = PspCheckProcessLock(process, routine); !s.ok()) return {s};
  // Step 3: a user-mode caller may not create threads in the System process; and nobody can
  // in Idle, which no handle names (semantics.md §10.8).
  if (mode == PreviousMode::UserMode && &process == system_process_) return {STATUS_INVALID_HANDLE};
  if (&process == idle_process_) return {STATUS_INVALID_HANDLE};

  // Steps 4–5: the thread object, which references its process until it is deleted.
  objects_.reference(process);
  Thread& thread = objects_.create<Thread>(process, std::move(name));
  if (system_thread) thread.CrossThreadFlags.fetch_or(Thread::kFlagSystem);
  if (profile_.thread_cid_process_copy == ThreadCidProcessCopy::AtThreadObjectSetup) {
    thread.CidUniqueProcess.store(process.UniqueProcessId.load());
  }

  // Step 6: the TID comes first (BLOG). Its failure delivers no callback.
  const Handle tid = PspCreateCid(thread);
  if (tid.is_null()) {
    objects_.dereference(thread);
    return {profile_.tid_allocation_failure_status};
  }
  thread.CidUniqueThread.store(tid.value(), std::memory_order_release);

  // Steps 10–11 under the process lock; on failure the thread's deletion releases the TID and
  // no callback has run.
  ReleasableMutexLocker lock(process.ProcessLock);
  const Inserted inserted = PspInsertThreadLocked(process, thread);
  if (!inserted.status.ok()) {
    lock.release();
    objects_.dereference(thread);
    return {inserted.status};
  }

  // Steps 12 and 14: the routines run on the creating thread, or on the new one if the profile
  // says so; the process lock is held around the process-notify loop where the profile says.
  {
    const bool on_new_thread = profile_.create_notify_context == CreateNotifyContext::NewThread;
    Executive::ContextScope context(*this, on_new_thread ? thread : current_thread());
    const bool held = profile_.process_lock_during_process_notify == ProcessLockDuringNotify::Held;
    Status veto = STATUS_SUCCESS;
    if (inserted.notify_process && held) {
      LockedCallout callout;  // deletions the routines cause wait for the lock's release
      veto = PspRunCreateProcessNotifyRoutines(process, true);
    }
    lock.release();
    if (t_host_context.locked_callouts == 0) objects_.run_deferred();
    // The first thread's two notifies in the profile's order (semantics.md §10.3); where the
    // process routines ran under the lock (win2000) they have run already.
    const bool thread_first =
        profile_.first_thread_notify_order == FirstThreadNotifyOrder::ThreadThenProcess;
    bool thread_notified = false;
    if (inserted.notify_process && !held) {
      if (thread_first) {
        PspRunCreateThreadNotifyRoutines(thread, thread.Cid().UniqueProcess, true);
        thread_notified = true;
      }
      veto = PspRunCreateProcessNotifyRoutines(process, true);
    }
    if (!veto.ok()) {
      thread.Starting.store(false, std::memory_order_release);
      // The thread routines that heard of the creation hear of the exit too.
      if (thread_notified)
        PspRunCreateThreadNotifyRoutines(thread, thread.Cid().UniqueProcess, false);
      PspBackOutVetoedThread(process, thread);
      return {veto};
    }
    // The thread's context and start routine are set up (KiInitializeThread); before it is
    // readied, the thread-notify routines see (Cid.UniqueProcess, Cid.UniqueThread, TRUE).
    if (!thread_notified)
      PspRunCreateThreadNotifyRoutines(thread, thread.Cid().UniqueProcess, true);
  }

  // Steps 17–18: the handle, and GrantedAccess, which opens the thread to lookups. A system
  // thread's handle is a kernel handle (OBJ_KERNEL_HANDLE): in System's table, marked with the
  // kernel-handle bit (semantics.md §10.7).
  Process& handle_owner = system_thread ? *system_process_ : current_process();
  Handle handle = ObInsertObject(handle_owner, thread, profile_.thread_all_access);
  if (system_thread && !handle.is_null()) handle = ob::as_kernel_handle(handle, profile_.arch);
  thread.GrantedAccess.store(profile_.thread_all_access, std::memory_order_release);
  (void)suspended;  // suspension is not observable by anything modeled yet
  thread.Starting.store(false, std::memory_order_release);
  if (handle.is_null()) {
    // Step 17 failed: the creator's process exited meanwhile (a notify routine terminated it),
    // so its handle table is gone. Past the point of no return the thread is marked dead and
    // still runs, to exit at once; the call fails.
    thread.CrossThreadFlags.fetch_or(Thread::kFlagDeadThread | Thread::kFlagTerminated);
    PspExitThread(thread);
    return {STATUS_PROCESS_IS_TERMINATING};
  }
  const ThreadCreated created{STATUS_SUCCESS, &thread, handle, thread.Cid()};
  // Step 15: a thread terminated while it was being created (by a notify routine) runs at
  // once and exits; the creation still succeeds, with its handle.
  if ((thread.CrossThreadFlags.load() & Thread::kFlagTerminated) != 0) {
    PspExitThread(thread);
    return created;
  }
  // A user process's first thread starts: the load-image routines hear of the process's own
  // image and ntdll, in its context, where the profile says so (semantics.md §10.10).
  if (!system_thread && profile_.process_image_notify == ProcessImageNotify::AtFirstThreadStart &&
      !process.ImagesReported.load(std::memory_order_acquire)) {
    Executive::ContextScope starting(*this, thread);
    PspReportProcessImages(process);
  }
  return created;
}

Executive::Inserted Executive::PspInsertThreadLocked(Process& process, Thread& thread) {
  process.ProcessLock.assert_held();
  // Step 10: a process being deleted takes no new thread; nor does its own process take a user
  // thread from a creating thread that is itself terminated (semantics.md §10.6).
  if ((process.Flags.load(std::memory_order_acquire) & Process::kFlagProcessDelete) != 0) {
    return {STATUS_PROCESS_IS_TERMINATING, false};
  }
  const Thread& creator = current_thread();
  if (!thread.is_system() && creator.ThreadsProcess == &process &&
      (creator.CrossThreadFlags.load() & Thread::kFlagTerminated) != 0) {
    return {STATUS_PROCESS_IS_TERMINATING, false};
  }
  // win2000 (§2.4 step 4): a process whose UniqueProcessId is 0 gets its PID now — the first
  // thread's creation, or any thread's after a driver zeroed it.
  bool pid_assigned = false;
  if (profile_.pid_assignment == PidAssignment::LazyInPspCreateThread &&
      process.UniqueProcessId.load(std::memory_order_acquire) == 0) {
    if (!PspAssignProcessId(process)) return {profile_.pid_allocation_failure_status, false};
    pid_assigned = true;
  }
  if (profile_.thread_cid_process_copy == ThreadCidProcessCopy::AfterPidAssignment) {
    thread.CidUniqueProcess.store(process.UniqueProcessId.load(std::memory_order_acquire),
                                  std::memory_order_release);
  }
  // Step 11: the point of no return.
  const std::uint32_t old_active_threads = process.ActiveThreads++;
  thread.Starting.store(true, std::memory_order_release);
  process.ThreadListHead.push_back(&thread);
  const bool notify = profile_.process_notify_trigger == ProcessNotifyTrigger::PidAssigned
                          ? pid_assigned
                          : old_active_threads == 0;
  return {STATUS_SUCCESS, notify};
}

void Executive::PspBackOutVetoedThread(Process& process, Thread& thread) {
  // An Ex routine vetoed the process (Vista; the exact veto point is [U], §2.6/§8.5): the first
  // thread is taken back out, the process exits (its routines hear of it), and the creation
  // fails with the routine's status; no thread notify is delivered.
  {
    MutexLocker hold(process.ProcessLock);
    --process.ActiveThreads;
    process.ThreadListHead.erase(&thread);
    process.Flags.fetch_or(Process::kFlagProcessDelete, std::memory_order_acq_rel);
  }
  PspExitProcess(process);
  objects_.dereference(thread);
}

}  // namespace ntemu::ps
