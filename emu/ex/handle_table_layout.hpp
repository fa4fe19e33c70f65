// SPDX-License-Identifier: MIT
// The handle table's private layout, shared by its two halves: handle_table.cpp (finding,
// locking, creating and destroying entries) and handle_table_alloc.cpp (the free lists and
// growing the table). Not a public header.
#pragma once

#include <atomic>
#include <cstdint>

#include "ntemu/ex/handle_table.hpp"

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

namespace handle_table_detail {

// FirstFree is one 64-bit word: the head's handle value in the low 26 bits (values stay below
// 4 x 2^24) and, above them, the number of entries ever popped. That count is both the
// allocation half of HandleCount and the sequence number against A-B-A: it only grows, and a
// head can only come back to the same value through a pop, so a stale compare-exchange in
// allocate_entry() always fails. Pushes keep the count.
inline constexpr unsigned kPopShift = 26;
constexpr std::uint64_t pack_free(std::uint64_t pops, std::uint32_t value) {
  return (pops << kPopShift) | value;
}
constexpr std::uint64_t pops_of(std::uint64_t head) {
  return head >> kPopShift;
}

}  // namespace handle_table_detail
}  // namespace ntemu::ex
