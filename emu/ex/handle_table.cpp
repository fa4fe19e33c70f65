// SPDX-License-Identifier: MIT
// The executive handle table. Behaviour follows semantics.md §6 (WRK:handle); the code is
// ntemu's own. Comments cite the step they implement.
#include "ntemu/ex/handle_table.hpp"

#include <cstring>

#include <algorithm>
#include <cassert>
#include <thread>

namespace ntemu::ex {

template <Arch A>
struct HandleTable<A>::LowPage {
  Entry entries[Geometry::kLowLevelCount];
};

template <Arch A>
struct HandleTable<A>::MidPage {
  std::atomic<LowPage*> pages[Geometry::kMidLevelCount] = {};
};

template <Arch A>
struct HandleTable<A>::TopPage {
  std::atomic<MidPage*> pages[Geometry::kHighLevelCount] = {};
};

namespace {

// FirstFree is one 64-bit word: the head's handle value in the low 26 bits (values stay below
// 4 x 2^24) and, above them, the number of entries ever popped. That count is both the
// allocation half of HandleCount and the sequence number against A-B-A: it only grows, and a
// head can only come back to the same value through a pop, so a stale compare-exchange in
// allocate_entry() always fails. Pushes keep the count.
constexpr unsigned kPopShift = 26;
constexpr std::uint64_t pack_free(std::uint64_t pops, std::uint32_t value) {
  return (pops << kPopShift) | value;
}
constexpr std::uint64_t pops_of(std::uint64_t head) {
  return head >> kPopShift;
}

// Backs off while an entry is locked by another holder. NT blocks on the table's contention
// push lock; the model spins briefly, then yields the host CPU.
void wait_a_little(unsigned& spins) {
  if (++spins < 64) return;
  std::this_thread::yield();
}

}  // namespace

template <Arch A>
HandleTable<A>::HandleTable(HandleTableOptions options)
    : owner_(options.owner.value()),
      strict_fifo_(options.free_policy == FreePolicy::StrictFifo),
      max_low_pages_(options.max_low_level_pages == 0
                         ? Geometry::kMaxLowLevelPages
                         : std::min(options.max_low_level_pages, Geometry::kMaxLowLevelPages)) {
  // A new table starts at level 0 with one page, FirstFree = 4 (semantics.md §6.5).
  MutexLocker hold(lock_);
  [[maybe_unused]] const bool grew = expand_locked();
  assert(grew);
}

template <Arch A>
HandleTable<A>::~HandleTable() = default;

template <Arch A>
typename HandleTable<A>::Entry& HandleTable<A>::entry_at(std::uint64_t value) const {
  const std::uint64_t index = value / Handle::kValueIncrement;
  const std::uintptr_t code = table_code_.load(std::memory_order_acquire);
  const std::uintptr_t base = code & ~std::uintptr_t{3};
  constexpr std::uint64_t kLow = Geometry::kLowLevelCount;
  constexpr std::uint64_t kMid = Geometry::kMidLevelCount;
  LowPage* low = nullptr;
  switch (code & 3U) {
    case 0:
      low = reinterpret_cast<LowPage*>(base);
      break;
    case 1:
      low = reinterpret_cast<MidPage*>(base)->pages[index / kLow].load(std::memory_order_acquire);
      break;
    default: {
      MidPage* mid = reinterpret_cast<TopPage*>(base)->pages[index / (kLow * kMid)].load(
          std::memory_order_acquire);
      low = mid->pages[(index / kLow) % kMid].load(std::memory_order_acquire);
      break;
    }
  }
  return low->entries[index % kLow];
}

template <Arch A>
const typename HandleTable<A>::Entry* HandleTable<A>::lookup(Handle h) const {
  const std::uint64_t value = h.without_tag_bits().value();
  if (value >= next_handle_needing_pool()) return nullptr;
  return &entry_at(value);
}

template <Arch A>
bool HandleTable<A>::lock_entry(Entry& e) {
  // ExpLockHandleTableEntry: clear bit 0 with a compare-exchange; fail on a free entry.
  unsigned spins = 0;
  Word current = e.object_.load(std::memory_order_acquire);
  for (;;) {
    if (current == 0) return false;
    if ((current & Entry::kLockBit) != 0) {
      if (e.object_.compare_exchange_weak(current, current & ~Entry::kLockBit,
                                          std::memory_order_acquire, std::memory_order_acquire)) {
        return true;
      }
      continue;  // `current` was reloaded by the failed exchange
    }
    wait_a_little(spins);
    current = e.object_.load(std::memory_order_acquire);
  }
}

template <Arch A>
void HandleTable<A>::unlock(Entry* e) {
  assert(e != nullptr && e->is_locked());
  // Only the holder may change a locked word 0, so a plain release store of the lock bit is the
  // whole unlock (NT uses an interlocked OR for the same effect).
  e->object_.store(e->object_.load(std::memory_order_relaxed) | Entry::kLockBit,
                   std::memory_order_release);
}

template <Arch A>
typename HandleTable<A>::Entry* HandleTable<A>::map(Handle h) {
  // §6.4 ExMapHandleToPointer: reserved slots (index mod LOWLEVEL_COUNT == 0, h = 0 included)
  // and values at or above NextHandleNeedingPool map to nothing; otherwise lock the entry.
  Entry* e = usable_slot(h);
  return e != nullptr && lock_entry(*e) ? e : nullptr;
}

template <Arch A>
typename HandleTable<A>::Entry* HandleTable<A>::usable_slot(Handle h) const {
  const std::uint64_t value = h.without_tag_bits().value();
  if (value % Geometry::kPageSpan == 0 || value >= next_handle_needing_pool()) return nullptr;
  return &entry_at(value);
}

template <Arch A>
Handle HandleTable<A>::create(const HandleTableEntryTemplate& tmpl) {
  const std::uint64_t kWidthMask = static_cast<Word>(~Word{0});
  if (tmpl.object == 0 || (tmpl.object & Entry::kLockBit) != 0 ||
      (tmpl.object & ~kWidthMask) != 0) {
    return Handle{};
  }
  const auto [value, entry] = allocate_entry();
  if (entry == nullptr) return Handle{};
  // §6.4 ExCreateHandle step 2: copy the template, then unlock (word 0 = object | 1).
  Entry& e = *entry;
  e.value_.store(static_cast<Word>(tmpl.granted_access), std::memory_order_relaxed);
  e.object_.store(static_cast<Word>(tmpl.object) | Entry::kLockBit, std::memory_order_release);
  return Handle{value};
}

template <Arch A>
typename HandleTable<A>::Allocation HandleTable<A>::allocate_entry() {
  // §6.3 Allocate: pop FirstFree; when it is empty take the table lock, re-check, move
  // LastFree over, otherwise expand.
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
bool HandleTable<A>::destroy(Handle h, std::uint64_t* object) {
  // §6.4 ExDestroyHandle.
  Entry* slot = usable_slot(h);
  if (slot == nullptr) return false;
  Entry& e = *slot;
  // Lock the entry and exchange word 0 with 0 — done as one compare-exchange from the unlocked
  // value to 0, which is the same transition without an intermediate locked state.
  unsigned spins = 0;
  Word current = e.object_.load(std::memory_order_acquire);
  for (;;) {
    if (current == 0) return false;  // free: double destroy, or never allocated
    if ((current & Entry::kLockBit) != 0) {
      if (e.object_.compare_exchange_weak(current, 0, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
        break;
      }
      continue;
    }
    wait_a_little(spins);
    current = e.object_.load(std::memory_order_acquire);
  }
  frees_.fetch_add(1, std::memory_order_relaxed);
  if (object != nullptr) *object = static_cast<std::uint64_t>(current & Entry::kObjectMask);
  free_entry(static_cast<std::uint32_t>(h.without_tag_bits().value()), e);
  return true;
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
  if (page_index == 0) {
    // Every table's first page starts the same: copied whole from one prepared copy.
    static const LowPage* const first = [] {
      static LowPage prepared;
      fill_fresh(prepared, 0);
      return &prepared;
    }();
    std::memcpy(page->entries, first->entries, sizeof(first->entries));
  } else {
    fill_fresh(*page, first_index);
  }
  LowPage* const raw = page.get();

  const std::uintptr_t code = table_code_.load(std::memory_order_relaxed);
  const std::uintptr_t base = code & ~std::uintptr_t{3};
  switch (code & 3U) {
    case 0:
      if (base == 0) {  // the table's first page
        table_code_.store(reinterpret_cast<std::uintptr_t>(raw), std::memory_order_release);
        break;
      }
      {  // level 0 → 1: a mid-level page holding the old page and the new one
        auto mid = std::make_unique<MidPage>();
        mid->pages[0].store(reinterpret_cast<LowPage*>(base), std::memory_order_relaxed);
        mid->pages[1].store(raw, std::memory_order_relaxed);
        table_code_.store(reinterpret_cast<std::uintptr_t>(mid.get()) | 1U,
                          std::memory_order_release);
        mid_pages_.push_back(std::move(mid));
      }
      break;
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
std::uint32_t HandleTable<A>::handle_count() const {
  // Read the frees first: a destroy can only follow its create, so the difference never goes
  // negative even while other threads are creating and destroying.
  const std::uint64_t frees = frees_.load(std::memory_order_acquire);
  const std::uint64_t pops = pops_of(first_free_.load(std::memory_order_acquire));
  return static_cast<std::uint32_t>(pops - frees);
}

template <Arch A>
std::size_t HandleTable<A>::page_bytes() const {
  MutexLocker hold(lock_);
  return low_pages_.size() * sizeof(LowPage) + mid_pages_.size() * sizeof(MidPage) +
         (top_page_ ? sizeof(TopPage) : 0);
}

template class HandleTable<Arch::X86>;
template class HandleTable<Arch::X64>;

}  // namespace ntemu::ex
