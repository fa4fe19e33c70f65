// SPDX-License-Identifier: MIT
/// \file
/// Each host thread's place in the model: which executive and thread are current on it, and
/// which notify routines are running on it now — so a routine asking to remove itself is
/// recognised, and a removal can count the calls of its routine still running on every host
/// thread (HostContext::running_everywhere). Constant-initialised and trivially destructible,
/// so reaching it costs no initialisation check and no thread-exit order matters; the running
/// routines sit in a fixed array on the heap, and those beyond its depth are counted, not kept.
/// `Executive::ContextScope` sets the executive and thread.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ntemu::ps {

class Executive;
class Thread;
struct NotifyRoutine;

/// The notify routines running on one host thread: only that thread writes, removals on other
/// threads read. Heap records the context list owns and never frees (context.cpp): a reader
/// may still hold one when its thread ends, which then hands it back for the next thread. Each
/// on cache lines of its own: a thread's pushes share no line with another thread's record.
struct alignas(64) RunningRoutines {
  static constexpr std::size_t kMaxRoutines = 32;
  std::atomic<std::size_t> depth{0};  ///< calls running (may exceed kMaxRoutines)
  std::array<std::atomic<const NotifyRoutine*>, kMaxRoutines> routines{};

  int count(const NotifyRoutine* r) const {
    const std::size_t n = std::min(depth.load(std::memory_order_acquire), kMaxRoutines);
    int found = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (routines[i].load(std::memory_order_relaxed) == r) ++found;
    }
    return found;
  }
};

struct HostContext {
  static constexpr std::size_t kMaxRoutines = RunningRoutines::kMaxRoutines;
  /// How deep notify callouts may nest on one host thread (a routine whose kernel call runs the
  /// notify routines again): one more is the kernel stack overflowing, bugcheck 0x7F
  /// UNEXPECTED_KERNEL_MODE_TRAP, instead of the host's stack. A model bound, not a measured
  /// one: a real 12 KB (x86) or 24 KB (x64) kernel stack holds fewer nested creations.
  static constexpr std::size_t kMaxNestedCallouts = 32;
  Executive* executive = nullptr;
  Thread* thread = nullptr;
  /// Notify loops this host thread runs while holding a process lock (the profile's
  /// ProcessLockDuringNotify::Held): object deletions wait until it is released.
  std::uint32_t locked_callouts = 0;
  /// Notify walks begun on this host thread (NotifyCall::walk numbers them from 1).
  std::uint64_t walks = 0;

  /// Routines running on this host thread now (may exceed kMaxRoutines).
  std::size_t running() const {
    return running_ == nullptr ? 0 : running_->depth.load(std::memory_order_relaxed);
  }
  /// Marks a call of `r` running on this host thread. A reader on another thread that must not
  /// miss it (running_everywhere) is ordered by the caller: push, fence::light(), then re-read
  /// what the reader changed before counting.
  void push_routine(const NotifyRoutine* r) {
    if (running_ == nullptr) [[unlikely]] {
      running_ = take_running();
    }
    const std::size_t d = running_->depth.load(std::memory_order_relaxed);
    if (d < kMaxRoutines) running_->routines[d].store(r, std::memory_order_relaxed);
    running_->depth.store(d + 1, std::memory_order_release);
  }
  void pop_routine() {
    running_->depth.store(running_->depth.load(std::memory_order_relaxed) - 1,
                          std::memory_order_release);
  }
  /// True when `r` runs on this host thread now (a call of it is in progress below us).
  bool runs(const NotifyRoutine* r) const { return running_ != nullptr && running_->count(r) != 0; }
  /// How many calls of `r` run now on all host threads. First makes every other host thread
  /// pass a full barrier (fence::heavy), so that a call that pushed `r` before the caller
  /// changed what it re-reads is counted, or sees the change.
  static int running_everywhere(const NotifyRoutine& r);
  /// How many records the list holds: one per host thread that ever pushed a routine, less the
  /// ended threads' records that newer threads took over.
  static std::size_t records();

 private:
  /// This host thread's record from the context list, handed back when the thread ends (by a
  /// thread-specific key's destructor: support/per_thread.hpp says why not a thread_local's).
  static RunningRoutines* take_running();

  RunningRoutines* running_ = nullptr;
};

/// The calling host thread's context.
extern constinit thread_local HostContext t_host_context;

/// Marks a notify loop run under a held process lock for its scope (see locked_callouts).
class LockedCallout {
 public:
  LockedCallout() { ++t_host_context.locked_callouts; }
  ~LockedCallout() { --t_host_context.locked_callouts; }
  LockedCallout(const LockedCallout&) = delete;
  LockedCallout& operator=(const LockedCallout&) = delete;
};

}  // namespace ntemu::ps
