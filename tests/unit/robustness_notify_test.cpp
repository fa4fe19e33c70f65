// SPDX-License-Identifier: MIT
// Bad input to the notify routines, class by class (docs/robustness.md): double removals, full
// notify arrays, a removal from inside the routine being removed, a routine that throws or is
// NULL, NULL registrations and removals. Each TEST_CASE is named in the table of
// docs/robustness.md; the other classes are in robustness_test.cpp.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"
#include "ntemu/support/bugcheck.hpp"
#include "robustness_support.hpp"

using namespace ntemu;
using namespace ntemu::robustness_test;

namespace {

std::size_t count_kind(const std::vector<Kernel::Finding>& f, const std::string& kind) {
  std::size_t n = 0;
  for (const auto& x : f)
    n += verify::to_string(x.kind) == kind ? 1U : 0U;
  return n;
}

// A pool of distinct routines, to fill arrays without duplicates (Vista rejects them).
int g_calls = 0;
template <int I>
void proc_n(ProcessId, ProcessId, bool) {
  ++g_calls;
}
template <int I>
void thread_n(ProcessId, ThreadId, bool) {
  ++g_calls;
}
template <int... I>
constexpr auto make_process_pool(std::integer_sequence<int, I...>) {
  return std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, sizeof...(I)>{&proc_n<I>...};
}
template <int... I>
constexpr auto make_thread_pool(std::integer_sequence<int, I...>) {
  return std::array<PCREATE_THREAD_NOTIFY_ROUTINE, sizeof...(I)>{&thread_n<I>...};
}
constexpr auto kProcessPool = make_process_pool(std::make_integer_sequence<int, 65>{});
constexpr auto kThreadPool = make_thread_pool(std::make_integer_sequence<int, 65>{});

// A routine that removes itself when called (the removal-from-inside-a-callback class).
Kernel* g_kernel = nullptr;
Status g_self_removal = STATUS_SUCCESS;
int g_self_calls = 0;
void remove_self_process(ProcessId, ProcessId, bool create) {
  ++g_self_calls;
  if (create)
    g_self_removal = g_kernel->PsSetCreateProcessNotifyRoutine(&remove_self_process, true);
}
void remove_self_thread(ProcessId, ThreadId, bool create) {
  ++g_self_calls;
  if (create) g_self_removal = g_kernel->PsRemoveCreateThreadNotifyRoutine(&remove_self_thread);
}

void throwing_thread_routine(ProcessId, ThreadId, bool create) {
  if (create) throw std::runtime_error("driver bug");
}

}  // namespace

TEST_CASE("robustness: double removal answers the profile's not-found status") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    const Profile profile = profile_of(v, Arch::X86);
    Kernel k(profile);
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(kProcessPool[0], false) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(kProcessPool[0], true) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(kProcessPool[0], true) ==
          profile.notify_not_found_status);
    CHECK(k.process_notify_array().count() == 0);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(kThreadPool[0]) == STATUS_SUCCESS);
    if (profile.has_remove_thread_notify_routine) {
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(kThreadPool[0]) == STATUS_SUCCESS);
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(kThreadPool[0]) == profile.notify_not_found_status);
      CHECK(k.thread_notify_array().count() == 0);
    } else {
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(kThreadPool[0]) == STATUS_NOT_IMPLEMENTED);
      CHECK(k.thread_notify_array().count() == 1);
    }
  }
}

TEST_CASE("robustness: full notify arrays answer the profile's full status and change nothing") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    const Profile profile = profile_of(v, Arch::X86);
    Kernel k(profile);
    REQUIRE(profile.process_notify_slots < kProcessPool.size());
    REQUIRE(profile.thread_notify_slots < kThreadPool.size());
    for (std::uint32_t i = 0; i < profile.process_notify_slots; ++i)
      REQUIRE(k.PsSetCreateProcessNotifyRoutine(kProcessPool[i], false) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(kProcessPool[profile.process_notify_slots], false) ==
          profile.process_notify_full_status);
    CHECK(k.process_notify_array().count() == profile.process_notify_slots);
    for (std::uint32_t i = 0; i < profile.thread_notify_slots; ++i)
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(kThreadPool[i]) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateThreadNotifyRoutine(kThreadPool[profile.thread_notify_slots]) ==
          profile.thread_notify_full_status);
    CHECK(k.thread_notify_array().count() == profile.thread_notify_slots);
    // Every registered routine still runs, once per event.
    g_calls = 0;
    auto proc = k.NtCreateProcess("app");
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    CHECK(g_calls == static_cast<int>(profile.process_notify_slots + profile.thread_notify_slots));
  }
}

TEST_CASE("robustness: a routine removing itself from inside its call is answered, not hung") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    const Profile profile = profile_of(v, Arch::X86);
    Kernel k(profile);
    g_kernel = &k;
    g_self_calls = 0;
    g_self_removal = STATUS_SUCCESS;
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&remove_self_process, false) == STATUS_SUCCESS);
    auto proc = k.NtCreateProcess("app");
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    CHECK(g_self_calls == 1);
    const auto findings = k.audit();
    if (profile.notify_storage == NotifyStorage::PlainArray) {
      // win2000: the removal returns at once while the routine still runs: reported.
      CHECK(g_self_removal == STATUS_SUCCESS);
      CHECK(k.process_notify_array().count() == 0);
      CHECK(count_kind(findings, "call-after-remove") == 1);
    } else {
      // EX_CALLBACK: the removal would wait for itself; refused, the routine stays registered.
      CHECK(g_self_removal == STATUS_POSSIBLE_DEADLOCK);
      CHECK(k.process_notify_array().count() == 1);
      CHECK(count_kind(findings, "removal-deadlock") == 1);
      // From outside the routine the removal then succeeds (nothing waits).
      CHECK(k.PsSetCreateProcessNotifyRoutine(&remove_self_process, true) == STATUS_SUCCESS);
    }
    if (profile.has_remove_thread_notify_routine) {
      g_self_removal = STATUS_SUCCESS;
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(&remove_self_thread) == STATUS_SUCCESS);
      auto t2 = k.NtCreateThread(*proc.process);
      REQUIRE(t2.status == STATUS_SUCCESS);
      CHECK(g_self_removal == STATUS_POSSIBLE_DEADLOCK);
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(&remove_self_thread) == STATUS_SUCCESS);
    }
    g_kernel = nullptr;
  }
}

TEST_CASE("robustness: a routine that throws or is NULL stops the machine with bugcheck 0x1E") {
  // An exception unhandled in kernel mode: KMODE_EXCEPTION_NOT_HANDLED, with the exception code
  // (0xE06D7363 for a C++ exception, STATUS_ACCESS_VIOLATION for a call through NULL). Locks and
  // callback references are released on the way out, so the stopped kernel stays inspectable.
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    {
      Kernel k(profile_of(v, Arch::X86));
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(&throwing_thread_routine) == STATUS_SUCCESS);
      auto proc = k.NtCreateProcess("app");
      REQUIRE(proc.status == STATUS_SUCCESS);
      CHECK_THROWS_AS(k.NtCreateThread(*proc.process), BugCheck);
      REQUIRE(k.bugcheck() != nullptr);
      CHECK(k.bugcheck()->code() == KMODE_EXCEPTION_NOT_HANDLED);
      CHECK(k.bugcheck()->parameters()[0] == 0xE06D7363);
      // Inspectable afterwards: the audit runs, and the slot's references came back.
      static_cast<void>(k.audit());
      if (k.profile().notify_storage == NotifyStorage::ExCallback) {
        CHECK(k.callbacks().accounting_holds(*k.thread_notify_array().slot_word(0), 0));
      }
    }
    {
      // Registration does not check for NULL. win2000 stores NULL into an empty slot (nothing
      // changes but the counter, which accounts for it: semantics.md §10.5); EX_CALLBACK stores
      // a block whose routine is NULL, and the next creation calls through it.
      Kernel k(profile_of(v, Arch::X86));
      REQUIRE(k.PsSetCreateProcessNotifyRoutine(nullptr, false) == STATUS_SUCCESS);
      auto proc = k.NtCreateProcess("app");
      if (k.profile().notify_storage == NotifyStorage::PlainArray) {
        CHECK(k.NtCreateThread(*proc.process).status == STATUS_SUCCESS);
        CHECK(count_kind(k.audit(), "notify-count-mismatch") == 0);
        continue;
      }
      CHECK_THROWS_AS(static_cast<void>(k.NtCreateThread(*proc.process)), BugCheck);
      REQUIRE(k.bugcheck() != nullptr);
      CHECK(k.bugcheck()->code() == KMODE_EXCEPTION_NOT_HANDLED);
      CHECK(k.bugcheck()->parameters()[0] == 0xC0000005);
    }
  }
}

TEST_CASE(
    "§10.5 [ReactOS kmtests ntos_ps/PsNotify.c; I for win2000] NULL routines: removal on an empty "
    "array fails, a registered NULL holds a registration until removed") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    const auto& array = k.process_notify_array();
    // Nothing registered: Remove(NULL) finds nothing, and the counter does not wrap.
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, true) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(array.count() == 0);
    // Set(NULL) succeeds and holds a registration: in a slot under EX_CALLBACK (the block's
    // routine is NULL), in the counter alone on a plain array.
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, false) == STATUS_SUCCESS);
    CHECK(array.count() == 1);
    CHECK(array.in_use() == 1);
    if (array.storage() == NotifyStorage::ExCallback) {
      CHECK(array.occupied(0));
      CHECK(array.routine(0) == nullptr);
    } else {
      CHECK(array.null_registrations() == 1);
    }
    CHECK(count_kind(k.audit(), "notify-count-mismatch") == 0);
    // Remove(NULL) takes it back; once.
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, true) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, true) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(array.count() == 0);
    CHECK(array.in_use() == 0);
    CHECK(k.audit().empty());
  }
}
