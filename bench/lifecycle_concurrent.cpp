// SPDX-License-Identifier: MIT
// Lifecycle/Concurrent (lifecycle_bench.cpp): the thread lifecycle from 1 and 2 host threads at
// once, each in a process of its own, on one kernel (wall time).
#include <benchmark/benchmark.h>

#include "lifecycle_benchmarks.hpp"
#include "lifecycle_fixtures.hpp"

namespace ntemu::bench {

namespace {

// One kernel (xp, 1 + 1 routines) per watch, shared by the host threads of every run: made
// once for the process, since Google Benchmark's start barrier is the loop's first iteration
// and each host thread sets up its own worker process before it.
Machine& shared_machine(Watch watch) {
  static Machine watched(KernelVersion::Xp, 1, 1, Watch::Verifier);
  static Machine unwatched(KernelVersion::Xp, 1, 1, Watch::Unwatched);
  return watch == Watch::Verifier ? watched : unwatched;
}

}  // namespace

void Lifecycle_Concurrent(benchmark::State& state, Watch watch) {
  Machine& m = shared_machine(watch);
  if (m.error() != nullptr) {
    state.SkipWithError(m.error());
    return;
  }
  if (!run_in_worker(state, m, state.thread_index() == 0 ? "worker0.exe" : "worker1.exe",
                     thread_lifecycle, 2, 0)) {
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace ntemu::bench
