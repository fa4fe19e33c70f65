// SPDX-License-Identifier: MIT
/// \file
/// Kernel profiles: everything that differs between the modeled Windows versions, as data.
/// One code path asks the profile questions ("where is the PID assigned?", "what does a full
/// thread-notify array return?"); nothing tests the version number directly.
///
/// Every point that semantics.md marks unknown ([U]) is a named option here with its documented
/// default and the reason for it; change it to explore the alternative:
///
/// \code
///   ntemu::Result<ntemu::Profile> p = ntemu::Profile::make(ntemu::KernelVersion::Win2000,
///   ntemu::Arch::X86); ntemu::Profile alt = *p; alt.process_lock_during_process_notify =
///   ntemu::ProcessLockDuringNotify::Released;
/// \endcode
///
/// `Profile::make` gives the documented profile of each of the four versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ntemu/ex/handle_table.hpp"
#include "ntemu/ps/notify_array.hpp"
#include "ntemu/support/arch.hpp"
#include "ntemu/support/result.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu {

enum class KernelVersion : std::uint8_t { Win2000, Xp, Server2003, Vista };

/// "win2000", "xp", "server2003", "vista" (the `--kernel` spellings).
constexpr std::string_view to_string(KernelVersion v) {
  switch (v) {
    case KernelVersion::Win2000:
      return "win2000";
    case KernelVersion::Xp:
      return "xp";
    case KernelVersion::Server2003:
      return "server2003";
    case KernelVersion::Vista:
      return "vista";
  }
  return "?";
}

/// Parses a `--kernel` spelling; anything else is nullopt.
constexpr std::optional<KernelVersion> parse_kernel_version(std::string_view s) {
  for (auto v : {KernelVersion::Win2000, KernelVersion::Xp, KernelVersion::Server2003,
                 KernelVersion::Vista}) {
    if (to_string(v) == s) return v;
  }
  return std::nullopt;
}

/// Where a process receives its PID (semantics.md §1, §2.2, §2.4).
enum class PidAssignment : std::uint8_t {
  /// In PspCreateThread, when the process's UniqueProcessId is still 0 (Windows 2000, NT4).
  LazyInPspCreateThread,
  /// In PspCreateProcess, before any thread exists (XP and later).
  InPspCreateProcess,
};

/// What makes PspCreateThread walk the process-notify array (semantics.md §1).
enum class ProcessNotifyTrigger : std::uint8_t {
  /// The PID-assignment branch ran (Windows 2000): fires again if the PID was zeroed.
  PidAssigned,
  /// ActiveThreads went 0 → 1 (XP and later).
  FirstActiveThread,
};

/// Whether the process lock is still held while the process-notify routines run.
enum class ProcessLockDuringNotify : std::uint8_t { Held, Released };

/// When the new thread's `Cid.UniqueProcess` copy is taken (semantics.md §2.1 step 5, §2.4 step 5).
enum class ThreadCidProcessCopy : std::uint8_t {
  /// After the PID step, so the first thread carries the PID just assigned (Windows 2000).
  AfterPidAssignment,
  /// When the thread object is set up, before the TID (XP and later): a later zeroing of the
  /// process's PID is not seen by threads created before it, and is seen as 0 after it.
  AtThreadObjectSetup,
};

/// Which thread the create notifications run on.
enum class CreateNotifyContext : std::uint8_t {
  /// The creating thread, inside its PspCreateThread call (MSDOC; the article's stack).
  CreatingThread,
  /// The new thread, as the Windows 2000 DDK's wording has it (DDK2K).
  NewThread,
};

/// Whether registering a routine that is already registered is accepted.
enum class DuplicateRegistration : std::uint8_t { Allowed, Rejected };

/// How a system call from user mode enters the kernel, as a stack shows it (semantics.md §10.2).
/// Kernel-mode callers go through the kernel's own Zw stub: nt!KiSystemService on x86,
/// nt!KiServiceInternal on x64.
enum class SystemCallGate : std::uint8_t {
  /// `int 2Eh` → nt!KiSystemService (Windows 2000).
  Int2E,
  /// `sysenter` → nt!KiFastCallEntry, with ntdll!KiFastSystemCallRet above it (XP and later, x86).
  SysEnter,
  /// `syscall` → nt!KiSystemCall64 (x64).
  SysCall64,
};

/// Whether registration and removal are serialised against each other.
enum class RegistrationLocking : std::uint8_t { Serialized, Unserialized };

/// Whether PsLookup* require a non-zero GrantedAccess (semantics.md §3.4, §8.2).
enum class LookupAccessGate : std::uint8_t {
  /// No check: a lookup succeeds as soon as the CID entry exists.
  None,
  /// The entry's object must have GrantedAccess ≠ 0, so lookups of a thread from inside its own
  /// create notify fail (Server 2003).
  GrantedAccess,
};

/// Which PID the thread-exit notify passes (semantics.md §3.1 step 4, §7.1 point 7).
enum class ThreadExitNotifyPid : std::uint8_t {
  /// `Process->UniqueProcessId`, read at exit (Server 2003).
  ProcessField,
  /// The thread's own `Cid.UniqueProcess` copy.
  ThreadCidCopy,
};

/// Whether a process that never ran a thread gets a process-exit notify when it is deleted.
enum class ThreadlessProcessExitNotify : std::uint8_t {
  /// No: PspProcessDelete runs PspExitProcess without notifying (Server 2003, §3.1).
  Never,
  /// Yes, (InheritedFromUniqueProcessId, UniqueProcessId, FALSE) at deletion: the "deletion
  /// call without a creation call" of the legacy WRK comment, taken as Windows 2000 behaviour.
  AtDeletion,
};

/// When the load-image routines hear of a new process's own image and of ntdll (semantics.md
/// §10.10): both are mapped while the process is created, but the notifications are seen after
/// the process's creation notifications.
enum class ProcessImageNotify : std::uint8_t {
  /// When the first thread starts, in its context, after the process and thread create
  /// notifies (the order Process Monitor shows: Process Start, Thread Create, Load Image).
  AtFirstThreadStart,
  /// While the process is created (NtCreateProcess), in the creator's context, with the PID the
  /// process has then (0 on Windows 2000, whose PIDs come with the first thread).
  AtProcessCreation,
};

/// One kernel version's behaviour. Plain data: copy it and change an option to explore.
struct Profile {
  KernelVersion version = KernelVersion::Win2000;
  Arch arch = Arch::X86;

  // --- PspCidTable -----------------------------------------------------------------------
  /// Reuse policy of PspCidTable. win2000: [U], default StrictFifo as on 2003 (WRK:psinit
  /// sets it explicitly; nothing shows Windows 2000 differed).
  ex::FreePolicy cid_free_policy = ex::FreePolicy::StrictFifo;
  /// Model option (not a version fact): cap PspCidTable at this many low-level pages (0 = the
  /// architectural 2^24 slots), so ID-exhaustion paths are cheap to reach.
  std::uint32_t cid_table_page_limit = 0;

  // --- creation path ---------------------------------------------------------------------
  PidAssignment pid_assignment = PidAssignment::LazyInPspCreateThread;
  ProcessNotifyTrigger process_notify_trigger = ProcessNotifyTrigger::PidAssigned;
  /// win2000: [U], default Held — the article reads the notify loop inside the locked PID
  /// branch (BLOG, semantics.md §2.4 step 4).
  ProcessLockDuringNotify process_lock_during_process_notify = ProcessLockDuringNotify::Held;
  ThreadCidProcessCopy thread_cid_process_copy = ThreadCidProcessCopy::AfterPidAssignment;
  /// Status when the lazy PID allocation fails (BLOG: STATUS_UNSUCCESSFUL).
  Status pid_allocation_failure_status = STATUS_UNSUCCESSFUL;
  /// Status when the TID allocation fails. win2000: [U], default STATUS_INSUFFICIENT_RESOURCES
  /// as on 2003 (WRK:create step 6).
  Status tid_allocation_failure_status = STATUS_INSUFFICIENT_RESOURCES;

  // --- notify registration ---------------------------------------------------------------
  NotifyStorage notify_storage = NotifyStorage::PlainArray;
  std::uint32_t process_notify_slots = 8;  ///< win2000: 8 [I]
  std::uint32_t thread_notify_slots = 8;   ///< win2000: 8 [F DDK2K "up to eight"]
  /// Status of PsSetCreateProcessNotifyRoutine when every slot is taken.
  Status process_notify_full_status = STATUS_INVALID_PARAMETER;
  /// Status of PsSetCreateThreadNotifyRoutine when every slot is taken.
  Status thread_notify_full_status = STATUS_INSUFFICIENT_RESOURCES;
  /// Status of a removal that finds no matching routine.
  Status notify_not_found_status = STATUS_PROCEDURE_NOT_FOUND;
  /// Registering a process routine twice. win2000: [I] no duplicate check (none in the WRK
  /// lineage; the documented rejection is Vista+).
  DuplicateRegistration process_duplicate_registration = DuplicateRegistration::Allowed;
  /// Registering a thread routine twice: allowed on every version (semantics.md §10.4 [I]:
  /// MSDOC lists no such failure for PsSetCreateThreadNotifyRoutine).
  DuplicateRegistration thread_duplicate_registration = DuplicateRegistration::Allowed;
  /// win2000: [U], default Serialized; Unserialized lets concurrent registrations race for a slot.
  RegistrationLocking registration_locking = RegistrationLocking::Serialized;
  /// PsRemoveCreateThreadNotifyRoutine is exported (absent on win2000: DDK2K).
  bool has_remove_thread_notify_routine = false;
  /// PsSetCreateProcessNotifyRoutineEx is exported (Vista SP1 and later: MSDOC).
  bool has_process_notify_routine_ex = false;
  /// Load-image routine slots: 8 through Vista [F MSDOC for 2000–2003; I for Vista], 64 from
  /// Windows 7 (semantics.md §10.10).
  std::uint32_t load_image_notify_slots = 8;
  /// Status of PsSetLoadImageNotifyRoutine when every slot is taken.
  Status load_image_notify_full_status = STATUS_INSUFFICIENT_RESOURCES;
  /// PsRemoveLoadImageNotifyRoutine is exported (XP and later; absent on win2000 [I], like the
  /// thread routine's removal).
  bool has_remove_load_image_notify_routine = false;
  /// win2000–vista: [U] between sources, default AtFirstThreadStart ([O] Process Monitor's
  /// order; see ProcessImageNotify).
  ProcessImageNotify process_image_notify = ProcessImageNotify::AtFirstThreadStart;
  /// win2000: [U] between sources, default CreatingThread — the article's debugger stack is the
  /// creator's call chain and MSDOC says so; DDK2K's text says the new thread.
  CreateNotifyContext create_notify_context = CreateNotifyContext::CreatingThread;

  // --- lookups ---------------------------------------------------------------------------
  /// win2000: [U], default None (§8.2: the documented advice to look a new thread up from its
  /// create notify "probably worked" in kernels other than 2003).
  LookupAccessGate lookup_access_gate = LookupAccessGate::None;
  /// Status of PsLookupProcessByProcessId / PsLookupThreadByThreadId when the ID names no live
  /// object of the type: STATUS_INVALID_PARAMETER through Server 2003 (WRK:pscid), then
  /// STATUS_INVALID_CID (semantics.md §10.1: MSDOC, Wine's driver tests on Windows).
  Status lookup_failure_status = STATUS_INVALID_PARAMETER;

  // --- stacks ----------------------------------------------------------------------------
  /// The system-call gate user-mode callers enter through (win2000: int 2Eh).
  SystemCallGate system_call_gate = SystemCallGate::Int2E;

  // --- exit ------------------------------------------------------------------------------
  /// win2000: [U], default ProcessField as on 2003 (semantics.md §7.1 point 7).
  ThreadExitNotifyPid thread_exit_notify_pid = ThreadExitNotifyPid::ProcessField;
  /// win2000: [U], default AtDeletion (semantics.md §3.1, §8.6: the legacy comment "probably
  /// Win2k-era"). With lazy PIDs such a process reports ProcessId 0.
  ThreadlessProcessExitNotify threadless_process_exit_notify =
      ThreadlessProcessExitNotify::AtDeletion;

  /// The documented profile of `version` on `arch`: STATUS_NOT_SUPPORTED for versions whose
  /// machinery ntemu does not model yet.
  static Result<Profile> make(KernelVersion version, Arch arch);
  /// The Windows 2000 profile.
  static Profile win2000(Arch arch = Arch::X86);
  /// Windows XP: modeled as Server 2003 (no clean source; semantics.md §2.3).
  static Profile xp(Arch arch = Arch::X86);
  /// Windows Server 2003 SP1, as the WRK shows it.
  static Profile server2003(Arch arch = Arch::X86);
  /// Windows Vista: the documented differences on top of 2003.
  static Profile vista(Arch arch = Arch::X86);
};

}  // namespace ntemu
