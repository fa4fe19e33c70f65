/// \file
/// An annotated mutex. `std::mutex` carries no capability attributes in libstdc++, so lock
/// discipline is expressed with this wrapper instead; it also remembers its owner so that
/// `assert_held()` checks the precondition of `...Locked()` functions at run time (GCC builds
/// check nothing statically).
///
/// \code
///   ntemu::Mutex lock_;
///   int count_ NTEMU_GUARDED_BY(lock_) = 0;
///   void bump() { ntemu::MutexLocker hold(lock_); ++count_; }
/// \endcode
#pragma once

#include <atomic>
#include <cassert>
#include <mutex>
#include <thread>

#include "ntemu/support/thread_annotations.hpp"

namespace ntemu {

class NTEMU_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() NTEMU_ACQUIRE() {
    m_.lock();
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }
  void unlock() NTEMU_RELEASE() {
    owner_.store(std::thread::id{}, std::memory_order_relaxed);
    m_.unlock();
  }
  bool try_lock() NTEMU_TRY_ACQUIRE(true) {
    if (!m_.try_lock()) return false;
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
  std::mutex m_;
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

/// A spin lock for short critical sections on hot paths (a few loads and stores, never a call
/// out): uncontended it costs one exchange, where Mutex costs a pthread call each way.
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
