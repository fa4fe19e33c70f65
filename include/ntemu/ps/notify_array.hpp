// SPDX-License-Identifier: MIT
/// \file
/// The notify arrays: fixed arrays of routine slots with a registration counter
/// (semantics.md §4), stored as plain pointers (Windows 2000, BLOG) or as EX_CALLBACK slots (XP
/// and later, §5). The counter is only a fast "anything registered?" test; invocation scans the
/// slots in index order, as NT does (past the highest slot ever used only under a scheduler:
/// those slots are empty, and only a schedule can tell the reads apart). Plain removal clears the
/// slot and returns at once — a caller that already loaded the pointer may still call it (the
/// hazard EX_CALLBACK later removed, §5.7); EX_CALLBACK removal waits for the callers in flight.
///
/// `NotifySlots` is the mechanism over untyped routine addresses; `NotifyArray<Routine>` is the
/// same array seen with its routine type.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "ntemu/ex/callback.hpp"
#include "ntemu/support/scheduling_point.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu {

/// How the notify arrays are stored and called (semantics.md §4, §5).
enum class NotifyStorage : std::uint8_t {
  /// Plain routine pointers; removal does not wait for callers in flight (Windows 2000).
  PlainArray,
  /// EX_CALLBACK slots: fast references and rundown protection (XP and later).
  ExCallback,
};

namespace ps {

class NotifySlots {
 public:
  /// `callbacks` must be given (and outlive the array) when `storage` is ExCallback.
  NotifySlots(std::uint32_t slots, NotifyStorage storage, ex::CallbackManager* callbacks);

  NotifyStorage storage() const { return storage_; }

  /// Registers `routine` in the lowest free slot and bumps the counter; `full_status` when every
  /// slot is taken. ExCallback storage: allocates a block first (failure:
  /// STATUS_INSUFFICIENT_RESOURCES) and installs it with ExCompareExchangeCallBack against NULL.
  /// `context` is stored in the EX_CALLBACK block, or beside a plain slot (written just after
  /// the routine, so a concurrent caller may see the routine with its predecessor's context:
  /// callers must check it), and passed to for_each's callers.
  Status add(const void* routine, Status full_status, void* context);
  /// Removes the first registration of `routine`; `not_found` if none. Plain storage returns at
  /// once (a caller may still be inside it); ExCallback storage swaps the slot to NULL, then
  /// waits until every caller has left the block (ExWaitForCallBacks) and frees it.
  Status remove(const void* routine, Status not_found);

  /// Calls `fn(slot, routine, context)` for each occupied slot in index order, holding a
  /// callback-block reference around the call under ExCallback storage.
  template <class Fn>
  void for_each(Fn&& fn) {
    // Slots at or past reach() have never held a registration, so a walk no scheduler controls
    // stops there. reach() is read again before each slot, so a routine registered before the
    // walk comes to its slot (by a routine this walk called, say) is seen, as in NT; one still
    // being registered on another host thread is one the walk could equally have passed. A
    // controlled walk reads every slot: each read is a step of the schedule.
    const bool controlled = sched::controlled();
    for (std::uint32_t i = 0; i < (controlled ? size_ : reach()); ++i) {
      if (storage_ == NotifyStorage::PlainArray) {
        sched::point(sched::Access::Read, &plain_[i], "notify array read", i);
        const void* r = plain_[i].load(std::memory_order_acquire);
        if (r != nullptr) fn(i, r, plain_context_[i].load(std::memory_order_acquire));
        continue;
      }
      // An empty slot gives NULL at once; read it here to skip the call (same result).
      sched::point(sched::Access::Read, &blocks_[i], "notify array read", i);
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
      fn(i, block->Function, block->Context);
    }
  }

  /// The seeded bug Profile::seeded_bug_skip_removal_wait: remove() no longer waits.
  void seed_bug_skip_removal_wait() { skip_removal_wait_ = true; }

  /// Clears slot `i` directly, bypassing the API (a "poke"): the counter is left as it is, and
  /// an EX_CALLBACK block's references are simply lost with the slot word.
  void clear_slot(std::uint32_t i);

  /// True when some slot holds `routine` (a debugger read: no references taken).
  bool contains(const void* routine) const;
  std::uint32_t size() const { return size_; }
  /// One past the highest slot a registration was ever installed in (never lowered: a removed
  /// or cleared slot stays within reach).
  std::uint32_t reach() const { return reach_.load(std::memory_order_acquire); }
  /// True when slot `i` holds a registration: a routine (plain), or a block (EX_CALLBACK) —
  /// which may be a registered NULL routine's (semantics.md §10.5).
  bool occupied(std::uint32_t i) const;
  /// Plain storage: NULL routines registered, which hold no slot (a NULL stored into an empty
  /// slot leaves it empty) but count; removing NULL takes one of them back.
  std::uint32_t null_registrations() const {
    return null_registrations_.load(std::memory_order_acquire);
  }
  /// Registrations the slots account for: occupied slots plus plain NULL registrations (equal
  /// to count() unless a slot was written outside the API).
  std::uint32_t in_use() const;
  /// The routine in slot `i` as a debugger would read it (no references taken).
  const void* routine(std::uint32_t i) const;
  /// Plain storage: slot `i` read in the single total order of sequentially consistent
  /// operations (the verifier's in-flight check pairs it with removal's clear).
  const void* routine_seq_cst(std::uint32_t i) const {
    return storage_ == NotifyStorage::PlainArray ? plain_seq_cst(i) : routine(i);
  }
  /// Plain storage only: the same read, for a caller that knows the storage.
  const void* plain_seq_cst(std::uint32_t i) const {
    return plain_[i].load(std::memory_order_seq_cst);
  }
  /// ExCallback storage: slot `i` itself (for accounting checks).
  const ex::ExCallback* slot_word(std::uint32_t i) const { return &blocks_[i]; }
  /// ExCallback storage: the slot's raw EX_FAST_REF word (block address | cached references).
  std::uint64_t raw(std::uint32_t i) const { return blocks_[i].raw(); }
  /// ExCallback storage: the block named by slot `i`, or nullptr.
  const ex::CallbackBlock* block(std::uint32_t i) const;
  /// The registration counter (PspCreate{Process,Thread}NotifyRoutineCount).
  std::uint32_t count() const { return count_.load(std::memory_order_acquire); }

 private:
  const std::uint32_t size_;
  const NotifyStorage storage_;
  ex::CallbackManager* const callbacks_;
  std::unique_ptr<std::atomic<const void*>[]> plain_;
  std::unique_ptr<std::atomic<void*>[]> plain_context_;
  std::unique_ptr<ex::ExCallback[]> blocks_;
  /// Raises reach() to `slot + 1` once a registration is installed in `slot`.
  void reached(std::uint32_t slot);

  std::atomic<std::uint32_t> count_{0};
  std::atomic<std::uint32_t> reach_{0};
  std::atomic<std::uint32_t> null_registrations_{0};
  bool skip_removal_wait_ = false;
};

/// The same slots, typed with the routine type they hold.
template <class Routine>
class NotifyArray : public NotifySlots {
 public:
  using NotifySlots::NotifySlots;

  Status add(Routine r, Status full_status, void* context = nullptr) {
    return NotifySlots::add(address(r), full_status, context);
  }
  Status remove(Routine r, Status not_found) { return NotifySlots::remove(address(r), not_found); }
  /// Calls `fn(slot, routine, context)` with the routine typed.
  template <class Fn>
  void for_each(Fn&& fn) {
    NotifySlots::for_each(
        [&](std::uint32_t i, const void* r, void* context) { fn(i, typed(r), context); });
  }
  bool contains(Routine r) const { return NotifySlots::contains(address(r)); }
  Routine slot(std::uint32_t i) const { return typed(routine(i)); }
  Routine slot_seq_cst(std::uint32_t i) const { return typed(routine_seq_cst(i)); }

 private:
  static const void* address(Routine r) { return reinterpret_cast<const void*>(r); }
  static Routine typed(const void* r) { return reinterpret_cast<Routine>(const_cast<void*>(r)); }
};

}  // namespace ps
}  // namespace ntemu
