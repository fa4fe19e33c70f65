// SPDX-License-Identifier: MIT
// The driver fuzz harness's speed (issue 15 §1; docs/performance.md): inputs per second of
// ntemu::fuzz::run_driver on the example tracker driver (examples/driver), beside the floor of
// one input — a harness booted, the driver loaded and unloaded, the audit.
//
//   Fuzz/Input/tracker/events:N   one input of N events (random, fixed seed), a fresh kernel
//                                 per input: boot, load, the events, the teardown, the audit
//   Fuzz/Harness/boot+load+process+unload+audit
//                                 a harness test's smallest whole run: boot, load, one process
//                                 started and ended, unload, audit
//   Baseline/Fuzz/boot+load+unload+audit   the same with no process
//
// Honesty: every input's outcome is checked (the tracker is a correct driver: no finding), and
// the inputs' step counts are summed and checked against the events they must have decoded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "ntemu/fuzz.hpp"
#include "ntemu/harness.hpp"
#include "tracker.h"

namespace {

// `count` inputs of a profile byte and `events` operations, each with enough argument bytes.
std::vector<std::vector<std::uint8_t>> make_inputs(std::size_t count, int events) {
  std::mt19937 rng(15);
  std::vector<std::vector<std::uint8_t>> out(count);
  for (auto& in : out) {
    in.push_back(static_cast<std::uint8_t>(2 + rng() % 6));  // xp, server2003, vista
    for (int e = 0; e < events; ++e) {
      // Start processes and threads more often than ending them, as a test suite does.
      in.push_back(static_cast<std::uint8_t>(rng() % 8));
      in.push_back(static_cast<std::uint8_t>(rng()));
      in.push_back(static_cast<std::uint8_t>(rng()));
    }
  }
  return out;
}

void fail(const char* what) {
  std::fprintf(stderr, "fuzz_bench: %s\n", what);
  std::abort();
}

void BM_FuzzInput(benchmark::State& state) {
  const auto inputs = make_inputs(256, static_cast<int>(state.range(0)));
  ntemu::fuzz::Options options;
  options.driver_name = "tracker";
  std::size_t i = 0;
  std::uint64_t steps = 0;
  for (auto _ : state) {
    const auto& in = inputs[i++ % inputs.size()];
    const ntemu::fuzz::Outcome out =
        ntemu::fuzz::run_driver(&DriverEntry, in.data(), in.size(), options);
    if (out.failed()) fail(out.report().c_str());
    steps += out.steps.size();
    benchmark::DoNotOptimize(out);
  }
  if (steps < static_cast<std::uint64_t>(state.iterations())) fail("inputs decoded no steps");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FuzzInput)->Name("Fuzz/Input/tracker/events")->Arg(10);

void BM_BootLoadUnload(benchmark::State& state) {
  for (auto _ : state) {
    ntemu::Harness h(ntemu::Profile::xp(ntemu::Arch::X86));
    if (!NT_SUCCESS(h.load(&DriverEntry, "tracker"))) fail("DriverEntry failed");
    if (!NT_SUCCESS(h.unload())) fail("unload failed");
    if (!h.audit().empty()) fail("findings on a correct driver");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_BootLoadUnload)->Name("Baseline/Fuzz/boot+load+unload+audit");

void BM_HarnessRun(benchmark::State& state) {
  for (auto _ : state) {
    ntemu::Harness h(ntemu::Profile::xp(ntemu::Arch::X86));
    if (!NT_SUCCESS(h.load(&DriverEntry, "tracker"))) fail("DriverEntry failed");
    const auto started = h.start_process("notepad.exe");
    if (!started.status.ok() || TrackerCount() != 1) fail("the process did not start");
    if (!h.exit_process(*started.process).ok() || TrackerCount() != 0) fail("exit failed");
    if (!NT_SUCCESS(h.unload())) fail("unload failed");
    if (!h.audit().empty()) fail("findings on a correct driver");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_HarnessRun)->Name("Fuzz/Harness/boot+load+process+unload+audit");

}  // namespace

BENCHMARK_MAIN();
