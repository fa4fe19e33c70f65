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
    CHECK(p->duplicate_registration == DuplicateRegistration::Allowed);
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

TEST_CASE("profile: versions not modeled yet answer STATUS_NOT_SUPPORTED") {
  for (auto v : {KernelVersion::Xp, KernelVersion::Server2003, KernelVersion::Vista}) {
    auto p = Profile::make(v, Arch::X86);
    CHECK_FALSE(p);
    CHECK(p.status() == STATUS_NOT_SUPPORTED);
  }
}
