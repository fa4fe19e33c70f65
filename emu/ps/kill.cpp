// SPDX-License-Identifier: MIT
// Termination and exit (semantics.md §3.1): NtTerminateThread, NtTerminateProcess, and the exit
// path they run — PspExitThread in the exiting thread's context, and PspExitProcess for the
// last thread (process-exit notify, then ObKillProcess closes the process's handles).
#include <vector>

#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

namespace ntemu::ps {

namespace {
// Marks `thread` terminated; false if it already was.
bool mark_terminated(Thread& thread) {
  return (thread.CrossThreadFlags.fetch_or(Thread::kFlagTerminated) & Thread::kFlagTerminated) == 0;
}
}  // namespace

Status Executive::NtTerminateThread(Thread& thread) {
  detail::EntryPoint entry(this, "NtTerminateThread");
  if (thread.is_system()) return STATUS_ACCESS_DENIED;  // system threads exit on their own [I]
  // Its exit takes its process's lock.
  if (Status s = PspCheckProcessLock(*thread.ThreadsProcess, "NtTerminateThread"); !s.ok()) {
    return s;
  }
  if (!mark_terminated(thread)) return STATUS_THREAD_IS_TERMINATING;
  // A thread whose creation is still in progress exits when it completes (PspCreateThread).
  if (!thread.Starting.load(std::memory_order_acquire)) PspExitThread(thread);
  return STATUS_SUCCESS;
}

Status Executive::NtTerminateProcess(Process& process) {
  detail::EntryPoint entry(this, "NtTerminateProcess");
  if (&process == system_process_ || &process == idle_process_) return STATUS_ACCESS_DENIED;
  if (Status s = PspCheckProcessLock(process, "NtTerminateProcess"); !s.ok()) return s;
  ThreadList::Snapshot threads;
  {
    MutexLocker hold(process.ProcessLock);
    if ((process.Flags.load(std::memory_order_acquire) &
         (Process::kFlagProcessDelete | Process::kFlagProcessExiting)) != 0) {
      return STATUS_PROCESS_IS_TERMINATING;
    }
    // With an explicit handle, PROCESS_DELETE is set at once (§3.1): no new thread gets in.
    process.Flags.fetch_or(Process::kFlagProcessDelete, std::memory_order_acq_rel);
    threads = process.ThreadListHead.snapshot();
  }
  for (Thread* t : threads) {
    if (mark_terminated(*t) && !t->Starting.load(std::memory_order_acquire)) PspExitThread(*t);
  }
  return STATUS_SUCCESS;
}

void Executive::PspExitThread(Thread& thread) {
  // Runs in the exiting thread's context (§3.1).
  Executive::ContextScope context(*this, thread);
  dbg::FrameScope frame("nt", "PspExitThread");
  Process& process = *thread.ThreadsProcess;
  // Step 4: the thread-exit notify; its PID per the profile (2003: the process field).
  const ProcessId pid = profile_.thread_exit_notify_pid == ThreadExitNotifyPid::ProcessField
                            ? process.pid()
                            : thread.Cid().UniqueProcess;
  PspRunCreateThreadNotifyRoutines(thread, pid, false);
  // Step 5: the last thread marks the process for deletion.
  bool last = false;
  {
    MutexLocker hold(process.ProcessLock);
    if (process.ActiveThreads > 0) --process.ActiveThreads;
    if (process.ActiveThreads == 0) {
      process.Flags.fetch_or(Process::kFlagProcessDelete, std::memory_order_acq_rel);
      last = true;
    }
  }
  // Step 11: the last thread runs the process exit: notify, then the handles are closed.
  if (last) PspExitProcess(process);
  // The thread's own reference goes; with no handle left it is deleted now (its TID with it).
  objects_.dereference(thread);
}

void Executive::PspExitProcess(Process& process) {
  dbg::FrameScope frame("nt", "PspExitProcess");
  {
    MutexLocker hold(process.ProcessLock);
    process.Flags.fetch_or(Process::kFlagProcessExiting, std::memory_order_acq_rel);
  }
  static_cast<void>(PspRunCreateProcessNotifyRoutines(process, false));  // exits cannot veto
  ObKillProcess(process);
}

}  // namespace ntemu::ps
