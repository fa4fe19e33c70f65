// SPDX-License-Identifier: MIT
// Kernel profiles: the documented values of each modeled version (semantics.md §1, §2.4, §4).
#include "ntemu/profile.hpp"

#include <doctest/doctest.h>

using namespace ntemu;

TEST_CASE("profile: kernel version spellings round-trip, unknown ones are rejected") {
  for (auto v : {KernelVersion::Win2000, KernelVersion::Xp, KernelVersion::Server2003,
                 KernelVersion::Vista}) {
    CHECK(parse_kernel_version(to_string(v)) == v);
  }
  CHECK(to_string(KernelVersion::Server2003) == "server2003");
  CHECK_FALSE(parse_kernel_version("win7").has_value());
  CHECK_FALSE(parse_kernel_version("Win2000").has_value());
  CHECK(parse_arch("x64") == Arch::X64);
  CHECK_FALSE(parse_arch("arm64").has_value());
}

TEST_CASE("profile: win2000 [BLOG, DDK2K] assigns the PID lazily and uses plain notify arrays") {
  for (Arch arch : {Arch::X86, Arch::X64}) {
    auto p = Profile::make(KernelVersion::Win2000, arch);
    REQUIRE(p);
    CHECK(p->version == KernelVersion::Win2000);
    CHECK(p->arch == arch);
    CHECK(p->pid_assignment == PidAssignment::LazyInPspCreateThread);
    CHECK(p->process_notify_trigger == ProcessNotifyTrigger::PidAssigned);
    CHECK(p->thread_cid_process_copy == ThreadCidProcessCopy::AfterPidAssignment);
    CHECK(p->pid_allocation_failure_status == STATUS_UNSUCCESSFUL);
    CHECK(p->notify_storage == NotifyStorage::PlainArray);
    CHECK(p->process_notify_slots == 8);
    CHECK(p->thread_notify_slots == 8);
    CHECK(p->process_notify_full_status == STATUS_INVALID_PARAMETER);
    CHECK(p->thread_notify_full_status == STATUS_INSUFFICIENT_RESOURCES);
    CHECK(p->notify_not_found_status == STATUS_PROCEDURE_NOT_FOUND);
    CHECK_FALSE(p->has_remove_thread_notify_routine);
    CHECK(p->process_duplicate_registration == DuplicateRegistration::Allowed);
    CHECK(p->thread_duplicate_registration == DuplicateRegistration::Allowed);
    CHECK(p->lookup_failure_status == STATUS_INVALID_PARAMETER);
  }
}

TEST_CASE("profile: win2000 [U] points have their documented defaults and can be changed") {
  Profile p = Profile::win2000();
  CHECK(p.cid_free_policy == ex::FreePolicy::StrictFifo);
  CHECK(p.process_lock_during_process_notify == ProcessLockDuringNotify::Held);
  CHECK(p.tid_allocation_failure_status == STATUS_INSUFFICIENT_RESOURCES);
  CHECK(p.registration_locking == RegistrationLocking::Serialized);
  CHECK(p.lookup_access_gate == LookupAccessGate::None);
  CHECK(p.thread_exit_notify_pid == ThreadExitNotifyPid::ProcessField);
  Profile alt = p;
  alt.process_lock_during_process_notify = ProcessLockDuringNotify::Released;
  CHECK(alt.process_lock_during_process_notify != p.process_lock_during_process_notify);
}

TEST_CASE(
    "profile: xp, server2003 and vista [WRK, MSDOC] assign the PID in PspCreateProcess and use "
    "EX_CALLBACK") {
  struct Row {
    KernelVersion version;
    std::uint32_t process_slots;
    std::uint32_t thread_slots;
    DuplicateRegistration duplicates;
    bool has_ex;
  };
  for (const Row& row :
       {Row{KernelVersion::Xp, 8, 8, DuplicateRegistration::Allowed, false},
        Row{KernelVersion::Server2003, 8, 8, DuplicateRegistration::Allowed, false},
        Row{KernelVersion::Vista, 64, 64, DuplicateRegistration::Rejected, true}}) {
    CAPTURE(to_string(row.version));
    auto p = Profile::make(row.version, Arch::X64);
    REQUIRE(p);
    CHECK(p->version == row.version);
    CHECK(p->arch == Arch::X64);
    CHECK(p->pid_assignment == PidAssignment::InPspCreateProcess);
    CHECK(p->process_notify_trigger == ProcessNotifyTrigger::FirstActiveThread);
    CHECK(p->process_lock_during_process_notify == ProcessLockDuringNotify::Released);
    CHECK(p->thread_cid_process_copy == ThreadCidProcessCopy::AtThreadObjectSetup);
    CHECK(p->notify_storage == NotifyStorage::ExCallback);
    CHECK(p->process_notify_slots == row.process_slots);
    CHECK(p->thread_notify_slots == row.thread_slots);
    CHECK(p->process_duplicate_registration == row.duplicates);
    // semantics.md §10.4 [I]: the duplicate rule is for process routines only.
    CHECK(p->thread_duplicate_registration == DuplicateRegistration::Allowed);
    // §10.1 [F MSDOC, Wine test_lookup_thread]: INVALID_CID from Vista on.
    CHECK(p->lookup_failure_status ==
          (row.version == KernelVersion::Vista ? STATUS_INVALID_CID : STATUS_INVALID_PARAMETER));
    // §10.2: x64 enters through syscall on every version.
    CHECK(p->system_call_gate == SystemCallGate::SysCall64);
    CHECK(p->has_process_notify_routine_ex == row.has_ex);
    CHECK(p->has_remove_thread_notify_routine);
    CHECK(p->lookup_access_gate == LookupAccessGate::GrantedAccess);
    CHECK(p->threadless_process_exit_notify == ThreadlessProcessExitNotify::Never);
    CHECK(p->cid_free_policy == ex::FreePolicy::StrictFifo);
  }
}
