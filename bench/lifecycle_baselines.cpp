// SPDX-License-Identifier: MIT
// Baseline/... (lifecycle_bench.cpp): a host std::thread created and joined; a host process
// forked and reaped (POSIX only); and the floors: what NT's own algorithm costs on this machine
// without the model around it (notify dispatch from a plain array and through EX_CALLBACK fast
// references, the interlocked operations of one thread lifecycle, the words processors share,
// the lookup's memory walk).
#include "lifecycle_benchmarks.hpp"

#if defined(NTEMU_BENCH_HAVE_FORK)
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "lifecycle_fixtures.hpp"

namespace ntemu::bench {

void Baseline_StdThread(benchmark::State& state) {
  std::uint64_t ran = 0;
  for (auto _ : state) {
    std::thread t([&ran] { ++ran; });
    t.join();
  }
  if (ran != static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("host threads did not run");
}

#if defined(NTEMU_BENCH_HAVE_FORK)
void Baseline_Fork(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
      state.SkipWithError("fork/waitpid failed");
      break;
    }
  }
}
#endif

// The floor of notify dispatch: eight routine pointers loaded from a plain atomic array and
// called (what the win2000 path does, without the kernel around it). Per routine: time / 8.
void Baseline_RawDispatch(benchmark::State& state) {
  std::array<std::atomic<PCREATE_THREAD_NOTIFY_ROUTINE>, 8> slots;
  for (std::size_t i = 0; i < slots.size(); ++i)
    slots[i].store(kThreadRoutines[i]);
  t_thread_calls = 0;
  for (auto _ : state) {
    for (auto& s : slots) {
      if (auto r = s.load(std::memory_order_acquire)) r(ProcessId{8}, ThreadId{12}, true);
    }
  }
  if (t_thread_calls != 8 * static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("routines not called");
}

// --- floors: what NT's own algorithm costs on this machine, without the model around it ----------
// Each runs the memory operations the real kernel's path performs (the same interlocked
// instructions on words laid out the same way), so a target below its figure is below what any
// faithful implementation can reach here.

namespace {

// The fast paths of ExReferenceCallBackBlock and ExDereferenceCallBackBlock on an x86 slot word
// (16-byte aligned block address | up to 7 cached references): a compare-exchange taking a cached
// reference (returning the word it took it from), and one giving it back.
constexpr std::uint32_t kFastRefCache = 7;
std::uint32_t take_cached_reference(std::atomic<std::uint32_t>& slot) {
  std::uint32_t old = slot.load(std::memory_order_acquire);
  while ((old & kFastRefCache) != 0 &&
         !slot.compare_exchange_weak(old, old - 1, std::memory_order_acq_rel)) {
  }
  return old;
}
void give_back_cached_reference(std::atomic<std::uint32_t>& slot) {
  std::uint32_t cur = slot.load(std::memory_order_acquire);
  while ((cur & kFastRefCache) < kFastRefCache &&
         !slot.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel)) {
  }
}

}  // namespace

// ExReferenceCallBackBlock + call + ExDereferenceCallBackBlock on the fast path, for eight
// EX_CALLBACK slots. Per routine: time / 8.
void Baseline_FastRefDispatch(benchmark::State& state) {
  struct Block {
    PCREATE_THREAD_NOTIFY_ROUTINE function;
  };
  alignas(16) std::array<Block, 8> blocks{};
  std::array<std::atomic<std::uint32_t>, 8> slots;  // fake 16-aligned block "addresses"
  for (std::uint32_t i = 0; i < slots.size(); ++i) {
    blocks[i].function = kThreadRoutines[i];
    slots[i].store(0x1000U + 16U * i + kFastRefCache);
  }
  t_thread_calls = 0;
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < slots.size(); ++i) {
      const std::uint32_t word = take_cached_reference(slots[i]);
      blocks[(word - 0x1000U) / 16U].function(ProcessId{8}, ThreadId{12}, true);
      give_back_cached_reference(slots[i]);
    }
  }
  if (t_thread_calls != 8 * static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("routines not called");
}

namespace {

// The interlocked operations NT itself performs in one thread lifecycle of the kind
// Lifecycle/Thread/xp/p1t1 measures (one thread routine; counted conservatively: the
// process-handle lookup NtCreateThread makes in NT, which the model's API skips, is left out),
// each on its own cache-hot word, nothing else. Creation: the ETHREAD's pool block (a lookaside
// pop), ExCreateHandle in PspCidTable (FirstFree pop, HandleCount), the process push lock
// (acquire, release), the thread routine's fast reference (take, give back), ObInsertObject
// (the creator's table: pop, HandleCount; the object's pointer and handle counts). Exit: the
// Terminated bit (PS_SET_BITS), the process push lock, the routine's fast reference,
// ExDestroyHandle in PspCidTable (entry lock, HandleCount, LastFree push). NtClose: the entry
// lock, HandleCount, the free push, the handle count and the last dereference, which
// dereferences the process and frees the pool block. 26 operations, 14 of them
// compare-exchanges.
struct InterlockedWords {
  alignas(64) std::atomic<std::uint64_t> words[26] = {};
};

}  // namespace

void Baseline_LifecycleInterlocked(benchmark::State& state) {
  InterlockedWords w;
  std::uint64_t n = 0;
  auto cmpxchg = [&](int i) {
    std::uint64_t v = w.words[i].load(std::memory_order_relaxed);
    w.words[i].compare_exchange_strong(v, v + 1, std::memory_order_acq_rel);
  };
  auto xadd = [&](int i) { w.words[i].fetch_add(1, std::memory_order_acq_rel); };
  for (auto _ : state) {
    cmpxchg(0);   // pool: lookaside pop
    cmpxchg(1);   // PspCidTable: FirstFree pop
    xadd(2);      // PspCidTable: HandleCount
    cmpxchg(3);   // process push lock: acquire
    xadd(3);      // ... release
    cmpxchg(4);   // fast reference: take
    cmpxchg(4);   // ... give back
    cmpxchg(5);   // creator's table: FirstFree pop
    xadd(6);      // creator's table: HandleCount
    xadd(7);      // ETHREAD PointerCount
    xadd(8);      // ETHREAD HandleCount
    xadd(9);      // Terminated bit
    cmpxchg(3);   // process push lock: acquire
    xadd(3);      // ... release
    cmpxchg(4);   // fast reference: take
    cmpxchg(4);   // ... give back
    cmpxchg(10);  // PspCidTable: entry lock
    xadd(2);      // PspCidTable: HandleCount
    cmpxchg(11);  // PspCidTable: LastFree push
    cmpxchg(12);  // creator's table: entry lock
    xadd(6);      // creator's table: HandleCount
    cmpxchg(5);   // creator's table: free push
    xadd(8);      // ETHREAD HandleCount
    xadd(7);      // ETHREAD PointerCount: the last reference
    xadd(13);     // EPROCESS PointerCount
    cmpxchg(0);   // pool: lookaside push
    ++n;
  }
  benchmark::DoNotOptimize(n);
  if (w.words[4].load() != 4 * n) state.SkipWithError("operations lost");
}

namespace {

// The words every thread lifecycle touches that NT shares between processors, with one thread
// routine registered (xp): PspCidTable's FirstFree (pop: compare-exchange) and LastFree (push:
// exchange, then the link written into the previous tail entry), its HandleCount (an
// interlocked increment at create, a decrement at destroy), the new entry in PspCidTable's page
// (written at create, locked with a compare-exchange and cleared at destroy) and the routine's
// EX_CALLBACK slot word (two calls, each a reference and a dereference). From one and from two
// host threads: how far the kernel's own shared words let two processors scale.
struct SharedLines {
  alignas(64) std::atomic<std::uint64_t> first_free{1};
  alignas(64) std::atomic<std::uint64_t> last_free{0};
  alignas(64) std::atomic<std::int64_t> handle_count{0};
  alignas(64) std::atomic<std::uint32_t> slot{0x1000U | kFastRefCache};
  alignas(64) std::array<std::atomic<std::uint32_t>, 512> entries{};
};
SharedLines g_shared_lines;

}  // namespace

void Baseline_SharedLines(benchmark::State& state) {
  SharedLines& s = g_shared_lines;
  auto reference = [&s] {  // one notify call's reference and dereference
    take_cached_reference(s.slot);
    give_back_cached_reference(s.slot);
  };
  for (auto _ : state) {
    std::uint64_t head = s.first_free.load(std::memory_order_acquire);
    while (!s.first_free.compare_exchange_weak(head, head + 1)) {
    }
    s.handle_count.fetch_add(1, std::memory_order_relaxed);
    std::atomic<std::uint32_t>& entry = s.entries[1 + head % 511];
    entry.store(0x89A01001U, std::memory_order_release);  // the create: object | unlocked
    reference();                                          // the create notify
    reference();                                          // the exit notify
    std::uint32_t word = entry.load(std::memory_order_acquire);
    while (!entry.compare_exchange_weak(word, word & ~1U)) {  // lock the entry to destroy it
    }
    entry.store(0, std::memory_order_release);
    s.handle_count.fetch_sub(1, std::memory_order_relaxed);
    const std::uint64_t tail = s.last_free.exchange(head, std::memory_order_acq_rel);
    s.entries[1 + tail % 511].store(static_cast<std::uint32_t>(head * 4),
                                    std::memory_order_release);  // the previous tail's link
  }
  state.SetItemsProcessed(state.iterations());
}

namespace {

// PsLookupThreadByThreadId's memory walk with nothing else: a random live entry of a table of
// 8-byte entries, locked with a compare-exchange, the object it names (~300 bytes, allocated
// one by one) referenced, one field read, the entry unlocked and the object dereferenced. With
// 1,000 and 1,000,000 live objects: the memory hierarchy's share of the Scale/Lookup ratio.
struct LookupFloor {
  struct Object {
    std::atomic<std::int64_t> pointer_count{1};
    std::uint64_t fields[36] = {};  // ~300 bytes, like a model ETHREAD
  };
  explicit LookupFloor(std::size_t live) : entries(live), order(live) {
    objects.reserve(live);
    for (std::size_t i = 0; i < live; ++i) {
      objects.push_back(std::make_unique<Object>());
      objects.back()->fields[3] = i;
      entries[i].store(reinterpret_cast<std::uintptr_t>(objects.back().get()) | 1U);
      order[i] = i;
    }
    std::mt19937_64 rng(42);
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::vector<std::unique_ptr<Object>> objects;
  std::vector<std::atomic<std::uintptr_t>> entries;
  std::vector<std::size_t> order;  // shuffled probe order
};

}  // namespace

void Baseline_LookupFloor(benchmark::State& state) {
  static std::unique_ptr<LookupFloor> small;
  static std::unique_ptr<LookupFloor> large;
  const auto live = static_cast<std::size_t>(state.range(0));
  auto& f = live <= 1000 ? small : large;
  if (!f) f = std::make_unique<LookupFloor>(live);
  std::size_t i = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    std::atomic<std::uintptr_t>& e = f->entries[f->order[i]];
    std::uintptr_t word = e.load(std::memory_order_acquire);
    while (!e.compare_exchange_weak(word, word & ~std::uintptr_t{1})) {
    }
    auto* o = reinterpret_cast<LookupFloor::Object*>(word & ~std::uintptr_t{7});
    o->pointer_count.fetch_add(1, std::memory_order_relaxed);
    e.store(word | 1U, std::memory_order_release);
    sum += o->fields[3];
    o->pointer_count.fetch_sub(1, std::memory_order_acq_rel);
    if (++i == f->order.size()) i = 0;
  }
  benchmark::DoNotOptimize(sum);
}

}  // namespace ntemu::bench
