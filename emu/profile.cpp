// SPDX-License-Identifier: MIT
#include "ntemu/profile.hpp"

namespace ntemu {

Profile Profile::win2000(Arch arch) {
  // The member defaults are the Windows 2000 values (each documented in profile.hpp).
  Profile p;
  p.version = KernelVersion::Win2000;
  p.arch = arch;
  // x64 has only the syscall gate (there was no x64 Windows 2000: a model configuration).
  if (arch == Arch::X64) p.system_call_gate = SystemCallGate::SysCall64;
  return p;
}

Profile Profile::server2003(Arch arch) {
  // Read in WRK (semantics.md §2.1, §2.2, §3, §4, §6): [F] unless noted in profile.hpp.
  Profile p;
  p.version = KernelVersion::Server2003;
  p.arch = arch;
  p.cid_free_policy = ex::FreePolicy::StrictFifo;  // WRK:psinit
  p.pid_assignment = PidAssignment::InPspCreateProcess;
  p.process_notify_trigger = ProcessNotifyTrigger::FirstActiveThread;
  p.process_lock_during_process_notify = ProcessLockDuringNotify::Released;
  p.thread_cid_process_copy = ThreadCidProcessCopy::AtThreadObjectSetup;
  p.tid_allocation_failure_status = STATUS_INSUFFICIENT_RESOURCES;
  p.notify_storage = NotifyStorage::ExCallback;
  p.process_notify_slots = 8;
  p.thread_notify_slots = 8;
  p.process_duplicate_registration = DuplicateRegistration::Allowed;
  p.thread_duplicate_registration = DuplicateRegistration::Allowed;
  p.registration_locking = RegistrationLocking::Serialized;
  p.has_remove_thread_notify_routine = true;
  p.has_process_notify_routine_ex = false;
  p.load_image_notify_slots = 8;  // [F] MSDOC: eight through Server 2003
  p.has_remove_load_image_notify_routine = true;
  p.lookup_access_gate = LookupAccessGate::GrantedAccess;  // §8.2: a flag, WRK's behaviour
  p.thread_exit_notify_pid = ThreadExitNotifyPid::ProcessField;
  p.threadless_process_exit_notify = ThreadlessProcessExitNotify::Never;
  p.create_notify_context = CreateNotifyContext::CreatingThread;
  p.lookup_failure_status = STATUS_INVALID_PARAMETER;  // WRK:pscid
  p.system_call_gate =
      arch == Arch::X64 ? SystemCallGate::SysCall64 : SystemCallGate::SysEnter;  // §10.2
  return p;
}

Profile Profile::xp(Arch arch) {
  // No clean XP source exists: modeled as Server 2003 (semantics.md §2.3) [I]; StrictFIFO on
  // PspCidTable is [U] there, default as 2003.
  Profile p = server2003(arch);
  p.version = KernelVersion::Xp;
  return p;
}

Profile Profile::vista(Arch arch) {
  // Documented behaviour (semantics.md §2.6, §10): 64 process slots [F MSDOC], 64 thread slots
  // [O], duplicate process routines rejected [F MSDOC] (thread routines not, §10.4 [I]), the Ex
  // registration exists [F MSDOC], lookups of an unknown ID fail with STATUS_INVALID_CID [F].
  // The rest as 2003 (§7.3).
  Profile p = server2003(arch);
  p.version = KernelVersion::Vista;
  p.process_notify_slots = 64;
  p.thread_notify_slots = 64;
  p.process_duplicate_registration = DuplicateRegistration::Rejected;
  p.thread_duplicate_registration = DuplicateRegistration::Allowed;  // §10.4
  p.has_process_notify_routine_ex = true;
  p.lookup_failure_status = STATUS_INVALID_CID;  // §10.1
  return p;
}

Result<Profile> Profile::make(KernelVersion version, Arch arch) {
  switch (version) {
    case KernelVersion::Win2000:
      return win2000(arch);
    case KernelVersion::Xp:
      return xp(arch);
    case KernelVersion::Server2003:
      return server2003(arch);
    case KernelVersion::Vista:
      return vista(arch);
  }
  return STATUS_NOT_SUPPORTED;
}

}  // namespace ntemu
