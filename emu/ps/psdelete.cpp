// SPDX-License-Identifier: MIT
// Object deletion (semantics.md §3.2): the delete procedures the object manager runs on an
// object's last reference. PspThreadDelete and PspProcessDelete destroy the object's client ID
// in PspCidTable — only a non-zero UniqueProcessId for a process — and a destroy that fails is
// bugcheck 0x17 CID_HANDLE_DELETION.
#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

namespace ntemu::ps {

void Executive::PspThreadDelete(Thread& thread) {
  dbg::FrameScope frame("nt", "PspThreadDelete");
  observe(&KernelObserver::object_deleting, static_cast<const ob::Object&>(thread));
  // The TID leaves PspCidTable only now, at object deletion.
  const ThreadId tid = thread.tid();
  if (!tid.is_null() && !PspDestroyCid(tid.as_handle(), thread)) {
    bug_check(CID_HANDLE_DELETION, "CID_HANDLE_DELETION", tid.value(), thread.address());
  }
  Process& process = *thread.ThreadsProcess;
  {
    MutexLocker hold(process.ProcessLock);
    process.ThreadListHead.erase(&thread);
  }
  objects_.dereference(process);
}

void Executive::PspProcessDelete(Process& process) {
  dbg::FrameScope frame("nt", "PspProcessDelete");
  observe(&KernelObserver::object_deleting, static_cast<const ob::Object&>(process));
  bool exited = false;
  {
    MutexLocker hold(process.ProcessLock);
    exited = (process.Flags.fetch_or(Process::kFlagProcessExiting, std::memory_order_acq_rel) &
              Process::kFlagProcessExiting) != 0;
  }
  if (!exited) {
    // A process that never ran PspExitProcess(TRUE): its handles go now, and the profile says
    // whether the routines hear of it (§3.1: 2003 stays silent).
    if (profile_.threadless_process_exit_notify == ThreadlessProcessExitNotify::AtDeletion) {
      static_cast<void>(PspRunCreateProcessNotifyRoutines(process, false));  // exits cannot veto
    }
    ObKillProcess(process);
  }
  // §3.2 step 5: only a non-zero UniqueProcessId is destroyed.
  const ProcessId pid = process.pid();
  if (!pid.is_null() && !PspDestroyCid(pid.as_handle(), process)) {
    bug_check(CID_HANDLE_DELETION, "CID_HANDLE_DELETION", pid.value(), process.address());
  }
}

}  // namespace ntemu::ps
