// SPDX-License-Identifier: MIT
/// \file
/// The lifecycle load shared by the concurrency stress test and the soak tool: worker host
/// threads run thread lifecycles (NtCreateThread → exit → close → delete) in a process of their
/// own, and every 16th a whole process lifecycle, while a registrar host thread keeps
/// registering and removing notify routines. Each routine knows whether its removal has
/// returned, so a call after removal is counted by the routine itself, whatever the verifier says.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ntemu/kernel.hpp"

namespace ntemu::load {

constexpr int kRoutines = 4;  // of each kind
constexpr int kWorkers = 2;
constexpr std::uint64_t kProcessEvery = 16;  // every 16th lifecycle is a whole process

struct RoutineState {
  std::atomic<bool> registered{false};  // set before registering, cleared after removal returned
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> after_removal{0};
};
inline std::array<RoutineState, kRoutines> g_process;
inline std::array<RoutineState, kRoutines> g_thread;

inline void called(RoutineState& s) {
  s.calls.fetch_add(1, std::memory_order_relaxed);
  if (!s.registered.load(std::memory_order_seq_cst)) {
    s.after_removal.fetch_add(1, std::memory_order_relaxed);
  }
}

template <int N>
void process_routine(ProcessId, ProcessId, bool) {
  called(g_process[N]);
  // A little work, so calls overlap removals often enough to show the win2000 hazard.
  std::atomic<int> spin{0};
  while (spin.fetch_add(1, std::memory_order_relaxed) < 64) {
  }
}

template <int N>
void thread_routine(ProcessId, ThreadId, bool) {
  called(g_thread[N]);
}

constexpr std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, kRoutines> kProcessRoutines = {
    &process_routine<0>, &process_routine<1>, &process_routine<2>, &process_routine<3>};
constexpr std::array<PCREATE_THREAD_NOTIFY_ROUTINE, kRoutines> kThreadRoutines = {
    &thread_routine<0>, &thread_routine<1>, &thread_routine<2>, &thread_routine<3>};

// API calls that failed: how many, and the first one (none should fail).
struct Failures {
  std::atomic<int> count{0};
  std::mutex lock;
  std::string first;
  bool check(Status s, const char* what) {
    if (s.ok()) return true;
    if (count.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> hold(lock);
      first = std::string(what) + " -> " + s.hex();
    }
    return false;
  }
};

// One worker: a process of its own, and lifecycles created from its first thread.
inline void work(Kernel& k, std::uint64_t lifecycles, Failures& failures,
                 std::atomic<std::uint64_t>& done) {
  auto home = k.NtCreateProcess("worker");
  if (!failures.check(home.status, "NtCreateProcess worker")) return;
  auto main = k.NtCreateThread(*home.process, CreateSuspended::No, "worker_main");
  if (!failures.check(main.status, "NtCreateThread worker_main")) return;
  {
    Kernel::ContextScope context(k, *main.thread);
    ps::Process& self = *home.process;
    for (std::uint64_t i = 0; i < lifecycles; ++i, done.fetch_add(1, std::memory_order_relaxed)) {
      if (i % kProcessEvery == 0) {
        auto child = k.NtCreateProcess("child");
        if (!failures.check(child.status, "NtCreateProcess child")) continue;
        auto first = k.NtCreateThread(*child.process);
        if (failures.check(first.status, "NtCreateThread child")) {
          failures.check(k.NtTerminateThread(*first.thread), "NtTerminateThread child");
          failures.check(k.NtClose(self, first.handle), "NtClose child thread");
        }
        failures.check(k.NtClose(self, child.handle), "NtClose child");
        continue;
      }
      auto t = k.NtCreateThread(self);
      if (!failures.check(t.status, "NtCreateThread")) continue;
      failures.check(k.NtTerminateThread(*t.thread), "NtTerminateThread");
      failures.check(k.NtClose(self, t.handle), "NtClose thread");
    }
  }
  // The worker's own process ends: its last thread exits, and the handles go.
  failures.check(k.NtTerminateProcess(*home.process), "NtTerminateProcess worker");
  failures.check(k.NtClose(k.system_process(), main.handle), "NtClose worker_main");
  failures.check(k.NtClose(k.system_process(), home.handle), "NtClose worker");
}

// Toggles the routines until the workers are done; returns how many toggles it made.
inline std::uint64_t toggle(Kernel& k, const std::atomic<int>& running,
                            const std::function<void()>& tick) {
  const bool thread_removal = k.profile().has_remove_thread_notify_routine;
  std::uint64_t toggles = 0;
  for (int round = 0; running.load() > 0; ++round) {
    const int i = round % kRoutines;
    RoutineState& p = g_process[static_cast<std::size_t>(i)];
    if (p.registered.load()) {
      if (k.PsSetCreateProcessNotifyRoutine(kProcessRoutines[static_cast<std::size_t>(i)], true)
              .ok()) {
        p.registered.store(false, std::memory_order_seq_cst);
      }
    } else {
      p.registered.store(true, std::memory_order_seq_cst);
      if (!k.PsSetCreateProcessNotifyRoutine(kProcessRoutines[static_cast<std::size_t>(i)], false)
               .ok()) {
        p.registered.store(false);
      }
    }
    if (thread_removal) {
      RoutineState& t = g_thread[static_cast<std::size_t>(i)];
      const auto routine = kThreadRoutines[static_cast<std::size_t>(i)];
      if (t.registered.load()) {
        if (k.PsRemoveCreateThreadNotifyRoutine(routine).ok()) {
          t.registered.store(false, std::memory_order_seq_cst);
        }
      } else {
        t.registered.store(true, std::memory_order_seq_cst);
        if (!k.PsSetCreateThreadNotifyRoutine(routine).ok()) t.registered.store(false);
      }
    }
    ++toggles;
    if (tick && toggles % 256 == 0) tick();
    std::this_thread::yield();
  }
  return toggles;
}

/// What a run saw: the routines' own counts, and the kernel's state at the end.
struct Outcome {
  std::uint64_t calls = 0;
  std::uint64_t after_removal = 0;  // calls that found their removal had returned
  std::uint64_t toggles = 0;
  int failures = 0;           // API calls that failed (none should)
  std::string first_failure;  // the first of them: "API -> status"
  std::map<std::string, int> findings;
  std::vector<std::string> finding_details;  // "kind: detail" of the first few, for the report
  std::size_t cid_entries = 0;               // PspCidTable entries left
  std::size_t resident = 0;                  // objects left in host memory
  std::uint64_t blocks = 0;                  // EX_CALLBACK blocks allocated
  std::uint64_t blocks_not_freed_once =
      0;  // removed but not freed exactly once, or installed but freed
};

/// Runs `lifecycles` thread lifecycles on `workers` host threads against a fresh kernel of
/// `profile` (ReclaimUnnamed tombstones), toggling routines meanwhile. `progress(done)` is called
/// now and then from the registrar's thread.
inline Outcome run(const Profile& profile, std::uint64_t lifecycles, int workers = 2,
                   const std::function<void(std::uint64_t)>& progress = {}) {
  for (auto* states : {&g_process, &g_thread}) {
    for (RoutineState& s : *states) {
      s.registered = false;
      s.calls = 0;
      s.after_removal = 0;
    }
  }
  Kernel k(profile);
  k.set_tombstones(ob::Tombstones::ReclaimUnnamed);
  Outcome out;
  if (!profile.has_remove_thread_notify_routine) {
    // win2000 cannot remove thread routines: they stay registered throughout.
    for (int i = 0; i < kRoutines; ++i) {
      g_thread[static_cast<std::size_t>(i)].registered = true;
      if (!k.PsSetCreateThreadNotifyRoutine(kThreadRoutines[static_cast<std::size_t>(i)]).ok()) {
        ++out.failures;
      }
    }
  }
  std::atomic<int> running{workers};
  Failures failures;
  std::atomic<std::uint64_t> done{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      work(k, lifecycles / static_cast<std::uint64_t>(workers), failures, done);
      running.fetch_sub(1);
    });
  }
  std::function<void()> tick;
  if (progress) tick = [&] { progress(done.load()); };
  out.toggles = toggle(k, running, tick);
  for (auto& t : threads)
    t.join();
  out.failures += failures.count.load();
  out.first_failure = failures.first;
  for (auto* states : {&g_process, &g_thread}) {
    for (const RoutineState& s : *states) {
      out.calls += s.calls.load();
      out.after_removal += s.after_removal.load();
    }
  }
  for (const Kernel::Finding& f : k.audit()) {
    ++out.findings[std::string(verify::to_string(f.kind))];
    if (out.finding_details.size() < 4) {
      out.finding_details.push_back(std::string(verify::to_string(f.kind)) + ": " + f.detail);
    }
  }
  k.cid_table().enumerate([&](Handle, const ex::EntryView&) { ++out.cid_entries; });
  out.resident = k.objects().resident();
  if (profile.notify_storage == NotifyStorage::ExCallback) {
    std::map<std::uint64_t, bool> installed;
    for (std::uint32_t i = 0; i < k.process_notify_array().size(); ++i) {
      if (const auto* b = k.process_notify_array().block(i)) installed[b->address()] = true;
    }
    for (std::uint32_t i = 0; i < k.thread_notify_array().size(); ++i) {
      if (const auto* b = k.thread_notify_array().block(i)) installed[b->address()] = true;
    }
    const auto blocks = k.callbacks().blocks();
    out.blocks = blocks.size();
    for (const ex::CallbackBlock* b : blocks) {
      if (b->frees() != (installed.count(b->address()) != 0 ? 0U : 1U)) ++out.blocks_not_freed_once;
    }
  }
  return out;
}

}  // namespace ntemu::load
