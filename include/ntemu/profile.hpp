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
/// `Profile::make` gives the documented profile of each version.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ntemu/ex/handle_table.hpp"
#include "ntemu/ps/notify_array.hpp"
#include "ntemu/support/arch.hpp"
#include "ntemu/support/result.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu {

enum class KernelVersion : std::uint8_t { Win2000, Xp, Server2003, Vista, Win7, Win10 };

/// Every modeled version, oldest first.
inline constexpr KernelVersion kKernelVersions[] = {
    KernelVersion::Win2000, KernelVersion::Xp,   KernelVersion::Server2003,
    KernelVersion::Vista,   KernelVersion::Win7, KernelVersion::Win10};

/// "win2000", "xp", "server2003", "vista", "win7", "win10" (the `--kernel` spellings).
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
    case KernelVersion::Win7:
      return "win7";
    case KernelVersion::Win10:
      return "win10";
  }
  return "?";
}

/// `versions`' spellings joined for a message, `last` between the final two and ", " between
/// the others: with " or ", "win2000, xp or vista"; with ", ", a plain list.
std::string join_kernel_versions(std::span<const KernelVersion> versions, std::string_view last);

/// The spellings for a message: "win2000, xp, server2003, vista, win7 or win10" (every
/// version of kKernelVersions).
std::string kernel_version_list();

/// Parses a `--kernel` spelling; anything else is nullopt.
constexpr std::optional<KernelVersion> parse_kernel_version(std::string_view s) {
  for (auto v : kKernelVersions) {
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

/// The order of the first thread's thread notify against its process's process notify, both
/// run from the thread's insertion (semantics.md §10.3).
enum class FirstThreadNotifyOrder : std::uint8_t {
  /// The process routines, then the thread routines (Server 2003: F WRK:create).
  ProcessThenThread,
  /// The thread routines first (one reading of Windows Internals 6e's stage 4).
  ThreadThenProcess,
};

/// How NtOpenProcess / NtOpenThread treat a client ID with one of the two low (tag) bits set, an
/// ID off by 1..3 from a real one (semantics.md §10.9).
enum class OpenByIdTagBits : std::uint8_t {
  /// Ignored, as the handle-table index granularity makes them: the same object opens
  /// (Server 2003: WRK:handle ignores them; Vista and later: Wine's tests on Windows).
  Ignored,
  /// STATUS_ACCESS_DENIED (XP, as Wine's tests saw it).
  AccessDenied,
};

/// One kernel version's behaviour. Plain data: copy it and change an option to explore.
struct Profile {
  KernelVersion version = KernelVersion::Win2000;
  Arch arch = Arch::X86;
  /// The Windows 10 release (1507, 1703, 1709, …) the profile describes; 0 on other versions.
  std::uint16_t release = 0;

  // --- PspCidTable -----------------------------------------------------------------------
  /// Reuse policy of PspCidTable — the CID reuse option. win2000: [U], default StrictFifo as on
  /// 2003 (WRK:psinit sets it explicitly; nothing shows Windows 2000 differed). Vista, win7,
  /// win10: [U], default StrictFifo (Windows 8 reworked the handle table; its free order is not
  /// documented). Lifo makes a freed ID come back at once.
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
  /// NtCreateUserProcess exists: user-mode process creation is one system call making the
  /// process and its first thread (Vista and later: WI5e/6e "Flow of CreateProcess").
  bool has_create_user_process = false;
  /// Status when the lazy PID allocation fails (BLOG: STATUS_UNSUCCESSFUL).
  Status pid_allocation_failure_status = STATUS_UNSUCCESSFUL;
  /// Status when the TID allocation fails. win2000: [U], default STATUS_INSUFFICIENT_RESOURCES
  /// as on 2003 (WRK:create step 6).
  Status tid_allocation_failure_status = STATUS_INSUFFICIENT_RESOURCES;

  // --- notify registration ---------------------------------------------------------------
  NotifyStorage notify_storage = NotifyStorage::PlainArray;
  /// Test only, no version has it: a seeded bug for the interleaving explorer
  /// (docs/concurrency.md). EX_CALLBACK removal skips ExWaitForCallBacks and returns while
  /// callers may still run the routine; `ntemu explore`'s tests must find it every time.
  bool seeded_bug_skip_removal_wait = false;
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
  /// ObRegisterCallbacks / ObUnRegisterCallbacks are exported (Vista SP1 and later: MSDOC).
  bool has_object_callbacks = false;
  /// What PROCESS_ALL_ACCESS and THREAD_ALL_ACCESS grant (a creation's handle, a
  /// MAXIMUM_ALLOWED open): 0x1F0FFF and 0x1F03FF before Vista, 0x1FFFFF from Vista on [F
  /// MSDOC Process/Thread Security and Access Rights].
  std::uint32_t process_all_access = 0x001F0FFF;
  std::uint32_t thread_all_access = 0x001F03FF;
  /// PsSetCreateProcessNotifyRoutineEx2 is exported (Windows 10 1703 and later: MSDOC).
  bool has_process_notify_routine_ex2 = false;
  /// PsSetCreateThreadNotifyRoutineEx is exported (Windows 10 1703 and later: MSDOC
  /// PSCREATETHREADNOTIFYTYPE).
  bool has_thread_notify_routine_ex = false;
  /// PsSetLoadImageNotifyRoutineEx is exported (Windows 10 1709 and later: MSDOC).
  bool has_load_image_notify_routine_ex = false;
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
  /// Which of the first thread's notifies run first (semantics.md §10.3): [F] process first on
  /// 2003; [U] from Vista on, default ProcessThenThread ([O] Process Monitor shows Process Create
  /// before Thread Create; WI6e's text can be read the other way).
  FirstThreadNotifyOrder first_thread_notify_order = FirstThreadNotifyOrder::ProcessThenThread;
  /// win2000: [U] between sources, default CreatingThread — the article's debugger stack is the
  /// creator's call chain and MSDOC says so; DDK2K's text says the new thread.
  CreateNotifyContext create_notify_context = CreateNotifyContext::CreatingThread;

  // --- what a process tells of its image ------------------------------------------------
  /// Characters EPROCESS.ImageFileName keeps of the image name (PsGetProcessImageFileName): 15,
  /// the field being UCHAR[16] in NT 5.x [F WRK:ps.h]; at most 15 (Process::ShortImageName).
  std::uint32_t image_file_name_chars = 15;
  /// SeLocateProcessImageName is exported (Vista and later [I]: MSDOC documents it for Vista
  /// on; older kernels keep the full path only in the section object).
  bool has_se_locate_process_image_name = false;

  // --- lookups ---------------------------------------------------------------------------
  /// win2000: [U], default None (§8.2: the documented advice to look a new thread up from its
  /// create notify "probably worked" in kernels other than 2003).
  LookupAccessGate lookup_access_gate = LookupAccessGate::None;
  /// Status of PsLookupProcessByProcessId / PsLookupThreadByThreadId when the ID names no live
  /// object of the type: STATUS_INVALID_PARAMETER through Server 2003 (WRK:pscid), then
  /// STATUS_INVALID_CID (semantics.md §10.1: MSDOC, Wine's driver tests on Windows).
  Status lookup_failure_status = STATUS_INVALID_PARAMETER;

  /// NtOpenProcess / NtOpenThread of an ID with tag bits set (semantics.md §10.9). win2000: [U],
  /// default AccessDenied as XP, the nearest version observed.
  OpenByIdTagBits open_by_id_tag_bits = OpenByIdTagBits::AccessDenied;

  // --- stacks ----------------------------------------------------------------------------
  /// The system-call gate user-mode callers enter through (win2000: int 2Eh).
  SystemCallGate system_call_gate = SystemCallGate::Int2E;

  // --- exit ------------------------------------------------------------------------------
  /// win2000: [U], default ProcessField as on 2003 (semantics.md §7.1 point 7).
  ThreadExitNotifyPid thread_exit_notify_pid = ThreadExitNotifyPid::ProcessField;
  /// win2000: [U], default AtDeletion (semantics.md §3.1, §8.6: the legacy comment "probably
  /// Win2k-era"). With lazy PIDs such a process reports ProcessId 0. XP–win7: Never (2003's
  /// code; [U] for Vista and 7). win10 1703+: AtDeletion [F MSDOC PsSetCreateProcessNotify
  /// RoutineEx2: "called for deletion only" for a process that never had a thread].
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
  /// Windows 7: Vista with 64 load-image slots.
  static Profile win7(Arch arch = Arch::X86);
  /// The newest Windows 10 release ntemu models a difference for.
  static constexpr std::uint16_t kLatestWin10Release = 1709;
  /// Windows 10 as of `release` (1507 and later): the Ex2 process and Ex thread routines from
  /// 1703, the Ex load-image routine from 1709. `make` gives kLatestWin10Release.
  static Profile win10(Arch arch = Arch::X86, std::uint16_t release = kLatestWin10Release);
};

}  // namespace ntemu
