// SPDX-License-Identifier: MIT
// Lookups by ID on the Windows 2000 kernel: tag bits ignored, wrong-type and unknown IDs refused,
// references taken and given back, by CID, and System by its PID (semantics.md §3.4). Fixture:
// create_path_fixture.hpp.
#include <cstdint>

#include <doctest/doctest.h>

#include "create_path_fixture.hpp"
#include "ntemu/kernel.hpp"

using namespace ntemu;
using namespace ntemu::create_path_test;

TEST_CASE(
    "§3.4 lookups [win2000]: tag bits ignored, wrong type and unknown IDs fail, references taken") {
  Fixture f;
  auto [process, thread] = f.create_process("calc.exe");
  const std::uint64_t pid = process->pid().value();
  const std::uint64_t tid = thread->tid().value();
  const auto refs = process->pointer_count();
  for (std::uint64_t tag = 0; tag < 4; ++tag) {
    ps::Process* p = nullptr;
    REQUIRE(f.k.PsLookupProcessByProcessId(ProcessId{pid | tag}, &p) == STATUS_SUCCESS);
    CHECK(p == process);
    CHECK(process->pointer_count() == refs + 1);
    f.k.ObDereferenceObject(*p);
    ps::Thread* t = nullptr;
    REQUIRE(f.k.PsLookupThreadByThreadId(ThreadId{tid | tag}, &t) == STATUS_SUCCESS);
    CHECK(t == thread);
    f.k.ObDereferenceObject(*t);
  }
  CHECK(process->pointer_count() == refs);
  ps::Process* p = nullptr;
  ps::Thread* t = nullptr;
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{tid}, &p) == STATUS_INVALID_PARAMETER);  // a TID
  CHECK(p == nullptr);
  CHECK(f.k.PsLookupThreadByThreadId(ThreadId{pid}, &t) == STATUS_INVALID_PARAMETER);  // a PID
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0x7000}, &p) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0x800}, &p) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0}, &p) == STATUS_INVALID_PARAMETER);
  // By CID: the pair must match the thread's Cid.UniqueProcess copy.
  CHECK(f.k.PsLookupProcessThreadByCid({ProcessId{pid}, ThreadId{tid}}, &p, &t) == STATUS_SUCCESS);
  CHECK(p == process);
  CHECK(t == thread);
  f.k.ObDereferenceObject(*p);
  f.k.ObDereferenceObject(*t);
  CHECK(f.k.PsLookupProcessThreadByCid({ProcessId{8}, ThreadId{tid}}, nullptr, &t) ==
        STATUS_INVALID_CID);
  CHECK(f.k.PsLookupProcessThreadByCid({ProcessId{pid}, ThreadId{pid}}, nullptr, &t) ==
        STATUS_INVALID_CID);
  CHECK(process->pointer_count() == refs);
}

TEST_CASE("lookups: System can be looked up by its PID, tag bits ignored") {
  Fixture f;
  for (std::uint64_t tag = 0; tag < 4; ++tag) {
    ps::Process* p = nullptr;
    REQUIRE(f.k.PsLookupProcessByProcessId(ProcessId{8 | tag}, &p) == STATUS_SUCCESS);
    CHECK(p == &f.k.system_process());
    f.k.ObDereferenceObject(*p);
  }
  CHECK(f.k.system_process().GrantedAccess.load() == ps::kProcessAllAccess);
}
