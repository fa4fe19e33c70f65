// SPDX-License-Identifier: MIT
/// \file
/// EX_RUNDOWN_REF (semantics.md §5.1, WRK:rundown): one word. Not active: the number of holders
/// × 2 (each acquire adds 2). Active (bit 0 set): a remover is waiting, and no new acquire
/// succeeds; the remaining holders are released until the waiter wakes.
///
/// Model difference: NT keeps the waiter's remaining count in an on-stack wait block whose
/// address replaces the word; ntemu keeps that count in the word itself ((remaining × 2) | 1) and
/// wakes the waiter with an atomic wait/notify. The states and transitions are the same, and a
/// dump never shows a host address.
#pragma once

#include <atomic>
#include <cstdint>

#include "ntemu/support/atomic_wait.hpp"

namespace ntemu::ex {

class RundownRef {
 public:
  static constexpr std::uint64_t kActive = 1;

  /// ExAcquireRundownProtectionEx: adds `n` holders unless the rundown is active.
  [[nodiscard]] bool acquire(std::uint64_t n = 1) {
    std::uint64_t v = word_.load(std::memory_order_acquire);
    do {
      if ((v & kActive) != 0) return false;
    } while (!word_.compare_exchange_weak(v, v + 2 * n, std::memory_order_acq_rel,
                                          std::memory_order_acquire));
    return true;
  }
  /// ExReleaseRundownProtectionEx: drops `n` holders; the last one releasing during an active
  /// rundown wakes the waiter.
  void release(std::uint64_t n = 1) {
    const std::uint64_t after = word_.fetch_sub(2 * n, std::memory_order_acq_rel) - 2 * n;
    if (after == kActive) atomic_notify_all(word_);
  }
  /// ExWaitForRundownProtectionRelease: makes the rundown active and blocks until every holder
  /// has released. Returns at once if there were none or it was already active and drained.
  void wait() {
    std::uint64_t v = word_.load(std::memory_order_acquire);
    while ((v & kActive) == 0 &&
           !word_.compare_exchange_weak(v, v | kActive, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
    }
    for (v = word_.load(std::memory_order_acquire); v != kActive;
         v = word_.load(std::memory_order_acquire)) {
      atomic_wait(word_, v, std::memory_order_acquire);
    }
  }
  /// ExReInitializeRundownProtection.
  void reinitialize() { word_.store(0, std::memory_order_release); }

  /// The raw word, as a debugger would show it.
  std::uint64_t raw() const { return word_.load(std::memory_order_acquire); }
  /// Holders counted in the word (active or not).
  std::uint64_t holders() const { return raw() >> 1; }
  bool is_active() const { return (raw() & kActive) != 0; }

 private:
  std::atomic<std::uint64_t> word_{0};
};

}  // namespace ntemu::ex
