// SPDX-License-Identifier: MIT
// The executive handle table's allocation side: construction, the free lists (FirstFree,
// LastFree, ExpMoveFreeHandles) and growth by pages. Behaviour follows semantics.md §6
// (WRK:handle); the code is ntemu's own. Lookup and locking are in handle_table.cpp.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <mutex>

#include "handle_table_layout.hpp"
#include "ntemu/ex/handle_table.hpp"

namespace ntemu::ex {

using handle_table_detail::pack_free;
using handle_table_detail::pops_of;

template <Arch A>
HandleTable<A>::HandleTable(HandleTableOptions options)
    : owner_(options.owner.value()),
      strict_fifo_(options.free_policy == FreePolicy::StrictFifo),
      max_low_pages_(options.max_low_level_pages == 0
                         ? Geometry::kMaxLowLevelPages
                         : std::min(options.max_low_level_pages, Geometry::kMaxLowLevelPages)) {
  // A new table starts at level 0 with one page, FirstFree = 4 (semantics.md §6.5). That page
  // is the same for every table, so it starts as one shared, never written copy; the table's
  // own copy is made when its first handle is created (materialize_first_page). A process that
  // never holds a handle costs no page. The table lock is taken as when the page was allocated
  // here: under a controlled scheduler that is a scheduling point of the creation path, and the
  // explorer's schedules (docs/concurrency.md) count it.
  MutexLocker hold(lock_);
  table_code_.store(reinterpret_cast<std::uintptr_t>(shared_first_page()),
                    std::memory_order_relaxed);
  next_handle_needing_pool_.store(Geometry::kPageSpan, std::memory_order_relaxed);
  first_free_.store(pack_free(0, Handle::kValueIncrement), std::memory_order_relaxed);
}

template <Arch A>
typename HandleTable<A>::LowPage* HandleTable<A>::shared_first_page() {
  // Slot 0 reserved, 1..kLow-1 chained in ascending order, the last link 0. Only ever read: a
  // table replaces it with its own copy before it hands out an entry.
  static LowPage* const page = [] {
    static LowPage prepared;
    fill_fresh(prepared, 0);
    return &prepared;
  }();
  return page;
}

template <Arch A>
void HandleTable<A>::materialize_first_page() {
  // Not a new scheduling point (the explorer's schedules stay those of the model before the
  // shared page): the table lock is never held across one, so under a controlled scheduler
  // try_lock always takes it; host threads racing here wait for each other.
  std::unique_lock<Mutex> hold(lock_, std::try_to_lock);
  if (!hold.owns_lock()) hold.lock();
  lock_.assert_held();
  if (!first_page_shared()) return;  // another allocator made it meanwhile
  // No entry was handed out and the table has not grown (both need this copy first), so the
  // shared page is still what the table holds: a reader that found a free entry there finds it
  // free here too.
  std::unique_ptr<LowPage> page(new LowPage);
  std::memcpy(page->entries, shared_first_page()->entries, sizeof(page->entries));
  low_pages_.push_back(std::move(page));  // the first: the table has not grown
  table_code_.store(reinterpret_cast<std::uintptr_t>(low_pages_.back().get()),
                    std::memory_order_release);
}

template <Arch A>
HandleTable<A>::~HandleTable() = default;

template <Arch A>
typename HandleTable<A>::Allocation HandleTable<A>::allocate_entry() {
  // §6.3 Allocate: pop FirstFree; when it is empty take the table lock, re-check, move
  // LastFree over, otherwise expand.
  if (first_page_shared()) materialize_first_page();
  for (;;) {
    std::uint64_t head = first_free_.load(std::memory_order_acquire);
    while ((head & kFreeHandleMask) == 0) {
      MutexLocker hold(lock_);
      head = first_free_.load(std::memory_order_acquire);
      if ((head & kFreeHandleMask) != 0) break;
      if (move_free_handles_locked() != 0) {
        head = first_free_.load(std::memory_order_acquire);
        break;
      }
      const bool grew = expand_locked();
      head = first_free_.load(std::memory_order_acquire);
      // A failed expansion fails the call only if no free entry appeared meanwhile (handles
      // moved from LastFree by a strict table that forced the expansion count too).
      if (!grew && (head & kFreeHandleMask) == 0) return {0, nullptr};
    }
    const auto value = static_cast<std::uint32_t>(head & kFreeHandleMask);
    if (value == 0) continue;
    // The entry's next link may be stale if another thread pops and reuses it first; the pop
    // count in the head then makes the exchange below fail (no A-B-A).
    Entry& e = entry_at(value);
    const auto next = static_cast<std::uint32_t>(e.value_.load(std::memory_order_relaxed));
    if (first_free_.compare_exchange_weak(head, pack_free(pops_of(head) + 1, next),
                                          std::memory_order_acq_rel, std::memory_order_acquire)) {
      return {value, &e};
    }
  }
}

template <Arch A>
void HandleTable<A>::push_first_free(std::uint32_t head_value, Entry& tail) {
  std::uint64_t head = first_free_.load(std::memory_order_acquire);
  for (;;) {
    tail.value_.store(static_cast<Word>(head & kFreeHandleMask), std::memory_order_relaxed);
    if (first_free_.compare_exchange_weak(head, pack_free(pops_of(head), head_value),
                                          std::memory_order_acq_rel, std::memory_order_acquire)) {
      return;
    }
  }
}

template <Arch A>
void HandleTable<A>::free_entry(std::uint32_t value, Entry& e) {
  // §6.3 Free. Strict tables always push onto LastFree. Non-strict tables push onto FirstFree;
  // NT falls back to LastFree only when a concurrent allocator holds the handle's bucket lock,
  // which the sequence-tagged head makes unnecessary (docs/fidelity.md).
  if (free_policy() == FreePolicy::StrictFifo) {
    std::uint32_t head = last_free_.load(std::memory_order_acquire);
    do {
      e.value_.store(head, std::memory_order_relaxed);
    } while (!last_free_.compare_exchange_weak(head, value, std::memory_order_acq_rel,
                                               std::memory_order_acquire));
    return;
  }
  push_first_free(value, e);
}

template <Arch A>
std::uint32_t HandleTable<A>::move_free_handles_locked() {
  lock_.assert_held();
  // §6.3 ExpMoveFreeHandles.
  const std::uint32_t chain = last_free_.exchange(0, std::memory_order_acq_rel);
  if (chain == 0) return 0;
  const bool strict = free_policy() == FreePolicy::StrictFifo;
  if (!strict) {
    // No existing chain: install this one as it is.
    std::uint64_t head = first_free_.load(std::memory_order_acquire);
    if ((head & kFreeHandleMask) == 0 &&
        first_free_.compare_exchange_strong(head, pack_free(pops_of(head), chain),
                                            std::memory_order_acq_rel)) {
      return chain;
    }
  }
  // Reverse the chain so the oldest free comes first, then push it in front of FirstFree.
  std::uint32_t count = 0;
  std::uint32_t previous = 0;
  std::uint32_t current = chain;
  Entry* tail = nullptr;  // the newest free, which ends the reversed chain
  while (current != 0) {
    Entry& e = entry_at(current);
    assert(e.is_free());
    const auto next = static_cast<std::uint32_t>(e.value_.load(std::memory_order_relaxed));
    e.value_.store(previous, std::memory_order_relaxed);
    if (previous == 0) tail = &e;
    previous = current;
    current = next;
    ++count;
  }
  push_first_free(previous, *tail);
  // A strict table with only a few pending frees expands anyway, keeping reuse rare.
  if (strict && count < 100) return 0;
  return previous;
}

template <Arch A>
void HandleTable<A>::fill_fresh(LowPage& page, std::uint32_t first_index) {
  // Every entry free (word 0 = 0). Slot 0 reserved; slots 1..kLow-1 chained in ascending order;
  // the last link is set when the chain is pushed in front of FirstFree.
  constexpr std::uint32_t kLow = Geometry::kLowLevelCount;
  for (std::uint32_t i = 0; i < kLow; ++i) {
    page.entries[i].object_.init(0);
    page.entries[i].value_.init(
        i == 0 ? Entry::kReservedSignature
               : static_cast<Word>(i + 1 < kLow ? (first_index + i + 1) * Handle::kValueIncrement
                                                : 0));
  }
}

template <Arch A>
bool HandleTable<A>::expand_locked() {
  lock_.assert_held();
  // §6.2 growth: add one low-level page, raising the level when the current one is full.
  const std::uint64_t limit = next_handle_needing_pool_.load(std::memory_order_relaxed);
  const auto page_index = static_cast<std::uint32_t>(limit / Geometry::kPageSpan);
  if (page_index >= max_low_pages_) return false;

  // Default-initialised, left unwritten (std::make_unique_for_overwrite, which libc++ 14 lacks).
  std::unique_ptr<LowPage> page(new LowPage);
  constexpr std::uint32_t kLow = Geometry::kLowLevelCount;
  constexpr std::uint32_t kMid = Geometry::kMidLevelCount;
  const std::uint32_t first_index = page_index * kLow;
  fill_fresh(*page, first_index);
  LowPage* const raw = page.get();

  const std::uintptr_t code = table_code_.load(std::memory_order_relaxed);
  const std::uintptr_t base = code & ~std::uintptr_t{3};
  switch (code & 3U) {
    case 0: {
      // level 0 → 1: a mid-level page holding the old page (the table's own copy by now: see
      // allocate_entry) and the new one
      auto mid = std::make_unique<MidPage>();
      mid->pages[0].store(reinterpret_cast<LowPage*>(base), std::memory_order_relaxed);
      mid->pages[1].store(raw, std::memory_order_relaxed);
      table_code_.store(reinterpret_cast<std::uintptr_t>(mid.get()) | 1U,
                        std::memory_order_release);
      mid_pages_.push_back(std::move(mid));
      break;
    }
    case 1: {
      auto* mid = reinterpret_cast<MidPage*>(base);
      if (page_index < kMid) {
        mid->pages[page_index].store(raw, std::memory_order_release);
        break;
      }
      // level 1 → 2: a top-level array whose [0] is the old mid-level page
      top_page_ = std::make_unique<TopPage>();
      auto fresh = std::make_unique<MidPage>();
      fresh->pages[0].store(raw, std::memory_order_relaxed);
      top_page_->pages[0].store(mid, std::memory_order_relaxed);
      top_page_->pages[1].store(fresh.get(), std::memory_order_relaxed);
      mid_pages_.push_back(std::move(fresh));
      table_code_.store(reinterpret_cast<std::uintptr_t>(top_page_.get()) | 2U,
                        std::memory_order_release);
      break;
    }
    default: {
      auto* top = reinterpret_cast<TopPage*>(base);
      const std::uint32_t top_index = page_index / kMid;
      if (top_index >= Geometry::kHighLevelCount) return false;  // 2^24 cap
      MidPage* mid = top->pages[top_index].load(std::memory_order_relaxed);
      if (mid == nullptr) {
        auto fresh = std::make_unique<MidPage>();
        fresh->pages[0].store(raw, std::memory_order_relaxed);
        top->pages[top_index].store(fresh.get(), std::memory_order_release);
        mid_pages_.push_back(std::move(fresh));
      } else {
        mid->pages[page_index % kMid].store(raw, std::memory_order_release);
      }
      break;
    }
  }
  low_pages_.push_back(std::move(page));
  // Publish the new range, then hand its entries out: in front of FirstFree, ascending.
  next_handle_needing_pool_.store(limit + Geometry::kPageSpan, std::memory_order_release);
  const auto first_value = static_cast<std::uint32_t>((first_index + 1) * Handle::kValueIncrement);
  push_first_free(first_value, raw->entries[kLow - 1]);
  return true;
}

template <Arch A>
std::size_t HandleTable<A>::page_bytes() const {
  MutexLocker hold(lock_);
  return low_pages_.size() * sizeof(LowPage) + mid_pages_.size() * sizeof(MidPage) +
         (top_page_ ? sizeof(TopPage) : 0);
}

// Only the members defined here (handle_table.cpp instantiates the class).
template HandleTable<Arch::X86>::HandleTable(HandleTableOptions);
template HandleTable<Arch::X86>::~HandleTable();
template HandleTable<Arch::X86>::Allocation HandleTable<Arch::X86>::allocate_entry();
template void HandleTable<Arch::X86>::push_first_free(std::uint32_t, Entry&);
template void HandleTable<Arch::X86>::free_entry(std::uint32_t, Entry&);
template std::uint32_t HandleTable<Arch::X86>::move_free_handles_locked();
template void HandleTable<Arch::X86>::fill_fresh(LowPage&, std::uint32_t);
template bool HandleTable<Arch::X86>::expand_locked();
template HandleTable<Arch::X86>::LowPage* HandleTable<Arch::X86>::shared_first_page();
template void HandleTable<Arch::X86>::materialize_first_page();
template std::size_t HandleTable<Arch::X86>::page_bytes() const;
template HandleTable<Arch::X64>::HandleTable(HandleTableOptions);
template HandleTable<Arch::X64>::~HandleTable();
template HandleTable<Arch::X64>::Allocation HandleTable<Arch::X64>::allocate_entry();
template void HandleTable<Arch::X64>::push_first_free(std::uint32_t, Entry&);
template void HandleTable<Arch::X64>::free_entry(std::uint32_t, Entry&);
template std::uint32_t HandleTable<Arch::X64>::move_free_handles_locked();
template void HandleTable<Arch::X64>::fill_fresh(LowPage&, std::uint32_t);
template bool HandleTable<Arch::X64>::expand_locked();
template HandleTable<Arch::X64>::LowPage* HandleTable<Arch::X64>::shared_first_page();
template void HandleTable<Arch::X64>::materialize_first_page();
template std::size_t HandleTable<Arch::X64>::page_bytes() const;

}  // namespace ntemu::ex
