// SPDX-License-Identifier: MIT
// What the lifecycle benchmarks (lifecycle_bench.cpp) share: the trivial notify routines and
// their call counters, a kernel with routines registered (Machine) and a worker process to run
// lifecycles from (Worker), one thread or process lifecycle with its statuses checked, and the
// honesty checks every lifecycle benchmark makes: each call's status in every iteration, the
// routines' call counts against what the iterations must have caused, and a kernel left clean
// (PspCidTable back to its boot entries, only the boot objects resident).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "lifecycle_benchmarks.hpp"
#include "ntemu/kernel.hpp"

namespace ntemu::bench {

// --- trivial notify routines ---------------------------------------------------------------
// Each counts its calls in a thread-local counter (no interlocked instruction, so the count
// costs about what a driver's cheapest routine would).
inline thread_local std::uint64_t t_process_calls = 0;
inline thread_local std::uint64_t t_thread_calls = 0;

template <int N>
void process_routine(ProcessId, ProcessId, bool) {
  ++t_process_calls;
}
template <int N>
void thread_routine(ProcessId, ThreadId, bool) {
  ++t_thread_calls;
}

inline constexpr std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, 8> kProcessRoutines = {
    &process_routine<0>, &process_routine<1>, &process_routine<2>, &process_routine<3>,
    &process_routine<4>, &process_routine<5>, &process_routine<6>, &process_routine<7>};
inline constexpr std::array<PCREATE_THREAD_NOTIFY_ROUTINE, 8> kThreadRoutines = {
    &thread_routine<0>, &thread_routine<1>, &thread_routine<2>, &thread_routine<3>,
    &thread_routine<4>, &thread_routine<5>, &thread_routine<6>, &thread_routine<7>};

inline Profile profile_of(KernelVersion v) {
  return v == KernelVersion::Win2000 ? Profile::win2000() : Profile::xp();
}

inline std::size_t cid_entries(Kernel& k) {
  std::size_t n = 0;
  k.cid_table().enumerate([&](Handle, const ex::EntryView&) { ++n; });
  return n;
}

// --- a kernel with routines registered and a worker process ----------------------------------
class Machine {
 public:
  Machine(KernelVersion v, int process_routines, int thread_routines, Watch watch = Watch::Verifier)
      : k_(profile_of(v)), process_routines_(process_routines), thread_routines_(thread_routines) {
    k_.set_tombstones(ob::Tombstones::ReclaimUnnamed);
    if (watch == Watch::Unwatched) k_.remove_observer(k_.verifier());
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
inline void check_calls(benchmark::State& state, const Machine& m, std::uint64_t thread_calls,
                        std::uint64_t process_calls, std::uint64_t per_thread,
                        std::uint64_t per_process) {
  const auto n = static_cast<std::uint64_t>(state.iterations());
  if (thread_calls != n * per_thread * static_cast<std::uint64_t>(m.thread_routines()) ||
      process_calls != n * per_process * static_cast<std::uint64_t>(m.process_routines())) {
    state.SkipWithError("notify routines were not called as often as the lifecycles require");
  }
}

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

}  // namespace ntemu::bench
