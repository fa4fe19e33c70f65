// SPDX-License-Identifier: MIT
// Registration on the Windows 2000 creation path: the 8 notify slots, full, removal, unknown
// routines, the same routine twice, reuse of a freed slot, and the missing
// PsRemoveCreateThreadNotifyRoutine (semantics.md §9; DDK2K). Fixture: create_path_fixture.hpp.
#include <cstddef>

#include <doctest/doctest.h>

#include "create_path_fixture.hpp"
#include "ntemu/kernel.hpp"

using namespace ntemu;
using namespace ntemu::create_path_test;

TEST_CASE(
    "registration [win2000]: 8 slots, full, remove, unknown, same routine twice, reuse of a slot") {
  Fixture f;
  for (int i = 0; i < 8; ++i) {
    CHECK(f.k.PsSetCreateProcessNotifyRoutine(i % 2 ? &proc_a : &proc_b, false) == STATUS_SUCCESS);
  }
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_c, false) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.process_notify_array().count() == 8);
  for (int i = 0; i < 8; ++i)
    CHECK(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  CHECK(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_INSUFFICIENT_RESOURCES);
  // Removal takes the first matching slot; removing something never registered fails.
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_b, true) == STATUS_SUCCESS);
  CHECK((f.k.process_notify_array().slot(0) == nullptr));
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_c, true) == STATUS_PROCEDURE_NOT_FOUND);
  CHECK(f.k.process_notify_array().count() == 7);
  // §9.28: C lands in the freed slot 0 and runs before everything else.
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_c, false) == STATUS_SUCCESS);
  CHECK((f.k.process_notify_array().slot(0) == &proc_c));
  f.create_process("x.exe");
  REQUIRE(g_calls.size() == 8 + 8);
  CHECK(g_calls[0].routine == "proc_c");
  int a = 0;
  int b = 0;
  for (std::size_t i = 0; i < 8; ++i)
    (g_calls[i].routine == "proc_a" ? a : b) += 1;
  CHECK(a == 4);  // proc_a sits in four slots and is called four times
  CHECK(b == 4);  // proc_c once + proc_b three times
}

TEST_CASE("registration [win2000, DDK2K]: PsRemoveCreateThreadNotifyRoutine does not exist") {
  Fixture f;
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  CHECK(f.k.PsRemoveCreateThreadNotifyRoutine(&thread_a) == STATUS_NOT_IMPLEMENTED);
  CHECK(f.k.thread_notify_array().count() == 1);
}
