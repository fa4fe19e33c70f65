// SPDX-License-Identifier: MIT
// Lifecycle/Thread and Lifecycle/Process (lifecycle_bench.cpp): NtCreateThread →
// NtTerminateThread → NtClose (→ deletion) of one thread in an existing process, from that
// process's first thread; and NtCreateProcess + its first NtCreateThread → NtTerminateThread (the
// last thread: process exit) → NtClose of both (→ both deleted). Each on a fresh kernel, which
// must be left clean.
#include <cstdint>

#include <benchmark/benchmark.h>

#include "lifecycle_benchmarks.hpp"
#include "lifecycle_fixtures.hpp"

namespace ntemu::bench {

namespace {

// run_in_worker on a fresh kernel, which must be left clean.
template <class Lifecycle>
void run_lifecycles(benchmark::State& state, KernelVersion v, int process_routines,
                    int thread_routines, Lifecycle lifecycle, std::uint64_t per_thread,
                    std::uint64_t per_process, Watch watch = Watch::Verifier) {
  Machine m(v, process_routines, thread_routines, watch);
  if (m.error() != nullptr) {
    state.SkipWithError(m.error());
    return;
  }
  if (!run_in_worker(state, m, "worker.exe", lifecycle, per_thread, per_process)) return;
  if (!m.clean()) state.SkipWithError("objects or CID entries left behind");
}

}  // namespace

void Lifecycle_Thread(benchmark::State& state, KernelVersion v, int process_routines,
                      int thread_routines, Watch watch) {
  // Thread routines: a create and an exit call per lifecycle; process routines: none.
  run_lifecycles(state, v, process_routines, thread_routines, thread_lifecycle, 2, 0, watch);
}

void Lifecycle_Process(benchmark::State& state, KernelVersion v, int process_routines,
                       int thread_routines) {
  // Process and thread routines: a create and an exit call each per lifecycle.
  run_lifecycles(state, v, process_routines, thread_routines, process_lifecycle, 2, 2);
}

}  // namespace ntemu::bench
