// SPDX-License-Identifier: MIT
#include "ntemu/profile.hpp"

namespace ntemu {

std::string join_kernel_versions(std::span<const KernelVersion> versions, std::string_view last) {
  std::string out;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    if (i > 0) out += i + 1 == versions.size() ? last : std::string_view(", ");
    out += to_string(versions[i]);
  }
  return out;
}

std::string kernel_version_list() {
  return join_kernel_versions(kKernelVersions, " or ");
}

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
  p.first_thread_notify_order = FirstThreadNotifyOrder::ProcessThenThread;       // WRK:create
  // §10.9: the tag bits are ignored by the table's lookup (WRK:handle, §9.5) [F]; that the
  // open path shows the same is [I].
  p.open_by_id_tag_bits = OpenByIdTagBits::Ignored;
  return p;
}

Profile Profile::xp(Arch arch) {
  // No clean XP source exists: modeled as Server 2003 (semantics.md §2.3) [I]; StrictFIFO on
  // PspCidTable is [U] there, default as 2003.
  Profile p = server2003(arch);
  p.version = KernelVersion::Xp;
  // §10.9 [O]: Wine's tests saw XP refuse an ID off by 1..3 with STATUS_ACCESS_DENIED.
  p.open_by_id_tag_bits = OpenByIdTagBits::AccessDenied;
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
  p.lookup_failure_status = STATUS_INVALID_CID;      // §10.1
  p.has_se_locate_process_image_name = true;         // [I] MSDOC: Vista and later
  p.open_by_id_tag_bits = OpenByIdTagBits::Ignored;  // §10.9 [O] Wine's tests
  p.has_create_user_process = true;                  // §10.3 [F] WI5e/6e
  p.has_object_callbacks = true;                     // [F] MSDOC ObRegisterCallbacks
  p.process_all_access = 0x001FFFFF;                 // [F] MSDOC Process Security…
  p.thread_all_access = 0x001FFFFF;                  // [F] MSDOC Thread Security…
  return p;
}

Profile Profile::win7(Arch arch) {
  // semantics.md §10.9, §10.10: 64 slots for process, thread and load-image routines [F MSDOC
  // PsSetLoadImageNotifyRoutine for the image array]; everything else as Vista.
  Profile p = vista(arch);
  p.version = KernelVersion::Win7;
  p.load_image_notify_slots = 64;
  return p;
}

Profile Profile::win10(Arch arch, std::uint16_t release) {
  // Windows 10 by release (MSDOC's "minimum supported client" of each routine): 1703 adds
  // PsSetCreateProcessNotifyRoutineEx2 and PsSetCreateThreadNotifyRoutineEx, 1709
  // PsSetLoadImageNotifyRoutineEx. From 1703 the docs of the Ex2 routine say a process created
  // and deleted without ever having a thread gets the deletion call only (§10.9).
  Profile p = win7(arch);
  p.version = KernelVersion::Win10;
  p.release = release < 1507 ? std::uint16_t{1507} : release;
  p.has_process_notify_routine_ex2 = p.release >= 1703;
  p.has_thread_notify_routine_ex = p.release >= 1703;
  p.has_load_image_notify_routine_ex = p.release >= 1709;
  if (p.release >= 1703) {
    p.threadless_process_exit_notify = ThreadlessProcessExitNotify::AtDeletion;
  }
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
    case KernelVersion::Win7:
      return win7(arch);
    case KernelVersion::Win10:
      return win10(arch);
  }
  return STATUS_NOT_SUPPORTED;
}

}  // namespace ntemu
