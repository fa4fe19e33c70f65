/// \file
/// Create-notify routine types and the notify arrays: fixed arrays of routine slots with a
/// registration counter (semantics.md §4), stored as plain pointers (Windows 2000, BLOG) or as
/// EX_CALLBACK slots (XP and later). The counter is only a
/// fast "anything registered?" test; invocation always scans every slot in index order.
/// Removal clears the slot and returns at once — a caller that already loaded the pointer may
/// still call it (the hazard EX_CALLBACK later removed, §5.7).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "ntemu/ex/callback.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu {

/// PCREATE_PROCESS_NOTIFY_ROUTINE: (ParentId, ProcessId, Create).
using PCREATE_PROCESS_NOTIFY_ROUTINE = void (*)(ProcessId ParentId, ProcessId ProcessId,
                                                bool Create);
namespace ps {
class Process;
}

/// PS_CREATE_NOTIFY_INFO (Vista SP1+, MSDOC): what an Ex routine learns of a creation, and
/// CreationStatus, which it may set to an error to veto the creation.
struct PS_CREATE_NOTIFY_INFO {
  std::size_t Size = sizeof(PS_CREATE_NOTIFY_INFO);
  ProcessId ParentProcessId;
  ClientId CreatingThreadId;  ///< the creator's PID and TID (may differ from the parent)
  const char* ImageFileName = nullptr;
  bool FileOpenNameAvailable = false;
  Status CreationStatus = STATUS_SUCCESS;
};
/// PCREATE_PROCESS_NOTIFY_ROUTINE_EX: (Process, ProcessId, CreateInfo); CreateInfo is NULL on exit.
using PCREATE_PROCESS_NOTIFY_ROUTINE_EX = void (*)(ps::Process* Process, ProcessId ProcessId,
                                                   PS_CREATE_NOTIFY_INFO* CreateInfo);

/// PCREATE_THREAD_NOTIFY_ROUTINE: (ProcessId, ThreadId, Create).
using PCREATE_THREAD_NOTIFY_ROUTINE = void (*)(ProcessId ProcessId, ThreadId ThreadId, bool Create);

namespace ps {

/// Converts between routine pointer types that share one slot array (plain and Ex process
/// routines): through the generic function-pointer type, which round-trips exactly.
template <class To, class From>
To routine_cast(From f) {
  return reinterpret_cast<To>(reinterpret_cast<void (*)()>(f));
}

enum class NotifyKind : std::uint8_t { Process, Thread };

/// A fixed array of routine slots plus its counter, stored the way the profile says: plain
/// routine pointers (Windows 2000) or EX_CALLBACK slots (XP and later, semantics.md §4, §5).
template <class Routine>
class NotifyArray {
 public:
  /// `callbacks` must be given (and outlive the array) when `storage` is ExCallback.
  NotifyArray(std::uint32_t slots, NotifyStorage storage, ex::CallbackManager* callbacks)
      : size_(slots),
        storage_(storage),
        callbacks_(callbacks),
        plain_(std::make_unique<std::atomic<Routine>[]>(slots)),
        plain_context_(std::make_unique<std::atomic<void*>[]>(slots)),
        blocks_(std::make_unique<ex::ExCallback[]>(slots)) {}

  NotifyStorage storage() const { return storage_; }

  /// Registers `r` in the lowest free slot and bumps the counter; `full_status` when every slot
  /// is taken. ExCallback storage: allocates a block first (failure:
  /// STATUS_INSUFFICIENT_RESOURCES) and installs it with ExCompareExchangeCallBack against NULL.
  /// `context` is stored in the EX_CALLBACK block, or beside a plain slot (written just after
  /// the routine, so a concurrent caller may see the routine with its predecessor's context:
  /// callers must check it), and passed to for_each's callers.
  Status add(Routine r, Status full_status, void* context = nullptr) {
    if (storage_ == NotifyStorage::PlainArray) {
      for (std::uint32_t i = 0; i < size_; ++i) {
        Routine expected = nullptr;
        if (plain_[i].compare_exchange_strong(expected, r, std::memory_order_acq_rel)) {
          plain_context_[i].store(context, std::memory_order_release);
          count_.fetch_add(1, std::memory_order_acq_rel);
          return STATUS_SUCCESS;
        }
      }
      return full_status;
    }
    ex::CallbackBlock* block =
        callbacks_->ExAllocateCallBack(reinterpret_cast<const void*>(r), context);
    if (block == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (callbacks_->ExCompareExchangeCallBack(blocks_[i], block, nullptr)) {
        count_.fetch_add(1, std::memory_order_acq_rel);
        return STATUS_SUCCESS;
      }
    }
    callbacks_->ExFreeCallBack(block);
    return full_status;
  }

  /// Removes the first registration of `r`; `not_found` if none. Plain storage returns at once
  /// (a caller may still be inside `r`); ExCallback storage swaps the slot to NULL, then waits
  /// until every caller has left the block (ExWaitForCallBacks) and frees it.
  Status remove(Routine r, Status not_found) {
    if (storage_ == NotifyStorage::PlainArray) {
      for (std::uint32_t i = 0; i < size_; ++i) {
        Routine expected = r;
        if (plain_[i].compare_exchange_strong(expected, nullptr, std::memory_order_seq_cst)) {
          count_.fetch_sub(1, std::memory_order_acq_rel);
          return STATUS_SUCCESS;
        }
      }
      return not_found;
    }
    for (std::uint32_t i = 0; i < size_; ++i) {
      ex::CallbackBlock* block = callbacks_->ExReferenceCallBackBlock(blocks_[i]);
      if (block == nullptr) continue;
      if (block->Function == reinterpret_cast<const void*>(r) &&
          callbacks_->ExCompareExchangeCallBack(blocks_[i], nullptr, block)) {
        count_.fetch_sub(1, std::memory_order_acq_rel);
        callbacks_->ExDereferenceCallBackBlock(blocks_[i], block);
        callbacks_->ExWaitForCallBacks(block);
        callbacks_->ExFreeCallBack(block);
        return STATUS_SUCCESS;
      }
      callbacks_->ExDereferenceCallBackBlock(blocks_[i], block);
    }
    return not_found;
  }

  /// Calls `fn(slot, routine, context)` for each occupied slot in index order, holding a
  /// callback-block reference around the call under ExCallback storage.
  template <class Fn>
  void for_each(Fn&& fn) {
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (storage_ == NotifyStorage::PlainArray) {
        const Routine r = plain_[i].load(std::memory_order_acquire);
        if (r != nullptr) fn(i, r, plain_context_[i].load(std::memory_order_acquire));
        continue;
      }
      // An empty slot gives NULL at once; read it here to skip the call (same result).
      if (blocks_[i].RoutineBlock.load(std::memory_order_acquire) == 0) continue;
      ex::CallbackBlock* block = callbacks_->ExReferenceCallBackBlock(blocks_[i]);
      if (block == nullptr) continue;
      // The reference is dropped on every way out, a routine that throws included.
      struct Reference {
        ex::CallbackManager& callbacks;
        ex::ExCallback& slot;
        ex::CallbackBlock* block;
        ~Reference() { callbacks.ExDereferenceCallBackBlock(slot, block); }
      } reference{*callbacks_, blocks_[i], block};
      fn(i, reinterpret_cast<Routine>(const_cast<void*>(block->Function)), block->Context);
    }
  }

  /// Clears slot `i` directly, bypassing the API (a "poke"): the counter is left as it is, and
  /// an EX_CALLBACK block's references are simply lost with the slot word.
  void clear_slot(std::uint32_t i) {
    if (storage_ == NotifyStorage::PlainArray) {
      plain_[i].store(nullptr, std::memory_order_release);
    } else {
      blocks_[i].RoutineBlock.store(0, std::memory_order_release);
    }
  }

  /// True when some slot holds `r` (a debugger read: no references taken).
  bool contains(Routine r) const {
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (slot(i) == r) return true;
    }
    return false;
  }
  std::uint32_t size() const { return size_; }
  /// The routine in slot `i` as a debugger would read it (no references taken).
  Routine slot(std::uint32_t i) const {
    if (storage_ == NotifyStorage::PlainArray) return plain_[i].load(std::memory_order_acquire);
    const ex::CallbackBlock* block = this->block(i);
    return block == nullptr ? nullptr
                            : reinterpret_cast<Routine>(const_cast<void*>(block->Function));
  }
  /// Plain storage: slot `i` read in the single total order of sequentially consistent
  /// operations (the verifier's in-flight check pairs it with removal's clear).
  Routine slot_seq_cst(std::uint32_t i) const {
    return storage_ == NotifyStorage::PlainArray ? plain_[i].load(std::memory_order_seq_cst)
                                                 : slot(i);
  }
  /// ExCallback storage: slot `i` itself (for accounting checks).
  const ex::ExCallback* slot_word(std::uint32_t i) const { return &blocks_[i]; }
  /// ExCallback storage: the slot's raw EX_FAST_REF word (block address | cached references).
  std::uint64_t raw(std::uint32_t i) const { return blocks_[i].raw(); }
  /// ExCallback storage: the block named by slot `i`, or nullptr.
  const ex::CallbackBlock* block(std::uint32_t i) const {
    const std::uint64_t v = blocks_[i].raw();
    return v == 0 ? nullptr : callbacks_->block_at(ex::FastRef::object(v, callbacks_->arch()));
  }
  /// The registration counter (PspCreate{Process,Thread}NotifyRoutineCount).
  std::uint32_t count() const { return count_.load(std::memory_order_acquire); }

 private:
  const std::uint32_t size_;
  const NotifyStorage storage_;
  ex::CallbackManager* const callbacks_;
  std::unique_ptr<std::atomic<Routine>[]> plain_;
  std::unique_ptr<std::atomic<void*>[]> plain_context_;
  std::unique_ptr<ex::ExCallback[]> blocks_;
  std::atomic<std::uint32_t> count_{0};
};

}  // namespace ps
}  // namespace ntemu
