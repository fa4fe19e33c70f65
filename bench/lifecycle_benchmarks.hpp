// SPDX-License-Identifier: MIT
// The lifecycle benchmarks' functions, each defined in the file of its family and registered,
// in run order, by lifecycle_bench.cpp (one list, so the order does not depend on link order).
#pragma once

#if __has_include(<sys/wait.h>) && __has_include(<unistd.h>)
#define NTEMU_BENCH_HAVE_FORK 1
#endif

#include <benchmark/benchmark.h>

#include "ntemu/kernel.hpp"

namespace ntemu::bench {

// Whether the kernel's verifier watches a benchmark. Unwatched kernels measure the model's own
// mechanism (docs/performance.md: where the time goes); every honesty check still runs.
enum class Watch { Verifier, Unwatched };

// lifecycle_paths.cpp: one thread, or one process and its first thread, created and ended.
void Lifecycle_Thread(benchmark::State& state, KernelVersion v, int process_routines,
                      int thread_routines, Watch watch = Watch::Verifier);
void Lifecycle_Process(benchmark::State& state, KernelVersion v, int process_routines,
                       int thread_routines);

// lifecycle_concurrent.cpp: the thread lifecycle from several host threads on one kernel.
void Lifecycle_Concurrent(benchmark::State& state, Watch watch);

// lifecycle_scale.cpp: lookups and lifecycles beside many live threads (state.range(0)).
void Scale_Lookup(benchmark::State& state);
void Scale_Lifecycle(benchmark::State& state);

// lifecycle_baselines.cpp: the host's own threads and processes, and the floors of NT's
// algorithm without the model around it.
void Baseline_StdThread(benchmark::State& state);
#if defined(NTEMU_BENCH_HAVE_FORK)
void Baseline_Fork(benchmark::State& state);
#endif
void Baseline_RawDispatch(benchmark::State& state);
void Baseline_FastRefDispatch(benchmark::State& state);
void Baseline_LifecycleInterlocked(benchmark::State& state);
void Baseline_SharedLines(benchmark::State& state);
void Baseline_LookupFloor(benchmark::State& state);

}  // namespace ntemu::bench
