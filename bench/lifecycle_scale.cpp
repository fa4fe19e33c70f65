// SPDX-License-Identifier: MIT
// Scale/... (lifecycle_bench.cpp): PsLookupThreadByThreadId + ObDereferenceObject of random live
// TIDs, and the thread lifecycle, with 1,000 and 1,000,000 live threads. The memory figures
// (bytes per live thread) come from support/host_memory.hpp.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "lifecycle_benchmarks.hpp"
#include "lifecycle_fixtures.hpp"
#include "ntemu/support/host_memory.hpp"

namespace ntemu::bench {

namespace {

// A kernel (xp, 1 + 1 routines) whose worker process has `live` threads alive (their creation
// handles closed: each is kept alive by its own reference, as a running thread is). Built once
// per process, as building 1,000,000 threads takes seconds and Google Benchmark calls a
// benchmark function several times; the memory it took is measured while building.
struct Population {
  explicit Population(std::size_t live)
      : m(KernelVersion::Xp, 1, 1), worker(std::make_unique<Worker>(m.kernel(), "host.exe")) {
    if (m.error() != nullptr || !worker->ok()) {
      error = "setup failed";
      return;
    }
    Kernel& k = m.kernel();
    Kernel::ContextScope context(k, worker->main());
    tids.reserve(live);
    const std::size_t entries_before = cid_entries(k);
    const std::optional<std::uint64_t> heap_before = host::heap_in_use_bytes();
    const std::optional<std::uint64_t> rss_before = host::resident_bytes();
    for (std::size_t i = 0; i < live; ++i) {
      const Kernel::ThreadCreated t = k.NtCreateThread(worker->self());
      if (!t.status.ok() || !k.NtClose(worker->self(), t.handle).ok()) {
        error = "creating the live threads failed";
        return;
      }
      tids.push_back(t.cid.UniqueThread);
    }
    const std::optional<std::uint64_t> heap_after = host::heap_in_use_bytes();
    const std::optional<std::uint64_t> rss_after = host::resident_bytes();
    // Per live thread; unknown where the host does not tell (the counter is then left out).
    const auto per_thread = [live](std::optional<std::uint64_t> before,
                                   std::optional<std::uint64_t> after) -> std::optional<double> {
      if (!before || !after) return std::nullopt;
      return (static_cast<double>(*after) - static_cast<double>(*before)) /
             static_cast<double>(live);
    };
    heap_per_thread = per_thread(heap_before, heap_after);
    rss_per_thread = per_thread(rss_before, rss_after);
    entries = cid_entries(k);
    if (entries != entries_before + live) error = "PspCidTable does not hold every live thread";
    std::mt19937_64 rng(42);
    std::shuffle(tids.begin(), tids.end(), rng);
  }

  // The population is not run through the exit path at process exit: ending a process of a
  // million threads is not what is measured, and the kernel's destructor frees it all.
  ~Population() {
    if (worker) worker->abandon();
  }
  Population(const Population&) = delete;
  Population& operator=(const Population&) = delete;

  Machine m;
  std::unique_ptr<Worker> worker;
  std::vector<ThreadId> tids;  // shuffled
  std::size_t entries = 0;
  std::optional<double> heap_per_thread;
  std::optional<double> rss_per_thread;
  const char* error = nullptr;
};

Population& population(std::size_t live) {
  // Built on first use, kept for the process's lifetime (the 1,000-thread one first).
  static std::unique_ptr<Population> small;
  static std::unique_ptr<Population> large;
  auto& p = live <= 1000 ? small : large;
  if (!p) p = std::make_unique<Population>(live);
  return *p;
}

void report_population(benchmark::State& state, const Population& p) {
  state.counters["live_threads"] = static_cast<double>(p.tids.size());
  if (p.heap_per_thread) state.counters["bytes_per_live_thread"] = *p.heap_per_thread;
  if (p.rss_per_thread) state.counters["rss_bytes_per_live_thread"] = *p.rss_per_thread;
}

/// The population of the benchmark's size, or nullptr (the benchmark skipped with its error).
Population* ready_population(benchmark::State& state) {
  Population& p = population(static_cast<std::size_t>(state.range(0)));
  if (p.error == nullptr) return &p;
  state.SkipWithError(p.error);
  return nullptr;
}

}  // namespace

void Scale_Lookup(benchmark::State& state) {
  Population* ready = ready_population(state);
  if (ready == nullptr) return;
  Population& p = *ready;
  Kernel& k = p.m.kernel();
  Kernel::ContextScope context(k, p.worker->main());
  std::size_t i = 0;
  for (auto _ : state) {
    ps::Thread* t = nullptr;
    if (const Failure f =
            check("PsLookupThreadByThreadId", k.PsLookupThreadByThreadId(p.tids[i], &t))) {
      state.SkipWithError(f.message().c_str());
      break;
    }
    benchmark::DoNotOptimize(t->CidUniqueProcess);
    k.ObDereferenceObject(*t);
    if (++i == p.tids.size()) i = 0;
  }
  report_population(state, p);
}

void Scale_Lifecycle(benchmark::State& state) {
  Population* ready = ready_population(state);
  if (ready == nullptr) return;
  Population& p = *ready;
  Kernel& k = p.m.kernel();
  Kernel::ContextScope context(k, p.worker->main());
  t_thread_calls = 0;
  t_process_calls = 0;
  for (auto _ : state) {
    if (const Failure f = thread_lifecycle(k, p.worker->self())) {
      state.SkipWithError(f.message().c_str());
      break;
    }
  }
  check_calls(state, p.m, t_thread_calls, t_process_calls, 2, 0);
  if (k.cid_table().handle_count() != p.entries) state.SkipWithError("PspCidTable changed size");
  report_population(state, p);
}

}  // namespace ntemu::bench
