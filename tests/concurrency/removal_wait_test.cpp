// SPDX-License-Identifier: MIT
// §9.30 / §9.31: while a routine runs on one host thread, another removes it. On Server 2003 the
// removal returns only after the routine has returned; on Windows 2000 it returns at once and the
// verifier reports call-after-remove. Ordering is checked with flags, never with timings.
#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {
std::atomic<bool> g_entered{false};
std::atomic<bool> g_release{false};
std::atomic<bool> g_returned{false};

void slow_routine(ProcessId, ProcessId, bool create) {
  if (!create) return;
  g_entered.store(true);
  while (!g_release.load())
    std::this_thread::yield();
  g_returned.store(true);
}

// Runs creation on one host thread and removal on another; returns whether the removal came
// back before the routine returned.
// `waits`: whether the kernel under test is expected to wait (then the routine is held for a
// bounded while; otherwise until the removal has returned, which it must without the release).
bool removal_returned_early(Kernel& k, bool waits) {
  g_entered = false;
  g_release = false;
  g_returned = false;
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&slow_routine, false) == STATUS_SUCCESS);
  auto p = k.NtCreateProcess("p");
  std::thread creator([&] { REQUIRE(k.NtCreateThread(*p.process).status == STATUS_SUCCESS); });
  while (!g_entered.load())
    std::this_thread::yield();
  std::atomic<bool> removed{false};
  std::atomic<bool> early{false};
  std::thread remover([&] {
    CHECK(k.PsSetCreateProcessNotifyRoutine(&slow_routine, true) == STATUS_SUCCESS);
    early.store(!g_returned.load());
    removed.store(true);
  });
  // Give the remover every chance to finish before releasing the routine: a waiting kernel
  // cannot let it; win2000 must.
  if (waits) {
    for (int i = 0; i < 20000 && !removed.load(); ++i)
      std::this_thread::yield();
  } else {
    while (!removed.load())
      std::this_thread::yield();
  }
  g_release.store(true);
  creator.join();
  remover.join();
  return early.load();
}
}  // namespace

TEST_CASE("§9.30 [2003] removal waits for the routine in flight, then no event calls it") {
  Kernel k(Profile::server2003());
  CHECK_FALSE(removal_returned_early(k, true));
  CHECK(k.process_notify_array().count() == 0);
  for (const auto& f : k.audit())
    CHECK(verify::to_string(f.kind) != "call-after-remove");
}

TEST_CASE(
    "§9.31 [win2000] removal returns while the routine still runs: call-after-remove reported") {
  Kernel k(Profile::win2000());
  const bool early = removal_returned_early(k, false);
  bool reported = false;
  for (const auto& f : k.audit())
    reported = reported || f.kind == verify::FindingKind::CallAfterRemove;
  CHECK(early == reported);
  CHECK(early);
}
