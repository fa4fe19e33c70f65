// SPDX-License-Identifier: MIT
/// \file
/// Per-host-thread objects freed when their thread ends, without `thread_local` destructors.
///
/// A `thread_local` object with a destructor is not safe on every host: MinGW-w64's GCC keeps
/// `thread_local` variables in emulated TLS (libgcc's emutls), whose storage a thread-exit hook
/// frees before the C++ `thread_local` destructors run, so those destructors run on freed
/// memory, and another thread still holding a pointer into that storage reads freed memory
/// (issue 15's CI run faulted so under wine). What is safe everywhere is a POSIX thread-specific
/// key's destructor, which is handed the value and touches no TLS: ThreadExitKey wraps one, and
/// PerThread<T> keeps a heap `T` per host thread that such a destructor deletes. A
/// `thread_local` of a trivially destructible type (a pointer, a counter) needs neither.
#pragma once

namespace ntemu {

/// A process-wide thread-specific key: `at_exit(value)` runs at the end of every host thread
/// that set a non-null value, and is passed that value. `at_exit` must accept null: winpthreads
/// calls it with null for a thread that set a value and cleared it again. Never deleted
/// (threads may end after main returns); a key costs one of the host's limited keys, so make
/// few and keep them.
class ThreadExitKey {
 public:
  explicit ThreadExitKey(void (*at_exit)(void*));
  ThreadExitKey(const ThreadExitKey&) = delete;
  ThreadExitKey& operator=(const ThreadExitKey&) = delete;
  /// Sets the calling host thread's value.
  void set(void* value) const;

 private:
  unsigned key_ = 0;
};

/// One default-constructed `T` per host thread, made on first use and deleted when the thread
/// ends. Use at namespace scope or as a static; every instance of one `T` shares the objects,
/// so give each use its own type (a struct wrapping the container) when two are needed.
template <class T>
class PerThread {
 public:
  T& get() {
    T*& mine = slot();
    if (mine == nullptr) [[unlikely]] {
      mine = new T;
      key().set(mine);
    }
    return *mine;
  }

 private:
  static T*& slot() {
    static constinit thread_local T* mine = nullptr;
    return mine;
  }
  static const ThreadExitKey& key() {
    static const ThreadExitKey* k = new ThreadExitKey([](void* v) { delete static_cast<T*>(v); });
    return *k;
  }
};

}  // namespace ntemu
