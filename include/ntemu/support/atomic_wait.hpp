// SPDX-License-Identifier: MIT
/// \file
/// `ntemu::atomic_wait`, `atomic_notify_one` and `atomic_notify_all`: `std::atomic<T>::wait` and
/// its notifications, made safe where the standard library's are not.
///
/// libstdc++ on a platform without Linux futexes (MinGW-w64, the BSDs, ...) waits on a
/// condition variable that its notify signals without taking the condition's mutex: a notify
/// that comes between the waiter's last look at the value and its sleep is lost, and the waiter
/// sleeps for ever although the value changed. (The MinGW build's handle-table stress test hung
/// that way in one in ten runs, in ntemu::Mutex.) There a waiter polls instead: it re-reads the
/// value, yielding the host CPU between reads, and a notify has nothing to do. Everywhere else
/// these are the std::atomic members themselves.
///
/// \code
///   std::atomic<std::uint32_t> state{0};
///   ntemu::atomic_wait(state, 0u, std::memory_order_acquire);  // returns once state != 0
///   // elsewhere: state.store(1, std::memory_order_release); ntemu::atomic_notify_one(state);
/// \endcode
#pragma once

#include <atomic>
#include <thread>

namespace ntemu {

#if defined(__GLIBCXX__) && !defined(_GLIBCXX_HAVE_LINUX_FUTEX)
inline constexpr bool kAtomicWaitPolls = true;
#else
inline constexpr bool kAtomicWaitPolls = false;
#endif

/// Blocks while `a` holds `old` (as std::atomic::wait, spurious returns included).
template <class T>
void atomic_wait(const std::atomic<T>& a, T old, std::memory_order order) noexcept {
  if constexpr (kAtomicWaitPolls) {
    while (a.load(order) == old)
      std::this_thread::yield();
  } else {
    a.wait(old, order);
  }
}

/// Wakes one waiter of `a` (std::atomic::notify_one).
template <class T>
void atomic_notify_one(std::atomic<T>& a) noexcept {
  if constexpr (!kAtomicWaitPolls) a.notify_one();
}

/// Wakes every waiter of `a` (std::atomic::notify_all).
template <class T>
void atomic_notify_all(std::atomic<T>& a) noexcept {
  if constexpr (!kAtomicWaitPolls) a.notify_all();
}

}  // namespace ntemu
