// SPDX-License-Identifier: MIT
// Lifecycle benchmarks (issue 6), each beside its baseline in the same run
// (docs/performance.md; bench/report.py turns the output into the document's table).
//
//   Lifecycle/Thread/...   NtCreateThread → NtTerminateThread → NtClose (→ deletion) of one
//                          thread in an existing process, from that process's first thread
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
#if __has_include(<sys/wait.h>) && __has_include(<unistd.h>)
#include <sys/wait.h>
#include <unistd.h>
#define NTEMU_BENCH_HAVE_FORK 1
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "ntemu/support/host_memory.hpp"

using namespace ntemu;

namespace {

// --- trivial notify routines ---------------------------------------------------------------
// Each counts its calls in a thread-local counter (no interlocked instruction, so the count
// costs about what a driver's cheapest routine would).
thread_local std::uint64_t t_process_calls = 0;
thread_local std::uint64_t t_thread_calls = 0;

template <int N>
void process_routine(ProcessId, ProcessId, bool) {
  ++t_process_calls;
}
template <int N>
void thread_routine(ProcessId, ThreadId, bool) {
  ++t_thread_calls;
}

constexpr std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, 8> kProcessRoutines = {
    &process_routine<0>, &process_routine<1>, &process_routine<2>, &process_routine<3>,
    &process_routine<4>, &process_routine<5>, &process_routine<6>, &process_routine<7>};
constexpr std::array<PCREATE_THREAD_NOTIFY_ROUTINE, 8> kThreadRoutines = {
    &thread_routine<0>, &thread_routine<1>, &thread_routine<2>, &thread_routine<3>,
    &thread_routine<4>, &thread_routine<5>, &thread_routine<6>, &thread_routine<7>};

Profile profile_of(KernelVersion v) {
  return v == KernelVersion::Win2000 ? Profile::win2000() : Profile::xp();
}

std::size_t cid_entries(Kernel& k) {
  std::size_t n = 0;
  k.cid_table().enumerate([&](Handle, const ex::EntryView&) { ++n; });
  return n;
}

// --- a kernel with routines registered and a worker process ----------------------------------
class Machine {
 public:
  Machine(KernelVersion v, int process_routines, int thread_routines)
      : k_(profile_of(v)), process_routines_(process_routines), thread_routines_(thread_routines) {
    k_.set_tombstones(ob::Tombstones::ReclaimUnnamed);
    boot_entries_ = cid_entries(k_);
    boot_resident_ = k_.objects().resident();
    for (int i = 0; i < process_routines; ++i) {
      if (!k_.PsSetCreateProcessNotifyRoutine(kProcessRoutines[static_cast<std::size_t>(i)], false)
               .ok())
        error_ = "PsSetCreateProcessNotifyRoutine failed";
    }
    for (int i = 0; i < thread_routines; ++i) {
      if (!k_.PsSetCreateThreadNotifyRoutine(kThreadRoutines[static_cast<std::size_t>(i)]).ok())
        error_ = "PsSetCreateThreadNotifyRoutine failed";
    }
  }

  Kernel& kernel() { return k_; }
  const char* error() const { return error_; }
  int process_routines() const { return process_routines_; }
  int thread_routines() const { return thread_routines_; }

  // Checks that PspCidTable holds only the boot entries (plus `extra`) and that only the boot
  // objects (plus `extra_objects`) remain in host memory.
  bool clean(std::size_t extra = 0, std::size_t extra_objects = 0) {
    return cid_entries(k_) == boot_entries_ + extra &&
           k_.objects().resident() == boot_resident_ + extra_objects;
  }

 private:
  Kernel k_;
  int process_routines_;
  int thread_routines_;
  std::size_t boot_entries_ = 0;
  std::size_t boot_resident_ = 0;
  const char* error_ = nullptr;
};

// A process of its own and its first thread (`main`, to make current with a ContextScope).
class Worker {
 public:
  Worker(Kernel& k, const char* name) : k_(k), home_(k.NtCreateProcess(name)) {
    if (home_.status.ok()) main_ = k.NtCreateThread(*home_.process, CreateSuspended::No, "main");
  }
  ~Worker() { (void)finish(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  bool ok() const { return home_.status.ok() && main_.status.ok(); }
  ps::Process& self() { return *home_.process; }
  ps::Thread& main() { return *main_.thread; }
  // Leaves the process running: the kernel's destructor frees it without the exit path.
  void abandon() { finished_ = true; }

  // Ends the worker's process (its last threads exit) and closes the creator's handles. Call
  // outside any ContextScope on `main`.
  bool finish() {
    if (!ok()) return false;
    if (finished_) return true;
    finished_ = true;
    return k_.NtTerminateProcess(*home_.process).ok() &&
           k_.NtClose(k_.system_process(), main_.handle).ok() &&
           k_.NtClose(k_.system_process(), home_.handle).ok();
  }

 private:
  Kernel& k_;
  Kernel::ProcessCreated home_;
  Kernel::ThreadCreated main_{};
  bool finished_ = false;
};

// What a lifecycle's first failing call was (`call` null: every call succeeded).
struct Failure {
  const char* call = nullptr;
  Status status;
  explicit operator bool() const { return call != nullptr; }
  std::string message() const { return fmt::format("{} failed: {}", call, status); }
};

inline Failure check(const char* call, Status s) {
  return s.ok() ? Failure{} : Failure{call, s};
}

// One thread lifecycle in `self`, created by the current thread.
inline Failure thread_lifecycle(Kernel& k, ps::Process& self) {
  const Kernel::ThreadCreated t = k.NtCreateThread(self);
  benchmark::DoNotOptimize(t.cid);
  if (Failure f = check("NtCreateThread", t.status)) return f;
  if (Failure f = check("NtTerminateThread", k.NtTerminateThread(*t.thread))) return f;
  return check("NtClose(thread)", k.NtClose(self, t.handle));
}

// One process lifecycle created from `self`'s context.
inline Failure process_lifecycle(Kernel& k, ps::Process& self) {
  const Kernel::ProcessCreated p = k.NtCreateProcess("child.exe");
  if (Failure f = check("NtCreateProcess", p.status)) return f;
  const Kernel::ThreadCreated t = k.NtCreateThread(*p.process);
  benchmark::DoNotOptimize(t.cid);
  Failure f = check("NtCreateThread(first)", t.status);
  if (!f) f = check("NtTerminateThread", k.NtTerminateThread(*t.thread));
  if (!f) f = check("NtClose(thread)", k.NtClose(self, t.handle));
  const Failure closed = check("NtClose(process)", k.NtClose(self, p.handle));
  return f ? f : closed;
}

// Checks the routines' call counts against what `iterations` lifecycles must have caused
// (`per_thread` / `per_process` calls of each registered routine per lifecycle).
void check_calls(benchmark::State& state, const Machine& m, std::uint64_t thread_calls,
                 std::uint64_t process_calls, std::uint64_t per_thread, std::uint64_t per_process) {
  const auto n = static_cast<std::uint64_t>(state.iterations());
  if (thread_calls != n * per_thread * static_cast<std::uint64_t>(m.thread_routines()) ||
      process_calls != n * per_process * static_cast<std::uint64_t>(m.process_routines())) {
    state.SkipWithError("notify routines were not called as often as the lifecycles require");
  }
}

// --- thread and process lifecycles --------------------------------------------------------------
// Runs `lifecycle` once per iteration on `m`, from the first thread of a worker process of its
// own (`name`), checks the routines' call counts, and ends the worker. `per_thread` /
// `per_process`: calls each thread / process routine gets per lifecycle. False when the worker
// could not be set up (the benchmark is then skipped).
template <class Lifecycle>
bool run_in_worker(benchmark::State& state, Machine& m, const char* name, Lifecycle lifecycle,
                   std::uint64_t per_thread, std::uint64_t per_process) {
  Worker w(m.kernel(), name);
  if (!w.ok()) {
    state.SkipWithError("worker setup failed");
    return false;
  }
  {
    Kernel::ContextScope context(m.kernel(), w.main());
    t_thread_calls = 0;
    t_process_calls = 0;
    for (auto _ : state) {
      if (const Failure f = lifecycle(m.kernel(), w.self())) {
        state.SkipWithError(f.message().c_str());
        break;
      }
    }
    check_calls(state, m, t_thread_calls, t_process_calls, per_thread, per_process);
  }
  if (!w.finish()) state.SkipWithError("worker teardown failed");
  return true;
}

// The same on a fresh kernel, which must be left clean.
template <class Lifecycle>
void run_lifecycles(benchmark::State& state, KernelVersion v, int process_routines,
                    int thread_routines, Lifecycle lifecycle, std::uint64_t per_thread,
                    std::uint64_t per_process) {
  Machine m(v, process_routines, thread_routines);
  if (m.error() != nullptr) {
    state.SkipWithError(m.error());
    return;
  }
  if (!run_in_worker(state, m, "worker.exe", lifecycle, per_thread, per_process)) return;
  if (!m.clean()) state.SkipWithError("objects or CID entries left behind");
}

void Lifecycle_Thread(benchmark::State& state, KernelVersion v, int process_routines,
                      int thread_routines) {
  // Thread routines: a create and an exit call per lifecycle; process routines: none.
  run_lifecycles(state, v, process_routines, thread_routines, thread_lifecycle, 2, 0);
}

void Lifecycle_Process(benchmark::State& state, KernelVersion v, int process_routines,
                       int thread_routines) {
  // Process and thread routines: a create and an exit call each per lifecycle.
  run_lifecycles(state, v, process_routines, thread_routines, process_lifecycle, 2, 2);
}

// --- concurrent thread lifecycles ---------------------------------------------------------------
// One kernel (xp, 1 + 1 routines) shared by the host threads of every run: made once for the
// process, since Google Benchmark's start barrier is the loop's first iteration and each host
// thread sets up its own worker process before it.
Machine& shared_machine() {
  static Machine m(KernelVersion::Xp, 1, 1);
  return m;
}

void Lifecycle_Concurrent(benchmark::State& state) {
  Machine& m = shared_machine();
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

// --- scale: many live threads -------------------------------------------------------------------
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

void Scale_Lookup(benchmark::State& state) {
  Population& p = population(static_cast<std::size_t>(state.range(0)));
  if (p.error != nullptr) {
    state.SkipWithError(p.error);
    return;
  }
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
  Population& p = population(static_cast<std::size_t>(state.range(0)));
  if (p.error != nullptr) {
    state.SkipWithError(p.error);
    return;
  }
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

// --- baselines --------------------------------------------------------------------------------
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

}  // namespace

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
BENCHMARK_CAPTURE(Lifecycle_Process, xp_p1t1, KernelVersion::Xp, 1, 1)
    ->Name("Lifecycle/Process/xp/p1t1");
BENCHMARK(Lifecycle_Concurrent)
    ->Name("Lifecycle/Concurrent/xp/p1t1")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(Scale_Lookup)->Name("Scale/Lookup/xp")->Arg(1000)->Arg(1000000);
BENCHMARK(Baseline_LookupFloor)->Name("Baseline/Scale/lookup-walk")->Arg(1000)->Arg(1000000);
BENCHMARK(Scale_Lifecycle)->Name("Scale/Lifecycle/xp/p1t1")->Arg(1000)->Arg(1000000);

BENCHMARK_MAIN();
