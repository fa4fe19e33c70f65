// SPDX-License-Identifier: MIT
// Lifecycle benchmarks (issue 6), each beside its baseline in the same run
// (docs/performance.md; bench/report.py turns the output into the document's table).
//
//   Lifecycle/Thread/...   NtCreateThread → NtTerminateThread → NtClose (→ deletion) of one
//                          thread in an existing process, from that process's first thread
//   Lifecycle/Thread/.../unwatched  the same with the verifier detached: the model's own cost
//   Lifecycle/Process/...  NtCreateProcess + its first NtCreateThread → NtTerminateThread (the
//                          last thread: process exit) → NtClose of both (→ both deleted)
//   Lifecycle/Concurrent   the thread lifecycle from 1 and 2 host threads at once, each in a
//                          process of its own, on one kernel (wall time)
//   Scale/...              PsLookupThreadByThreadId + ObDereferenceObject of random live TIDs,
//                          and the thread lifecycle, with 1,000 and 1,000,000 live threads
//   Baseline/...           a host std::thread created and joined; a host process forked and
//                          reaped; eight routine pointers called from a plain atomic array
//
// Names carry the profile and the routines registered: "p1t8" is 1 process routine and 8
// thread routines. Every kernel runs under ob::Tombstones::ReclaimUnnamed (deleted objects are
// released from host memory; nothing observable changes), so long runs stay in memory.
//
// Honesty: every call's status is checked in every iteration, the routines count their calls
// and the count is checked against what the iterations must have caused, and each kernel is
// audited at teardown (PspCidTable back to its boot entries, only the boot objects resident).
// The fork baseline needs POSIX; the memory figures come from support/host_memory.hpp.
//
// This file registers every benchmark, in run order; each family lives in its own file:
// lifecycle_paths.cpp (Lifecycle/Thread, Lifecycle/Process), lifecycle_concurrent.cpp,
// lifecycle_scale.cpp, lifecycle_baselines.cpp; what they share (the routines, Machine, Worker,
// the honesty checks) is lifecycle_fixtures.hpp.
#include <benchmark/benchmark.h>

#include "lifecycle_benchmarks.hpp"
#include "ntemu/kernel.hpp"

using namespace ntemu;
using namespace ntemu::bench;

// Registration order is run order: the fork baseline runs before the million-thread
// population makes this process large.
BENCHMARK(Baseline_StdThread)->Name("Baseline/StdThread/create+join")->UseRealTime();
#if defined(NTEMU_BENCH_HAVE_FORK)
BENCHMARK(Baseline_Fork)->Name("Baseline/HostProcess/fork+waitpid")->UseRealTime();
#endif
BENCHMARK(Baseline_RawDispatch)->Name("Baseline/NotifyDispatch/raw-array/8-routines");
BENCHMARK(Baseline_FastRefDispatch)->Name("Baseline/NotifyDispatch/fast-ref/8-routines");
BENCHMARK(Baseline_LifecycleInterlocked)->Name("Baseline/Lifecycle/interlocked-floor");
BENCHMARK(Baseline_SharedLines)
    ->Name("Baseline/Concurrent/shared-lines")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

BENCHMARK_CAPTURE(Lifecycle_Thread, xp_p1t1, KernelVersion::Xp, 1, 1)
    ->Name("Lifecycle/Thread/xp/p1t1");
BENCHMARK_CAPTURE(Lifecycle_Thread, xp_p8t8, KernelVersion::Xp, 8, 8)
    ->Name("Lifecycle/Thread/xp/p8t8");
BENCHMARK_CAPTURE(Lifecycle_Thread, xp_p0t0, KernelVersion::Xp, 0, 0)
    ->Name("Lifecycle/Thread/xp/p0t0");
BENCHMARK_CAPTURE(Lifecycle_Thread, xp_p0t8, KernelVersion::Xp, 0, 8)
    ->Name("Lifecycle/Thread/xp/p0t8");
BENCHMARK_CAPTURE(Lifecycle_Thread, win2000_p0t0, KernelVersion::Win2000, 0, 0)
    ->Name("Lifecycle/Thread/win2000/p0t0");
BENCHMARK_CAPTURE(Lifecycle_Thread, win2000_p0t8, KernelVersion::Win2000, 0, 8)
    ->Name("Lifecycle/Thread/win2000/p0t8");
BENCHMARK_CAPTURE(Lifecycle_Thread, xp_p1t1_unwatched, KernelVersion::Xp, 1, 1, Watch::Unwatched)
    ->Name("Lifecycle/Thread/xp/p1t1/unwatched");
BENCHMARK_CAPTURE(Lifecycle_Thread, xp_p0t0_unwatched, KernelVersion::Xp, 0, 0, Watch::Unwatched)
    ->Name("Lifecycle/Thread/xp/p0t0/unwatched");
BENCHMARK_CAPTURE(Lifecycle_Thread, xp_p0t8_unwatched, KernelVersion::Xp, 0, 8, Watch::Unwatched)
    ->Name("Lifecycle/Thread/xp/p0t8/unwatched");
BENCHMARK_CAPTURE(Lifecycle_Thread, win2000_p0t0_unwatched, KernelVersion::Win2000, 0, 0,
                  Watch::Unwatched)
    ->Name("Lifecycle/Thread/win2000/p0t0/unwatched");
BENCHMARK_CAPTURE(Lifecycle_Thread, win2000_p0t8_unwatched, KernelVersion::Win2000, 0, 8,
                  Watch::Unwatched)
    ->Name("Lifecycle/Thread/win2000/p0t8/unwatched");
BENCHMARK_CAPTURE(Lifecycle_Process, xp_p1t1, KernelVersion::Xp, 1, 1)
    ->Name("Lifecycle/Process/xp/p1t1");
BENCHMARK_CAPTURE(Lifecycle_Concurrent, xp_p1t1, Watch::Verifier)
    ->Name("Lifecycle/Concurrent/xp/p1t1")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(Lifecycle_Concurrent, xp_p1t1_unwatched, Watch::Unwatched)
    ->Name("Lifecycle/Concurrent/xp/p1t1/unwatched")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(Scale_Lookup)->Name("Scale/Lookup/xp")->Arg(1000)->Arg(1000000);
BENCHMARK(Baseline_LookupFloor)->Name("Baseline/Scale/lookup-walk")->Arg(1000)->Arg(1000000);
BENCHMARK(Scale_Lifecycle)->Name("Scale/Lifecycle/xp/p1t1")->Arg(1000)->Arg(1000000);

BENCHMARK_MAIN();
