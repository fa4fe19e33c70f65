// SPDX-License-Identifier: MIT
/// \file
/// `Thread`: the ETHREAD fields the creation path uses (semantics.md §2).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "ntemu/ob/object.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/lookaside.hpp"

namespace ntemu::ps {

class Process;

/// THREAD_ALL_ACCESS of the NT 5.x era.
inline constexpr std::uint32_t kThreadAllAccess = 0x001F03FF;
/// THREAD_ALL_ACCESS from Vista on (MSDOC Thread Security and Access Rights, as for processes).
inline constexpr std::uint32_t kThreadAllAccessVista = 0x001FFFFF;

class Thread : public ob::Object {
 public:
  static constexpr ob::ObjectType kObjectType = ob::ObjectType::Thread;
  /// CrossThreadFlags bits (WRK:ps.h).
  static constexpr std::uint32_t kFlagTerminated = 0x1;
  static constexpr std::uint32_t kFlagDeadThread = 0x2;
  static constexpr std::uint32_t kFlagSystem = 0x10;

  Thread(std::uint64_t address, Process& process, std::string name)
      : ob::Object(kObjectType, address), ThreadsProcess(&process), Name(std::move(name)) {}
  /// Host memory from a per-host-thread lookaside list (support/lookaside.hpp).
  static void* operator new(std::size_t size) { return Lookaside<Thread>::allocate(size); }
  static void operator delete(void* block, std::size_t size) {
    Lookaside<Thread>::free(block, size);
  }

  /// Thread->Cid: the process part is a copy taken at creation and never refreshed.
  ClientId Cid() const {
    return {ProcessId{CidUniqueProcess.load(std::memory_order_acquire)},
            ThreadId{CidUniqueThread.load(std::memory_order_acquire)}};
  }
  ThreadId tid() const { return ThreadId{CidUniqueThread.load(std::memory_order_acquire)}; }
  bool is_system() const { return (CrossThreadFlags.load() & kFlagSystem) != 0; }

  Process* const ThreadsProcess;
  /// A name for traces (the scenario's NAME); not an NT field.
  const std::string Name;
  std::atomic<std::uint64_t> CidUniqueProcess{0};
  std::atomic<std::uint64_t> CidUniqueThread{0};
  std::atomic<std::uint32_t> GrantedAccess{0};
  std::atomic<std::uint32_t> CrossThreadFlags{0};
  /// Model state, not an NT field: set while PspCreateThread has the thread in its process's
  /// list but has not returned. A termination meanwhile only marks it TERMINATED; the thread
  /// exits when its creation completes, as a real thread terminated before it first runs does.
  std::atomic<bool> Starting{false};

 private:
  friend class ThreadList;
  // ThreadListEntry: the links of the process's thread list (guarded by its ProcessLock).
  Thread* list_prev_ = nullptr;
  Thread* list_next_ = nullptr;
};

/// Process.ThreadListHead: the process's threads, doubly linked through the threads' own
/// ThreadListEntry as in NT, in creation order, with O(1) insertion and removal.
class ThreadList {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Thread*;
    using difference_type = std::ptrdiff_t;
    using pointer = Thread* const*;
    using reference = Thread* const&;
    iterator() = default;
    explicit iterator(Thread* t) : t_(t) {}
    reference operator*() const { return t_; }
    iterator& operator++() {
      t_ = t_->list_next_;
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const iterator&, const iterator&) = default;

   private:
    Thread* t_ = nullptr;
  };

  void push_back(Thread* t) {
    t->list_prev_ = tail_;
    t->list_next_ = nullptr;
    (tail_ != nullptr ? tail_->list_next_ : head_) = t;
    tail_ = t;
    ++size_;
  }
  /// Unlinks `t`; false (changing nothing) if it is not in this list.
  bool erase(Thread* t) {
    if (t->list_prev_ == nullptr && head_ != t) return false;
    (t->list_prev_ != nullptr ? t->list_prev_->list_next_ : head_) = t->list_next_;
    (t->list_next_ != nullptr ? t->list_next_->list_prev_ : tail_) = t->list_prev_;
    t->list_prev_ = t->list_next_ = nullptr;
    --size_;
    return true;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  iterator begin() const { return iterator(head_); }
  iterator end() const { return iterator(); }
  /// A copy of the list, to walk while the lock is not held (inline for a handful of threads,
  /// so terminating a process allocates nothing).
  using Snapshot = boost::container::small_vector<Thread*, 8>;
  Snapshot snapshot() const { return Snapshot(begin(), end()); }

 private:
  Thread* head_ = nullptr;
  Thread* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ntemu::ps
