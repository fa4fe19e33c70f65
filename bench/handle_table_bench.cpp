// SPDX-License-Identifier: MIT
// Handle-table benchmarks, each beside its baseline in the same run (docs/performance.md).
//
//   HandleTable/...  the model's PspCidTable (ExCreateHandle, ExDestroyHandle,
//                    ExpLookupHandleTableEntry, ExMapHandleToPointer + unlock)
//   Baseline/...     std::unordered_map<id, entry> behind a std::mutex, the obvious alternative
//
// Lookups probe 100,000 live entries in a fixed pseudo-random order.
#include <cstdint>
#include <mutex>
#include <random>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include "ntemu/ex/handle_table.hpp"

using namespace ntemu;
using namespace ntemu::ex;

namespace {

constexpr std::size_t kLive = 100'000;
constexpr std::uint64_t object(std::uint64_t i) {
  return 0x80000000ULL + ((i & 0xFFFFFFF) << 3);
}

// The baseline: an ID → entry map behind a mutex, handing out IDs like the table does.
class BaselineTable {
 public:
  std::uint64_t create(std::uint64_t obj) {
    std::lock_guard hold(m_);
    std::uint64_t id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = next_ += 4;
    }
    map_.emplace(id, Entry{obj, 0});
    return id;
  }
  bool destroy(std::uint64_t id) {
    std::lock_guard hold(m_);
    if (map_.erase(id) == 0) return false;
    free_.push_back(id);
    return true;
  }
  std::uint64_t lookup(std::uint64_t id) {
    std::lock_guard hold(m_);
    auto it = map_.find(id);
    return it == map_.end() ? 0 : it->second.object;
  }

 private:
  struct Entry {
    std::uint64_t object;
    std::uint32_t access;
  };
  std::mutex m_;
  std::unordered_map<std::uint64_t, Entry> map_;
  std::vector<std::uint64_t> free_;
  std::uint64_t next_ = 0;
};

std::vector<std::uint64_t> shuffled(std::vector<std::uint64_t> v) {
  std::mt19937_64 rng(42);
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

template <Arch A, FreePolicy P>
void HandleTable_CreateDestroy(benchmark::State& state) {
  HandleTable<A> table({.free_policy = P});
  for (std::size_t i = 0; i < kLive; ++i)
    benchmark::DoNotOptimize(table.create({.object = object(i)}));
  std::uint64_t i = 0;
  for (auto _ : state) {
    const Handle h = table.create({.object = object(++i)});
    benchmark::DoNotOptimize(h);
    if (!table.destroy(h)) state.SkipWithError("destroy failed");
  }
  state.counters["bytes_per_live_entry"] =
      static_cast<double>(table.page_bytes()) / static_cast<double>(table.handle_count());
}

void Baseline_CreateDestroy(benchmark::State& state) {
  BaselineTable table;
  for (std::size_t i = 0; i < kLive; ++i)
    benchmark::DoNotOptimize(table.create(object(i)));
  std::uint64_t i = 0;
  for (auto _ : state) {
    const std::uint64_t id = table.create(object(++i));
    benchmark::DoNotOptimize(id);
    if (!table.destroy(id)) state.SkipWithError("destroy failed");
  }
}

// Two host threads creating and destroying on one shared table. Thread 0 builds the table
// before the timed loop; the loop start is a barrier for all threads.
template <class Table, class Create, class Destroy, class... Args>
void shared_create_destroy(benchmark::State& state, Table*& shared, Create create, Destroy destroy,
                           Args... args) {
  if (state.thread_index() == 0) shared = new Table(args...);
  std::uint64_t i = static_cast<std::uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    const auto h = create(*shared, object(++i));
    benchmark::DoNotOptimize(h);
    if (!destroy(*shared, h)) state.SkipWithError("destroy failed");
  }
  if (state.thread_index() == 0) {
    delete shared;
    shared = nullptr;
  }
}

HandleTable<Arch::X86>* g_shared_table = nullptr;
BaselineTable* g_shared_baseline = nullptr;

template <FreePolicy P>
void HandleTable_CreateDestroyShared(benchmark::State& state) {
  shared_create_destroy(
      state, g_shared_table,
      [](HandleTable<Arch::X86>& t, std::uint64_t o) { return t.create({.object = o}); },
      [](HandleTable<Arch::X86>& t, Handle h) { return t.destroy(h); },
      HandleTableOptions{.free_policy = P});
}

void Baseline_CreateDestroyShared(benchmark::State& state) {
  shared_create_destroy(
      state, g_shared_baseline, [](BaselineTable& t, std::uint64_t o) { return t.create(o); },
      [](BaselineTable& t, std::uint64_t id) { return t.destroy(id); });
}

template <Arch A>
std::vector<std::uint64_t> populate(HandleTable<A>& table) {
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < kLive; ++i)
    ids.push_back(table.create({.object = object(i)}).value());
  return shuffled(std::move(ids));
}

// Probes the 100,000 live entries in shuffled order with `probe(table, handle)`.
template <Arch A, class Probe>
void probe_live_entries(benchmark::State& state, Probe probe) {
  HandleTable<A> table({.free_policy = FreePolicy::StrictFifo});
  const auto ids = populate(table);
  std::size_t k = 0;
  for (auto _ : state) {
    probe(table, Handle{ids[k]});
    if (++k == ids.size()) k = 0;
  }
}

template <Arch A>
void HandleTable_Lookup(benchmark::State& state) {
  probe_live_entries<A>(
      state, [](HandleTable<A>& t, Handle h) { benchmark::DoNotOptimize(t.lookup(h)->object()); });
}

template <Arch A>
void HandleTable_MapUnlock(benchmark::State& state) {
  probe_live_entries<A>(state, [](HandleTable<A>& t, Handle h) {
    auto* e = t.map(h);
    benchmark::DoNotOptimize(e->object());
    t.unlock(e);
  });
}

void Baseline_Lookup(benchmark::State& state) {
  BaselineTable table;
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < kLive; ++i)
    ids.push_back(table.create(object(i)));
  ids = shuffled(std::move(ids));
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.lookup(ids[k]));
    if (++k == ids.size()) k = 0;
  }
}

}  // namespace

BENCHMARK(HandleTable_CreateDestroy<Arch::X86, FreePolicy::Lifo>)
    ->Name("HandleTable/CreateDestroy/x86/lifo");
BENCHMARK(HandleTable_CreateDestroy<Arch::X86, FreePolicy::StrictFifo>)
    ->Name("HandleTable/CreateDestroy/x86/strict-fifo");
BENCHMARK(HandleTable_CreateDestroy<Arch::X64, FreePolicy::StrictFifo>)
    ->Name("HandleTable/CreateDestroy/x64/strict-fifo");
BENCHMARK(Baseline_CreateDestroy)->Name("Baseline/CreateDestroy/unordered_map+mutex");
BENCHMARK(HandleTable_CreateDestroyShared<FreePolicy::Lifo>)
    ->Name("HandleTable/CreateDestroy/x86/lifo/shared")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(HandleTable_CreateDestroyShared<FreePolicy::StrictFifo>)
    ->Name("HandleTable/CreateDestroy/x86/strict-fifo/shared")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(Baseline_CreateDestroyShared)
    ->Name("Baseline/CreateDestroy/unordered_map+mutex/shared")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(HandleTable_Lookup<Arch::X86>)->Name("HandleTable/Lookup/x86/100k-live");
BENCHMARK(HandleTable_Lookup<Arch::X64>)->Name("HandleTable/Lookup/x64/100k-live");
BENCHMARK(HandleTable_MapUnlock<Arch::X86>)->Name("HandleTable/MapUnlock/x86/100k-live");
BENCHMARK(HandleTable_MapUnlock<Arch::X64>)->Name("HandleTable/MapUnlock/x64/100k-live");
BENCHMARK(Baseline_Lookup)->Name("Baseline/Lookup/unordered_map+mutex/100k-live");

BENCHMARK_MAIN();
