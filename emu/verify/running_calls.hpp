// SPDX-License-Identifier: MIT
// The plain-array calls running now, per host thread (semantics.md §7, call-after-remove): a
// routine called through a Windows 2000 plain array is pushed on its host thread's list before
// the call re-reads its slot and popped when it returns; a removal counts the routine on every
// host thread's list after clearing the slot. The two sides are a Dekker handshake through
// fence::light()/heavy(), so a call costs no interlocked instruction: either the removal sees the
// call running, or the call sees its slot cleared.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "ntemu/ps/context.hpp"
#include "ntemu/ps/notify_routine.hpp"

namespace ntemu::verify {

/// One host thread's running plain-array calls. Written only by its thread; read by removals.
class RunningCalls {
 public:
  /// The calling host thread's list (registered on first use, unregistered at thread exit).
  static RunningCalls& mine() {
    if (t_mine == nullptr) [[unlikely]] {
      return make_mine();
    }
    return *t_mine;
  }
  /// How many calls of `routine` run now on all host threads.
  static int count_everywhere(const ps::NotifyRoutine& routine);

  /// Marks a call of `routine` running; the caller then calls fence::light() and re-reads the
  /// slot.
  void push(const ps::NotifyRoutine* routine) {
    const std::uint32_t d = depth_.load(std::memory_order_relaxed);
    if (d < routines_.size()) routines_[d].store(routine, std::memory_order_relaxed);
    depth_.store(d + 1, std::memory_order_release);
  }
  void pop() {
    const std::uint32_t d = depth_.load(std::memory_order_relaxed);
    if (d > 0) depth_.store(d - 1, std::memory_order_release);
  }

 private:
  static RunningCalls& make_mine();
  int count(const ps::NotifyRoutine& routine) const;

  static inline constinit thread_local RunningCalls* t_mine = nullptr;

  // Callouts nest at most this deep before the kernel stack overflows (bugcheck 0x7F).
  std::array<std::atomic<const ps::NotifyRoutine*>, ps::HostContext::kMaxNestedCallouts + 1>
      routines_{};
  std::atomic<std::uint32_t> depth_{0};
};

}  // namespace ntemu::verify
