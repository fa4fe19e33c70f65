// SPDX-License-Identifier: MIT
/// \file
/// An annotated mutex. `std::mutex` carries no capability attributes in libstdc++, so lock
/// discipline is expressed with this lock of ntemu's own instead (it works with
/// `std::unique_lock`); it also remembers its owner so that `assert_held()` checks the
/// precondition of `...Locked()` functions at run time (GCC builds check nothing statically).
///
/// \code
///   ntemu::Mutex lock_;
///   int count_ NTEMU_GUARDED_BY(lock_) = 0;
///   void bump() { ntemu::MutexLocker hold(lock_); ++count_; }
/// \endcode
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <mutex>
#include <thread>

#include "ntemu/support/atomic_wait.hpp"
#include "ntemu/support/thread_annotations.hpp"

namespace ntemu {

class NTEMU_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() NTEMU_ACQUIRE() {
    if (std::uint32_t seen = kFree; !take(seen)) lock_contended(seen);
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }
  void unlock() NTEMU_RELEASE() {
    owner_.store(std::thread::id{}, std::memory_order_relaxed);
    if (state_.exchange(kFree, std::memory_order_release) == kContended) atomic_notify_one(state_);
  }
  bool try_lock() NTEMU_TRY_ACQUIRE(true) {
    if (std::uint32_t seen = kFree; !take(seen)) return false;
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    return true;
  }
  /// True when the calling host thread holds the lock.
  bool held_by_current_thread() const {
    return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id();
  }
  /// Tells the analysis (and, in assert-enabled builds, checks) that the lock is held.
  void assert_held() const NTEMU_ASSERT_CAPABILITY(this) { assert(held_by_current_thread()); }

 private:
  // A three-state futex mutex (Drepper, "Futexes Are Tricky", mutex 3): one compare-exchange
  // takes a free lock and one exchange releases it, whether or not the process has other host
  // threads (glibc's pthread_mutex_lock is cheaper only while the process has a single thread).
  // Waiters sleep in std::atomic::wait (ntemu::atomic_wait).
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kLocked = 1;     // no waiters
  static constexpr std::uint32_t kContended = 2;  // maybe waiters
  // Takes a free lock; otherwise leaves the state it saw in `seen`.
  bool take(std::uint32_t& seen) {
    return state_.compare_exchange_strong(seen, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  void lock_contended(std::uint32_t c) {
    if (c != kContended) c = state_.exchange(kContended, std::memory_order_acquire);
    while (c != kFree) {
      atomic_wait(state_, kContended, std::memory_order_relaxed);
      c = state_.exchange(kContended, std::memory_order_acquire);
    }
  }

  std::atomic<std::uint32_t> state_{kFree};
  std::atomic<std::thread::id> owner_{};
};

/// Holds a Mutex for its scope.
class NTEMU_SCOPED_CAPABILITY MutexLocker {
 public:
  explicit MutexLocker(Mutex& m) NTEMU_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~MutexLocker() NTEMU_RELEASE() { m_.unlock(); }
  MutexLocker(const MutexLocker&) = delete;
  MutexLocker& operator=(const MutexLocker&) = delete;

 private:
  Mutex& m_;
};

/// Holds a Mutex for its scope, or until release(): for a section that lets the lock go early
/// on some paths and must still let it go if an exception leaves the scope.
class NTEMU_SCOPED_CAPABILITY ReleasableMutexLocker {
 public:
  explicit ReleasableMutexLocker(Mutex& m) NTEMU_ACQUIRE(m) : m_(&m) { m.lock(); }
  ~ReleasableMutexLocker() NTEMU_RELEASE() {
    if (m_ != nullptr) m_->unlock();
  }
  /// Unlocks now; the scope's end then does nothing.
  void release() NTEMU_RELEASE() {
    m_->unlock();
    m_ = nullptr;
  }
  ReleasableMutexLocker(const ReleasableMutexLocker&) = delete;
  ReleasableMutexLocker& operator=(const ReleasableMutexLocker&) = delete;

 private:
  Mutex* m_;
};

/// A spin lock for short critical sections on hot paths (a few loads and stores, never a call
/// out): uncontended it costs one exchange to take and a plain store to release, where Mutex
/// also exchanges to release and records its owner.
class NTEMU_CAPABILITY("mutex") SpinLock {
 public:
  SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() NTEMU_ACQUIRE() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed))
        std::this_thread::yield();
    }
  }
  void unlock() NTEMU_RELEASE() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

/// Holds a SpinLock for its scope.
class NTEMU_SCOPED_CAPABILITY SpinLocker {
 public:
  explicit SpinLocker(SpinLock& l) NTEMU_ACQUIRE(l) : l_(l) { l_.lock(); }
  ~SpinLocker() NTEMU_RELEASE() { l_.unlock(); }
  SpinLocker(const SpinLocker&) = delete;
  SpinLocker& operator=(const SpinLocker&) = delete;

 private:
  SpinLock& l_;
};

}  // namespace ntemu
