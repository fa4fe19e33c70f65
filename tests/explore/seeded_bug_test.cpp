// SPDX-License-Identifier: MIT
// The seeded bug (Profile::seeded_bug_skip_removal_wait): XP's EX_CALLBACK removal without its
// rundown wait. The explorer, through the library API, must find the removal returning under a
// running call on every search, and the counterexample's schedule must replay to the finding;
// the same search on the unseeded profile finds nothing.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include "ntemu/explore/engine.hpp"
#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

void routine(ProcessId, ProcessId, bool) {}

// CPU 0 creates a process (its creation calls the routine), CPU 1 removes the routine.
struct RemovalRace final : explore::Execution {
  explicit RemovalRace(const Profile& p) : kernel(p) {
    REQUIRE(kernel.PsSetCreateProcessNotifyRoutine(&routine, false).ok());
  }
  int cpus() const override { return 2; }
  void run_cpu(int cpu) override {
    Kernel::ContextScope context(kernel, kernel.first_system_thread());
    if (cpu == 0) {
      Kernel::ProcessCreated p = kernel.NtCreateProcess("notepad", nullptr);
      if (p.status.ok()) (void)kernel.NtCreateThread(*p.process, CreateSuspended::No, "t");
    } else {
      removal = kernel.PsSetCreateProcessNotifyRoutine(&routine, true);
    }
  }
  bool call_after_remove() {
    for (const Kernel::Finding& f : kernel.audit()) {
      if (f.kind == verify::FindingKind::CallAfterRemove) return true;
    }
    return false;
  }
  Kernel kernel;
  Status removal = STATUS_UNSUCCESSFUL;
};

struct Search {
  explore::Summary summary;
  std::optional<explore::Schedule> counterexample;
};

Search search(const Profile& profile) {
  Search s;
  explore::Explorer explorer({.preemption_bound = 2});
  s.summary = explorer.explore([&] { return std::make_unique<RemovalRace>(profile); },
                               [&](explore::Execution& e, const explore::RunResult& r) {
                                 auto& race = static_cast<RemovalRace&>(e);
                                 CHECK(race.removal.ok());
                                 if (race.call_after_remove() && !s.counterexample)
                                   s.counterexample = r.schedule;
                               });
  return s;
}

}  // namespace

TEST_CASE("explore: the seeded bug (no rundown wait on removal) is found, and replays") {
  Profile seeded = *Profile::make(KernelVersion::Xp, Arch::X86);
  seeded.seeded_bug_skip_removal_wait = true;
  for (int round = 0; round < 3; ++round) {  // found on every search, with the same schedule
    const Search s = search(seeded);
    REQUIRE(s.counterexample);
    CHECK_FALSE(s.summary.limit);
    RemovalRace replay(seeded);
    explore::Explorer explorer({.preemption_bound = 2});
    const explore::RunResult r = explorer.run(replay, *s.counterexample);
    CHECK_FALSE(r.misfit);
    CHECK(replay.call_after_remove());
    CHECK(s.counterexample->to_string() == search(seeded).counterexample->to_string());
  }
}

TEST_CASE("explore: the same search on the unseeded xp profile finds no call-after-remove") {
  const Search s = search(*Profile::make(KernelVersion::Xp, Arch::X86));
  CHECK_FALSE(s.counterexample);
  CHECK(s.summary.schedules > 100);
}
