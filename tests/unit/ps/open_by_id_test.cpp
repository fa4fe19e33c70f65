// SPDX-License-Identifier: MIT
// NtOpenProcess / NtOpenThread by client ID (semantics.md §3.4, §10.9): the lookup each uses, the
// handle in the opener's table, kernel handles, and the per-version answer for an ID off by
// 1..3 (the handle-table index granularity). Each test names its source.
#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"
#include "ntemu/ob/obhandle.hpp"

using namespace ntemu;

namespace {

// The object a handle of `table` names (0: the handle is not open there).
std::uint64_t object_of(ex::AnyHandleTable& table, Handle h) {
  std::uint64_t object = 0;
  table.with_locked(h, [&](const ex::EntryView& e) { object = e.object; });
  return object;
}

struct Opened {
  Kernel kernel;
  Kernel::ProcessCreated app;
  Kernel::ThreadCreated main;
  explicit Opened(const Profile& p)
      : kernel(p),
        app(kernel.NtCreateProcess("app.exe")),
        main(kernel.NtCreateThread(*app.process)) {
    REQUIRE(main.status.ok());
  }
  ProcessId pid() const { return main.cid.UniqueProcess; }
  ThreadId tid() const { return main.cid.UniqueThread; }
};

}  // namespace

TEST_CASE(
    "§3.4 [F WRK:psopen] NtOpenProcess by PID and NtOpenThread by TID give a handle to the object "
    "in the opener's table, closing it drops only that reference") {
  for (KernelVersion v : kKernelVersions) {
    CAPTURE(to_string(v));
    Opened o(*Profile::make(v, Arch::X86));
    auto& k = o.kernel;
    const auto before = o.app.process->handle_count();
    {
      Kernel::ContextScope as(k, *o.main.thread);  // app opens itself
      const auto p = k.NtOpenProcess({o.pid(), ThreadId{}}, 0x0400);
      REQUIRE(p.status == STATUS_SUCCESS);
      CHECK(o.app.process->handle_count() == before + 1);
      CHECK(object_of(*o.app.process->ObjectTable, p.handle) == o.app.process->address());
      const auto t = k.NtOpenThread({ProcessId{}, o.tid()}, Kernel::kMaximumAllowed);
      REQUIRE(t.status == STATUS_SUCCESS);
      CHECK(object_of(*o.app.process->ObjectTable, t.handle) == o.main.thread->address());
      CHECK(k.NtClose(*o.app.process, p.handle) == STATUS_SUCCESS);
      CHECK(k.NtClose(*o.app.process, t.handle) == STATUS_SUCCESS);
    }
    CHECK(o.app.process->handle_count() == before);
    CHECK_FALSE(o.app.process->is_deleted());
    CHECK(k.audit().empty());
  }
}

TEST_CASE(
    "§3.4 [F WRK:psopen, WRK:pscid] both halves of the client ID go through "
    "PsLookupProcessThreadByCid: a mismatched pair is STATUS_INVALID_CID, a bad lone ID gets "
    "the lookup's status (INVALID_PARAMETER through 2003, INVALID_CID from Vista)") {
  for (KernelVersion v : kKernelVersions) {
    CAPTURE(to_string(v));
    const Profile p = *Profile::make(v, Arch::X64);
    Opened o(p);
    auto& k = o.kernel;
    const ProcessId system_pid = k.system_process().pid();
    CHECK(k.NtOpenProcess({o.pid(), o.tid()}, 0x0400).status == STATUS_SUCCESS);
    CHECK(k.NtOpenThread({o.pid(), o.tid()}, 0x0040).status == STATUS_SUCCESS);
    CHECK(k.NtOpenProcess({system_pid, o.tid()}, 0x0400).status == STATUS_INVALID_CID);
    CHECK(k.NtOpenThread({system_pid, o.tid()}, 0x0040).status == STATUS_INVALID_CID);
    // A TID is no PID, a PID no TID (one table, the type check), and 0x1000 names nothing.
    CHECK(k.NtOpenProcess({ProcessId{o.tid().value()}, ThreadId{}}, 0x0400).status ==
          p.lookup_failure_status);
    CHECK(k.NtOpenThread({ProcessId{}, ThreadId{o.pid().value()}}, 0x0040).status ==
          p.lookup_failure_status);
    CHECK(k.NtOpenProcess({ProcessId{0x1000}, ThreadId{}}, 0x0400).status ==
          p.lookup_failure_status);
    // Idle (ID 0) is never in PspCidTable (§10.8).
    CHECK(k.NtOpenProcess({ProcessId{}, ThreadId{}}, 0x0400).status == p.lookup_failure_status);
  }
}

TEST_CASE(
    "§10.9 [O Wine dlls/ntdll/tests/info.c] an ID + 1..3 opens the same object from Vista on "
    "(and on 2003, whose table ignores the tag bits: WRK:handle), XP answers "
    "STATUS_ACCESS_DENIED") {
  for (KernelVersion v : kKernelVersions) {
    CAPTURE(to_string(v));
    const Profile p = *Profile::make(v, Arch::X86);
    Opened o(p);
    auto& k = o.kernel;
    for (std::uint64_t off = 1; off <= 3; ++off) {
      CAPTURE(off);
      const auto proc = k.NtOpenProcess({ProcessId{o.pid().value() + off}, ThreadId{}}, 0x0400);
      const auto thr = k.NtOpenThread({ProcessId{}, ThreadId{o.tid().value() + off}}, 0x0040);
      if (p.open_by_id_tag_bits == OpenByIdTagBits::AccessDenied) {
        CHECK(proc.status == STATUS_ACCESS_DENIED);
        CHECK(thr.status == STATUS_ACCESS_DENIED);
        continue;
      }
      REQUIRE(proc.status == STATUS_SUCCESS);
      REQUIRE(thr.status == STATUS_SUCCESS);
      CHECK(object_of(*k.current_process().ObjectTable, proc.handle) == o.app.process->address());
      CHECK(object_of(*k.current_process().ObjectTable, thr.handle) == o.main.thread->address());
    }
    // +4 is the next ID: not the same object.
    CHECK(k.NtOpenProcess({ProcessId{o.pid().value() + 4}, ThreadId{}}, 0x0400).status !=
          STATUS_SUCCESS);
    const bool denied = v == KernelVersion::Xp || v == KernelVersion::Win2000;
    CHECK((p.open_by_id_tag_bits == OpenByIdTagBits::AccessDenied) == denied);
  }
}

TEST_CASE(
    "§10.7 [F kmtests ntos_ob/ObHandle.c] NtOpenProcess with OBJ_KERNEL_HANDLE gives a marked "
    "handle in the kernel handle table, NtClose closes it there and only there") {
  for (Arch arch : {Arch::X86, Arch::X64}) {
    Opened o(Profile::win10(arch));
    auto& k = o.kernel;
    const auto h = k.NtOpenProcess({o.pid(), ThreadId{}}, 0x0400, /*kernel_handle=*/true);
    REQUIRE(h.status == STATUS_SUCCESS);
    CHECK(ob::is_kernel_handle(h.handle, arch));
    CHECK(k.NtClose(*o.app.process, h.handle) == STATUS_INVALID_HANDLE);
    CHECK(k.NtClose(k.system_process(), h.handle) == STATUS_SUCCESS);
  }
}

TEST_CASE(
    "§3.3 [F WRK:pscid] an exited process still opens while referenced, a deleted one does not, "
    "and an exited caller gets PROCESS_IS_TERMINATING") {
  Opened o(Profile::vista());
  auto& k = o.kernel;
  REQUIRE(k.NtTerminateProcess(*o.app.process).ok());
  const auto h = k.NtOpenProcess({o.pid(), ThreadId{}}, 0x0400);
  CHECK(h.status == STATUS_SUCCESS);
  {
    Kernel::ContextScope as(k, *o.main.thread);  // an exited thread makes the call
    CHECK(k.NtOpenProcess({o.pid(), ThreadId{}}, 0x0400).status == STATUS_PROCESS_IS_TERMINATING);
  }
  REQUIRE(k.NtClose(k.current_process(), h.handle).ok());
  const ProcessId pid = o.pid();
  REQUIRE(k.NtClose(k.current_process(), o.main.handle).ok());
  REQUIRE(k.NtClose(k.current_process(), o.app.handle).ok());
  CHECK(o.app.process->is_deleted());
  CHECK(k.NtOpenProcess({pid, ThreadId{}}, 0x0400).status == STATUS_INVALID_CID);
}
