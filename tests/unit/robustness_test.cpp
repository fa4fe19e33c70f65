// SPDX-License-Identifier: MIT
// Bad input, class by class (docs/robustness.md): what the kernel answers to IDs out of range,
// tagged or of the wrong type, double and junk closes, an exhausted PspCidTable, a creation in a
// deleted process or from an exited thread. The notify-routine classes (double removals, full
// arrays, a removal from inside the routine being removed, a routine that throws or is NULL) are
// in robustness_notify_test.cpp. Each TEST_CASE is named in the table of docs/robustness.md.
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "robustness_support.hpp"

using namespace ntemu;
using namespace ntemu::robustness_test;

namespace {

void noop_process(ProcessId, ProcessId, bool) {}

// NtClose of an arbitrary handle value in System's table: refused. Small values may be open
// (System's own handles), so only 0 and values beyond them are asked.
bool NtCloseCheck(Kernel& k, std::uint64_t value) {
  if (value != 0 && value < 0x1000) return true;
  return k.NtClose(k.system_process(), Handle{value}) == STATUS_INVALID_HANDLE;
}

}  // namespace

TEST_CASE("robustness: out-of-range IDs are refused by every lookup on every profile") {
  for (KernelVersion v : kAll) {
    for (Arch a : kArches) {
      CAPTURE(to_string(v));
      Kernel k(profile_of(v, a));
      const std::uint64_t ids[] = {0x0,        0x7FFFFFC,          0x40000000,
                                   0xFFFFFFFC, 0xFFFFFFFFFFFFFFFC, 0x123456789ABCDEF0};
      for (std::uint64_t id : ids) {
        CAPTURE(id);
        ps::Process* p = nullptr;
        ps::Thread* t = nullptr;
        const Status unknown = k.profile().lookup_failure_status;  // semantics.md §10.1
        CHECK(k.PsLookupProcessByProcessId(ProcessId{id}, &p) == unknown);
        CHECK(p == nullptr);
        CHECK(k.PsLookupThreadByThreadId(ThreadId{id}, &t) == unknown);
        CHECK(t == nullptr);
        CHECK(k.PsLookupProcessThreadByCid({ProcessId{id}, ThreadId{id}}, &p, &t) ==
              STATUS_INVALID_CID);
        CHECK(NtCloseCheck(k, id));
      }
      CHECK(k.audit().empty());
    }
  }
}

TEST_CASE("robustness: tagged IDs find the same object as the untagged value") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    auto proc = k.NtCreateProcess("app");
    REQUIRE(proc.status == STATUS_SUCCESS);
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    const std::uint64_t pid = proc.process->pid().value();
    const std::uint64_t tid = thr.thread->tid().value();
    for (std::uint64_t tag = 0; tag < 4; ++tag) {
      ps::Process* p = nullptr;
      ps::Thread* t = nullptr;
      REQUIRE(k.PsLookupProcessByProcessId(ProcessId{pid | tag}, &p) == STATUS_SUCCESS);
      CHECK(p == proc.process);
      k.ObDereferenceObject(*p);
      REQUIRE(k.PsLookupThreadByThreadId(ThreadId{tid | tag}, &t) == STATUS_SUCCESS);
      CHECK(t == thr.thread);
      k.ObDereferenceObject(*t);
      // By CID the TID's tag bits are ignored, but the PID is compared with the thread's Cid copy
      // as given: a tagged PID does not match.
      REQUIRE(k.PsLookupProcessThreadByCid({ProcessId{pid}, ThreadId{tid | tag}}, nullptr, &t) ==
              STATUS_SUCCESS);
      k.ObDereferenceObject(*t);
      if (tag != 0) {
        CHECK(k.PsLookupProcessThreadByCid({ProcessId{pid | tag}, ThreadId{tid}}, nullptr, &t) ==
              STATUS_INVALID_CID);
      }
    }
    CHECK(k.audit().empty());
  }
}

TEST_CASE("robustness: wrong-type IDs - a TID given as a PID and a PID given as a TID") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X64));
    auto proc = k.NtCreateProcess("app");
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    ps::Process* p = nullptr;
    ps::Thread* t = nullptr;
    CHECK(k.PsLookupProcessByProcessId(ProcessId{thr.thread->tid().value()}, &p) ==
          k.profile().lookup_failure_status);
    CHECK(p == nullptr);
    CHECK(k.PsLookupThreadByThreadId(ThreadId{proc.process->pid().value()}, &t) ==
          k.profile().lookup_failure_status);
    CHECK(t == nullptr);
    // A CID whose parts are swapped.
    CHECK(k.PsLookupProcessThreadByCid(
              {ProcessId{thr.thread->tid().value()}, ThreadId{proc.process->pid().value()}}, &p,
              &t) == STATUS_INVALID_CID);
    // A CID naming a real thread with another process's PID.
    CHECK(k.PsLookupProcessThreadByCid({k.system_process().pid(), thr.thread->tid()}, &p, &t) ==
          STATUS_INVALID_CID);
    CHECK(k.audit().empty());
  }
}

TEST_CASE(
    "robustness: double close, a stale handle and a junk handle answer STATUS_INVALID_HANDLE") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    auto proc = k.NtCreateProcess("app");
    REQUIRE(proc.status == STATUS_SUCCESS);
    ps::Process& owner = k.system_process();  // created from System's context
    CHECK(k.NtClose(owner, proc.handle) == STATUS_SUCCESS);
    CHECK(proc.process->is_deleted());
    CHECK(k.NtClose(owner, proc.handle) == STATUS_INVALID_HANDLE);
    CHECK(k.NtClose(owner, Handle{0}) == STATUS_INVALID_HANDLE);
    CHECK(k.NtClose(owner, Handle{0xFFFFFFFFFFFFFFFC}) == STATUS_INVALID_HANDLE);
    CHECK(k.NtClose(owner, Handle{proc.handle.value() | 3}) == STATUS_INVALID_HANDLE);
    CHECK(k.audit().empty());
  }
}

TEST_CASE("robustness: an exhausted PspCidTable fails creations cleanly and recovers") {
  for (KernelVersion v : kAll) {
    for (Arch a : kArches) {
      CAPTURE(to_string(v));
      Profile profile = profile_of(v, a);
      profile.cid_table_page_limit = 1;  // one low-level page: 511 (x86) / 255 (x64) IDs
      Kernel k(profile);
      struct Made {
        ps::Process* process;
        Handle handle;
      };
      std::vector<Made> made;
      Status failure = STATUS_SUCCESS;
      for (int i = 0; i < 1000 && failure.ok(); ++i) {
        auto proc = k.NtCreateProcess(fmt::format("p{}", i));
        if (!proc.status.ok()) {
          failure = proc.status;
          break;
        }
        made.push_back({proc.process, proc.handle});
        auto thr = k.NtCreateThread(*proc.process);
        if (!thr.status.ok()) failure = thr.status;
      }
      // xp and later allocate the PID in PspCreateProcess; win2000 fails the TID or the lazy PID.
      CHECK(!failure.ok());
      CHECK((failure == profile.tid_allocation_failure_status ||
             failure == profile.pid_allocation_failure_status ||
             failure == STATUS_INSUFFICIENT_RESOURCES));
      CHECK(k.audit().empty());
      // Terminate and close everything: the IDs come back and a creation succeeds again.
      for (const Made& m : made) {
        (void)k.NtTerminateProcess(*m.process);
        CHECK(k.NtClose(k.system_process(), m.handle) == STATUS_SUCCESS);
      }
      auto again = k.NtCreateProcess("again");
      CHECK(again.status == STATUS_SUCCESS);
    }
  }
}

TEST_CASE("robustness: NtCreateThread in a deleted process is refused") {
  // A process deleted before its first thread (closed at once): no handle to it can exist, so
  // the call fails as the object manager would, and the tombstone stays untouched.
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&noop_process, false) == STATUS_SUCCESS);
    auto proc = k.NtCreateProcess("app");
    REQUIRE(k.NtClose(k.system_process(), proc.handle) == STATUS_SUCCESS);
    REQUIRE(proc.process->is_deleted());
    auto thr = k.NtCreateThread(*proc.process);
    CHECK(thr.status == STATUS_INVALID_HANDLE);
    CHECK(proc.process->pointer_count() == 0);
  }
}

TEST_CASE("robustness: an exited current thread cannot leave handles in its exited process") {
  // With an exited thread current, a creation would put the new handle into the exited
  // process's table, already emptied by ObKillProcess, where nothing would ever close it: the
  // call fails with STATUS_PROCESS_IS_TERMINATING instead, changing nothing.
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    auto target = k.NtCreateProcess("target");
    auto a = k.NtCreateProcess("a");
    auto ta = k.NtCreateThread(*a.process);
    REQUIRE(ta.status == STATUS_SUCCESS);
    Kernel::ThreadCreated made;
    {
      Kernel::ContextScope as_ta(k, *ta.thread);
      REQUIRE(k.NtTerminateThread(*ta.thread) == STATUS_SUCCESS);  // a exits: its table is emptied
      made = k.NtCreateThread(*target.process);
    }
    CHECK(made.status == STATUS_PROCESS_IS_TERMINATING);
    CHECK(a.process->ObjectTable->handle_count() == 0);
  }
}
