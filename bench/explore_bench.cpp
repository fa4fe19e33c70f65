// SPDX-License-Identifier: MIT
// Explorer benchmarks (issue 16), each beside its baseline in the same run:
//
//   Explore/RemovalRace/VERSION  the whole exploration (preemption bound 2, sleep sets) of the
//                                two-CPU removal race: CPU 0 creates a process whose creation
//                                calls a process-notify routine, CPU 1 removes the routine.
//                                Every schedule boots a fresh kernel. items/s = schedules/s.
//   Baseline/Uncontrolled/...    the same program once, both parts on one host thread with no
//                                scheduler: boot, create, remove — what one schedule costs
//                                without control.
//
// Honesty: the exploration's schedule count is checked against its first run's on every
// iteration, and the win2000 search must find a call-after-remove, the xp one none.
#include <atomic>
#include <cstdlib>
#include <memory>

#include <benchmark/benchmark.h>

#include "ntemu/explore/engine.hpp"
#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

std::atomic<int> g_calls{0};
void routine(ProcessId, ProcessId, bool) {
  g_calls.fetch_add(1, std::memory_order_relaxed);
}

struct RemovalRace final : explore::Execution {
  explicit RemovalRace(KernelVersion v) : kernel(*Profile::make(v, Arch::X86)) {
    if (!kernel.PsSetCreateProcessNotifyRoutine(&routine, false).ok()) std::abort();
  }
  int cpus() const override { return 2; }
  void run_cpu(int cpu) override {
    Kernel::ContextScope context(kernel, kernel.first_system_thread());
    if (cpu == 0) {
      Kernel::ProcessCreated p = kernel.NtCreateProcess("notepad", nullptr);
      if (!p.status.ok() ||
          !kernel.NtCreateThread(*p.process, CreateSuspended::No, "t").status.ok())
        std::abort();
    } else if (!kernel.PsSetCreateProcessNotifyRoutine(&routine, true).ok()) {
      std::abort();
    }
  }
  bool call_after_remove() {
    for (const Kernel::Finding& f : kernel.audit())
      if (f.kind == verify::FindingKind::CallAfterRemove) return true;
    return false;
  }
  Kernel kernel;
};

void explore_removal_race(benchmark::State& state, KernelVersion version) {
  explore::Explorer explorer({.preemption_bound = 2});
  std::uint64_t expected = 0;
  std::uint64_t schedules = 0;
  for (auto _ : state) {
    bool found = false;
    const explore::Summary s =
        explorer.explore([&] { return std::make_unique<RemovalRace>(version); },
                         [&](explore::Execution& e, const explore::RunResult&) {
                           found = static_cast<RemovalRace&>(e).call_after_remove() || found;
                         });
    if (expected == 0) expected = s.schedules;
    if (s.schedules != expected || s.limit || found != (version == KernelVersion::Win2000)) {
      state.SkipWithError("the exploration changed between iterations");
      return;
    }
    schedules += s.schedules + s.redundant;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(schedules));
  state.counters["schedules"] = static_cast<double>(expected);
}

void uncontrolled(benchmark::State& state, KernelVersion version) {
  for (auto _ : state) {
    RemovalRace program(version);
    program.run_cpu(0);
    program.run_cpu(1);
    benchmark::DoNotOptimize(program.kernel.notify_array(ps::NotifyKind::Process).count());
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(explore_removal_race, win2000, KernelVersion::Win2000)
    ->Name("Explore/RemovalRace/win2000")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(explore_removal_race, xp, KernelVersion::Xp)
    ->Name("Explore/RemovalRace/xp")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(uncontrolled, win2000, KernelVersion::Win2000)
    ->Name("Baseline/Uncontrolled/win2000")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(uncontrolled, xp, KernelVersion::Xp)
    ->Name("Baseline/Uncontrolled/xp")
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
