// SPDX-License-Identifier: MIT
// The executive handle table: finding, locking, creating and destroying entries, and the
// handle count. Behaviour follows semantics.md §6 (WRK:handle); the code is ntemu's own.
// Comments cite the step they implement. The free lists and growth are in
// handle_table_alloc.cpp.
#include "ntemu/ex/handle_table.hpp"

#include <cassert>
#include <thread>

#include "handle_table_layout.hpp"
#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::ex {

using handle_table_detail::pops_of;

namespace {

// Backs off while an entry is locked by another holder. NT blocks on the table's contention
// push lock; the model spins briefly, then yields the host CPU.
void wait_a_little(unsigned& spins) {
  if (++spins < 64) return;
  std::this_thread::yield();
}

// Waits for another holder to unlock `e`. Under a controlled scheduler that holder is another
// CPU parked at a scheduling point: this CPU is blocked until the entry is unlocked or freed.
template <class Entry>
void wait_for_entry(const Entry& e, unsigned& spins) {
  if (!sched::controlled()) return wait_a_little(spins);
  sched::wait(
      sched::Access::Acquire, &e, "ExpLockHandleTableEntry",
      [](const void* p) {
        const Entry& entry = *static_cast<const Entry*>(p);
        return entry.is_free() || !entry.is_locked();
      },
      &e);
}

}  // namespace

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
  sched::point(sched::Access::Write, &e, "ExpLockHandleTableEntry");
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
    wait_for_entry(e, spins);
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
bool HandleTable<A>::destroy(Handle h, std::uint64_t* object) {
  // §6.4 ExDestroyHandle.
  Entry* slot = usable_slot(h);
  if (slot == nullptr) return false;
  Entry& e = *slot;
  // Lock the entry and exchange word 0 with 0 — done as one compare-exchange from the unlocked
  // value to 0, which is the same transition without an intermediate locked state.
  sched::point(sched::Access::Write, &e, "ExDestroyHandle");
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
    wait_for_entry(e, spins);
    current = e.object_.load(std::memory_order_acquire);
  }
  frees_.fetch_add(1, std::memory_order_relaxed);
  if (object != nullptr) *object = static_cast<std::uint64_t>(current & Entry::kObjectMask);
  free_entry(static_cast<std::uint32_t>(h.without_tag_bits().value()), e);
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

template class HandleTable<Arch::X86>;
template class HandleTable<Arch::X64>;

}  // namespace ntemu::ex
