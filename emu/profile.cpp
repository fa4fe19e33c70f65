#include "ntemu/profile.hpp"

namespace ntemu {

Profile Profile::win2000(Arch arch) {
  // The member defaults are the Windows 2000 values (each documented in profile.hpp).
  Profile p;
  p.version = KernelVersion::Win2000;
  p.arch = arch;
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
  p.duplicate_registration = DuplicateRegistration::Allowed;
  p.registration_locking = RegistrationLocking::Serialized;
  p.has_remove_thread_notify_routine = true;
  p.has_process_notify_routine_ex = false;
  p.lookup_access_gate = LookupAccessGate::GrantedAccess;  // §8.2: a flag, WRK's behaviour
  p.thread_exit_notify_pid = ThreadExitNotifyPid::ProcessField;
  p.threadless_process_exit_notify = ThreadlessProcessExitNotify::Never;
  p.create_notify_context = CreateNotifyContext::CreatingThread;
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
  // Documented behaviour (semantics.md §2.6): 64 process slots [F MSDOC], 64 thread slots [O],
  // duplicates rejected [F MSDOC], the Ex registration exists [F MSDOC]. The rest as 2003 (§7.3).
  Profile p = server2003(arch);
  p.version = KernelVersion::Vista;
  p.process_notify_slots = 64;
  p.thread_notify_slots = 64;
  p.duplicate_registration = DuplicateRegistration::Rejected;
  p.has_process_notify_routine_ex = true;
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
