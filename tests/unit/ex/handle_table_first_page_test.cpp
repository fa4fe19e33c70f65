// SPDX-License-Identifier: MIT
// The handle table's first page: shared by every new table until the table's first handle
// (a process that never holds a handle costs no page), and the table's own copy after that.
#include <doctest/doctest.h>

#include <cstdint>

#include "ntemu/ex/handle_table.hpp"

using namespace ntemu;

namespace {

template <Arch A>
void check_fresh_tables() {
  using Table = ex::HandleTable<A>;
  using Geometry = ex::HandleTableGeometry<A>;
  Table a;
  Table b;
  // A new table is at level 0 with one page and FirstFree = 4 (semantics.md §6.5), but holds
  // no host page yet.
  CHECK(a.level() == 0);
  CHECK(a.low_level_pages() == 1);
  CHECK(a.next_handle_needing_pool() == Geometry::kPageSpan);
  CHECK(a.first_free() == Handle{4});
  CHECK(a.handle_count() == 0);
  CHECK(a.page_bytes() == 0);
  // Reading it finds free entries and changes nothing.
  const auto* e = a.lookup(Handle{4});
  REQUIRE(e != nullptr);
  CHECK(e->is_free());
  CHECK(a.map(Handle{4}) == nullptr);
  CHECK_FALSE(a.destroy(Handle{4}));
  CHECK_FALSE(a.enumerate([](auto&, Handle) { return true; }));
  CHECK(a.page_bytes() == 0);
  CHECK(a.first_free() == Handle{4});

  // The first handle gives the table its own page; the other table is untouched.
  const Handle h = a.create({.object = 0x89A01000, .granted_access = 0x1F0FFF});
  CHECK(h == Handle{4});
  CHECK(a.page_bytes() == Geometry::kLowLevelCount * sizeof(typename Table::Entry));
  const auto* mine = a.lookup(h);
  REQUIRE(mine != nullptr);
  CHECK(mine->object() == 0x89A01000);
  CHECK(mine->granted_access() == 0x1F0FFF);
  const auto* theirs = b.lookup(h);
  REQUIRE(theirs != nullptr);
  CHECK(theirs->is_free());
  CHECK(b.page_bytes() == 0);
  CHECK(b.map(h) == nullptr);
  // The second table's first handle is 4 as well, in its own page.
  CHECK(b.create({.object = 0x89A02000, .granted_access = 0}) == Handle{4});
  CHECK(a.lookup(h)->object() == 0x89A01000);
  CHECK(b.lookup(h)->object() == 0x89A02000);
  // Freed and reused as before: LIFO.
  CHECK(a.destroy(h));
  CHECK(a.create({.object = 0x89A03000, .granted_access = 0}) == Handle{4});
}

}  // namespace

TEST_CASE("handle table: a new table shares its first page until its first handle (x86)") {
  check_fresh_tables<Arch::X86>();
}

TEST_CASE("handle table: a new table shares its first page until its first handle (x64)") {
  check_fresh_tables<Arch::X64>();
}

TEST_CASE("handle table: a table that grows past its first page keeps every entry") {
  ex::HandleTable<Arch::X86> t;
  std::uint32_t made = 0;
  // Two pages' worth: the first page is made the table's own, then the table goes to level 1.
  for (std::uint32_t i = 0; i < 2 * 511; ++i) {
    if (t.create({.object = 0x89A01000 + 8 * std::uint64_t{i}, .granted_access = 0}).value() != 0)
      ++made;
  }
  CHECK(made == 2 * 511);
  CHECK(t.level() == 1);
  CHECK(t.handle_count() == 2 * 511);
  CHECK(t.lookup(Handle{4})->object() == 0x89A01000);
  CHECK(t.lookup(Handle{0x804})->object() == 0x89A01000 + 8 * 511);
}
