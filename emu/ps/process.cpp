// SPDX-License-Identifier: MIT
// Process creation: NtCreateProcess → PspCreateProcess (semantics.md §2.2), and the one place a
// process gets its PID, PspAssignProcessId — called here on XP and later, lazily from
// PspCreateThread on Windows 2000 (§2.4).
#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::ps {

bool Executive::PspAssignProcessId(Process& process) {
  sched::point(sched::Access::Write, &process, "PspAssignProcessId");
  // §2.2 steps 8–9: ExCreateHandle in PspCidTable, then ExSetHandleTableOwner.
  const Handle pid = PspCreateCid(process);
  if (pid.is_null()) return false;
  process.UniqueProcessId.store(pid.value(), std::memory_order_release);
  process.ObjectTable->set_owner(ProcessId{pid.value()});
  return true;
}

Executive::ProcessCreated Executive::PspCreateProcess(std::string image_name, Process* parent,
                                                      std::unique_ptr<ex::AnyHandleTable> table) {
  dbg::FrameScope frame("nt", "PspCreateProcess");
  // A dying parent gives no child (§2.2 step 5). The flag is read without the parent's lock,
  // which a notify routine creating a child of the process it is told of may hold.
  if (parent != nullptr &&
      (parent->Flags.load(std::memory_order_acquire) & Process::kFlagProcessDelete) != 0) {
    return {STATUS_PROCESS_IS_TERMINATING};
  }
  // §2.2 step 4: the parent's PID whenever a parent exists.
  const ProcessId inherited = parent != nullptr ? parent->pid() : ProcessId{};
  Process& process = objects_.create<Process>(std::move(image_name), inherited, std::move(table));
  if (profile_.image_file_name_chars < Process::kShortImageNameChars) {
    process.ShortImageName[profile_.image_file_name_chars] = '\0';  // a shorter EPROCESS field
  }
  if (profile_.pid_assignment == PidAssignment::InPspCreateProcess &&
      !PspAssignProcessId(process)) {
    objects_.dereference(process);
    return {STATUS_INSUFFICIENT_RESOURCES};
  }
  return {STATUS_SUCCESS, &process, Handle{}};
}

Executive::ProcessCreated Executive::NtCreateProcess(std::string image_name, Process* parent,
                                                     ProcessImage image) {
  Thread& creator = current_thread();
  Executive::ContextScope enter(*this, creator);
  dbg::FrameScope frame("nt", "NtCreateProcess");
  return PspCreateProcessForCaller(creator, std::move(image_name), parent, std::move(image));
}

Executive::ProcessCreated Executive::PspCreateProcessForCaller(Thread& creator,
                                                               std::string image_name,
                                                               Process* parent,
                                                               ProcessImage image) {
  if (Status s = caller_check(creator, parent); !s.ok()) return {s};
  Process& parent_process = parent != nullptr ? *parent : *creator.ThreadsProcess;
  // A new object table starts owned by the creating process's PID (semantics.md §2.2 step 6).
  auto table = std::make_unique<ex::AnyHandleTable>(
      profile_.arch, ex::HandleTableOptions{.owner = creator.ThreadsProcess->pid()});
  std::string path = image.path.empty() ? default_image_path(image_name) : std::move(image.path);
  std::string command_line =
      image.command_line.empty() ? image_name : std::move(image.command_line);
  ProcessCreated created =
      PspCreateProcess(std::move(image_name), &parent_process, std::move(table));
  if (!created.status.ok()) return created;
  Process& process = *created.process;
  process.ImagePath = std::move(path);
  process.CommandLine = std::move(command_line);
  created.handle = ObInsertObject(*creator.ThreadsProcess, process, profile_.process_all_access);
  // The handle now holds the process; the creation reference is dropped (§2.2 step 11). With no
  // handle (the creator's process exited: its table is gone) the process goes with it.
  objects_.dereference(process);
  if (created.handle.is_null()) return {STATUS_PROCESS_IS_TERMINATING};
  process.GrantedAccess.store(profile_.process_all_access, std::memory_order_release);
  // The process's own image and ntdll are mapped now; where the profile says so, the
  // load-image routines hear of them now too (with the PID the process has: 0 on win2000).
  if (profile_.process_image_notify == ProcessImageNotify::AtProcessCreation) {
    PspReportProcessImages(process);
  }
  return created;
}

Status Executive::PspCheckProcessLock(const Process& process, std::string_view routine) {
  if (!process.ProcessLock.held_by_current_thread()) return STATUS_SUCCESS;
  // Re-entered from a notify routine that runs under this process's lock (the profile's
  // ProcessLockDuringNotify::Held): the real kernel would wait for itself forever. Refuse,
  // changing nothing, instead of hanging the host; the verifier names the hazard.
  observe(&KernelObserver::process_lock_reentered, process, routine);
  return STATUS_POSSIBLE_DEADLOCK;
}

Status Executive::caller_check(const Thread& caller, const ob::Object* target) const {
  // No caller holds a handle to a deleted object: the object manager would refuse it.
  if (target != nullptr && target->is_deleted()) return STATUS_INVALID_HANDLE;
  // A caller whose process has exited has no object table left to receive the new handle
  // (ObKillProcess closed it); a real exited thread would make no call at all.
  // The exiting bit is set with an interlocked OR and read without the process lock.
  const Process& own = *caller.ThreadsProcess;
  const bool exiting =
      (own.Flags.load(std::memory_order_acquire) & Process::kFlagProcessExiting) != 0;
  return exiting ? STATUS_PROCESS_IS_TERMINATING : STATUS_SUCCESS;
}

}  // namespace ntemu::ps
