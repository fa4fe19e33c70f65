// SPDX-License-Identifier: MIT
// The explorer's library API on harness-driven driver code (explore/engine.hpp, harness.hpp):
// a driver whose DriverUnload removes its process-notify routine, unloaded on CPU 1 while
// CPU 0 starts a process whose creation calls that routine. On Windows 2000 some schedule has
// the unload return while the routine runs (call-after-remove); on XP the EX_CALLBACK rundown
// makes the removal wait, and no schedule within the bound reaches a finding.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <string>

#include "ntemu/explore/engine.hpp"
#include "ntemu/harness.hpp"

using namespace ntemu;

namespace {

std::atomic<int> g_calls{0};

void Notify(HANDLE, HANDLE, BOOLEAN) {
  g_calls.fetch_add(1, std::memory_order_relaxed);
}

void Unload(PDRIVER_OBJECT) {
  (void)PsSetCreateProcessNotifyRoutine(&Notify, TRUE);
}

NTSTATUS Entry(PDRIVER_OBJECT driver, PUNICODE_STRING) {
  driver->DriverUnload = &Unload;
  return PsSetCreateProcessNotifyRoutine(&Notify, FALSE);
}

struct UnloadRace final : explore::Execution {
  explicit UnloadRace(Profile p) : h(std::move(p)) {
    h.name_routine(&Notify, "Notify", "race");
    REQUIRE(NT_SUCCESS(h.load(&Entry, "race")));
  }
  int cpus() const override { return 2; }
  void run_cpu(int cpu) override {
    if (cpu == 0) {
      started = h.start_process("notepad.exe").status.ok();
    } else {
      unloaded = NT_SUCCESS(h.unload());
    }
  }
  Harness h;
  bool started = false;
  bool unloaded = false;
};

struct Seen {
  std::set<std::string> findings;  // every kind any schedule reported
  explore::Summary summary;
  std::string counterexample;
};

Seen explore_unload(const Profile& profile) {
  Seen seen;
  explore::Explorer explorer({.preemption_bound = 2});
  seen.summary = explorer.explore(
      [&] { return std::make_unique<UnloadRace>(profile); },
      [&](explore::Execution& e, const explore::RunResult& r) {
        auto& race = static_cast<UnloadRace&>(e);
        CHECK(race.started);
        CHECK(race.unloaded);
        for (const Kernel::Finding& f : race.h.audit()) {
          seen.findings.insert(std::string(verify::to_string(f.kind)));
          if (f.kind == verify::FindingKind::CallAfterRemove && seen.counterexample.empty()) {
            seen.counterexample = r.schedule.to_string();
          }
        }
      });
  return seen;
}

}  // namespace

TEST_CASE("explore harness: a driver's unload racing the notify it removes, win2000 and xp") {
  const Seen w2k = explore_unload(Profile::win2000());
  CHECK(w2k.summary.schedules > 10);
  CHECK_FALSE(w2k.summary.limit);
  CHECK(w2k.findings.count("call-after-remove") == 1);
  REQUIRE_FALSE(w2k.counterexample.empty());
  // The counterexample replays to the same finding.
  std::string error;
  const auto schedule = explore::Schedule::parse(w2k.counterexample, &error);
  REQUIRE(schedule);
  UnloadRace again(Profile::win2000());
  explore::Explorer explorer({});
  const explore::RunResult r = explorer.run(again, *schedule);
  CHECK_FALSE(r.misfit);
  bool found = false;
  for (const Kernel::Finding& f : again.h.audit())
    found = found || f.kind == verify::FindingKind::CallAfterRemove;
  CHECK(found);

  const Seen xp = explore_unload(Profile::xp());
  CHECK(xp.summary.schedules > 10);
  CHECK(xp.findings.empty());
}
