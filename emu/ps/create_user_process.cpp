// SPDX-License-Identifier: MIT
// NtCreateUserProcess (Vista and later; semantics.md §10.3, Windows Internals 5e/6e "Flow of
// CreateProcess"): a user-mode process and its initial thread made by one system call. The
// process gets its PID when it is allocated, before any thread; the create notifies of both run
// when the thread is inserted (PspInsertThread), in the profile's first_thread_notify_order. A
// failure of the thread — a vetoing Ex routine included — fails the one call: the process goes
// again and the caller gets no handle.
#include "entry_point.hpp"
#include "ntemu/ob/obhandle.hpp"
#include "syscall_frames.hpp"

namespace ntemu::ps {

Executive::UserProcessCreated Executive::NtCreateUserProcess(std::string image_name,
                                                             Process* parent, ProcessImage image,
                                                             std::string thread_name) {
  if (!profile_.has_create_user_process) return {STATUS_NOT_IMPLEMENTED};
  Thread& creator = current_thread();
  Executive::ContextScope enter(*this, creator);
  const PreviousMode mode = detail::caller_mode(creator);
  detail::SystemCallFrames gate(profile_, mode, "ZwCreateUserProcess");
  dbg::FrameScope frame("nt", "NtCreateUserProcess");
  // PspAllocateProcess and PspInsertProcess: the process object, its PID and the creator's
  // handle to it (no notify yet).
  ProcessCreated process =
      PspCreateProcessForCaller(creator, std::move(image_name), parent, std::move(image));
  if (!process.status.ok()) return {process.status};
  // PspAllocateThread and PspInsertThread: the initial thread; the notifies run here.
  ThreadCreated thread =
      PspCreateThread(*process.process, mode, /*system_thread=*/false, CreateSuspended::No,
                      std::move(thread_name), "PspInsertThread");
  if (!thread.status.ok()) {
    // The call fails as a whole: the creator's handle goes, and with it the process (a vetoed
    // one has exited already; one that never had a thread is deleted now).
    static_cast<void>(
        ob::ObCloseHandle(objects_, *creator.ThreadsProcess->ObjectTable, process.handle));
    return {thread.status};
  }
  return {STATUS_SUCCESS, process.process, process.handle,
          thread.thread,  thread.handle,   thread.cid};
}

}  // namespace ntemu::ps
