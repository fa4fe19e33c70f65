// SPDX-License-Identifier: MIT
// The executive handle table against semantics.md §6 and the acceptance behaviours of §9.
// Test names give the §9 item, the version and the source tag they check.
#include "ntemu/ex/handle_table.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include <doctest/doctest.h>

using namespace ntemu;
using namespace ntemu::ex;

namespace {

using X86Table = HandleTable<Arch::X86>;
using X64Table = HandleTable<Arch::X64>;

// A plausible, 8-byte aligned model kernel address for the i-th object.
constexpr std::uint64_t object_address(std::uint64_t i) {
  return 0x81000000ULL + i * 0x20;
}

HandleTableOptions cid_table_options() {
  return {.free_policy = FreePolicy::StrictFifo};
}

template <Arch A>
Handle must_create(HandleTable<A>& t, std::uint64_t i) {
  Handle h = ExCreateHandle(t, {.object = object_address(i), .granted_access = 0});
  REQUIRE(h.value() != 0);
  return h;
}

// Creates handles until the table has `pages` low-level pages and FirstFree is empty.
template <Arch A>
std::vector<Handle> fill_pages(HandleTable<A>& t, std::uint32_t pages) {
  std::vector<Handle> out;
  const std::size_t usable = std::size_t{pages} * (HandleTableGeometry<A>::kLowLevelCount - 1);
  out.reserve(usable);
  for (std::size_t i = 0; i < usable; ++i)
    out.push_back(must_create(t, i));
  return out;
}

template <Arch A>
std::uint64_t mapped_object(HandleTable<A>& t, Handle h) {
  LockedEntry<A> e(t, h);
  return e ? e->object() : 0;
}

}  // namespace

TEST_CASE("handle table: entries are two pointers wide (8 bytes x86, 16 bytes x64)") {
  CHECK(sizeof(X86Table::Entry) == 8);
  CHECK(sizeof(X64Table::Entry) == 16);
  CHECK(HandleTableGeometry<Arch::X86>::kLowLevelCount * sizeof(X86Table::Entry) == 4096);
  CHECK(HandleTableGeometry<Arch::X64>::kLowLevelCount * sizeof(X64Table::Entry) == 4096);
  CHECK(HandleTableGeometry<Arch::X86>::kHighLevelCount == 32);
  CHECK(HandleTableGeometry<Arch::X64>::kHighLevelCount == 128);
  CHECK(HandleTableGeometry<Arch::X86>::kPageSpan == 0x800);
  CHECK(HandleTableGeometry<Arch::X64>::kPageSpan == 0x400);
}

TEST_CASE("§9.1 [2003 x86, WRK:handle] a fresh PspCidTable hands out 4 then 8, HandleCount 2") {
  X86Table cid(cid_table_options());
  CHECK(cid.handle_count() == 0);
  CHECK(cid.level() == 0);
  CHECK(cid.first_free() == Handle{4});
  CHECK(ExCreateHandle(cid, {.object = object_address(1)}) == Handle{4});
  CHECK(ExCreateHandle(cid, {.object = object_address(2)}) == Handle{8});
  CHECK(cid.handle_count() == 2);
}

TEST_CASE(
    "§9.3 [2003 x86, WRK:handle] 0 and multiples of 0x800 never map and are never handed out") {
  X86Table cid(cid_table_options());
  CHECK(ExMapHandleToPointer(cid, Handle{0}) == nullptr);
  auto handles = fill_pages(cid, 3);  // past 511 entries: three pages
  CHECK(cid.level() == 1);
  for (Handle h : handles)
    REQUIRE(h.value() % 0x800 != 0);
  CHECK(ExMapHandleToPointer(cid, Handle{0}) == nullptr);
  CHECK(ExMapHandleToPointer(cid, Handle{0x800}) == nullptr);
  CHECK(ExMapHandleToPointer(cid, Handle{0x1000}) == nullptr);
  CHECK(ExMapHandleToPointer(cid, Handle{0x801}) == nullptr);  // tag bits do not dodge it
  // The reserved slot is there, carrying the -2 signature in word 1.
  const auto* reserved = cid.lookup(Handle{0x800});
  REQUIRE(reserved != nullptr);
  CHECK(reserved->is_free());
  CHECK(reserved->raw_value() == X86Table::Entry::kReservedSignature);
}

TEST_CASE("§9.3 [2003 x64, WRK:handle] on x64 the reserved values are multiples of 0x400") {
  X64Table cid(cid_table_options());
  auto handles = fill_pages(cid, 3);
  CHECK(handles.size() == 3 * 255);
  CHECK(handles[254] == Handle{0x3FC});
  CHECK(handles[255] == Handle{0x404});
  for (Handle h : handles)
    REQUIRE(h.value() % 0x400 != 0);
  CHECK(ExMapHandleToPointer(cid, Handle{0x400}) == nullptr);
  CHECK(ExMapHandleToPointer(cid, Handle{0x800}) == nullptr);
}

TEST_CASE(
    "§9.4 [2003 x86, WRK:handle] 511 entries fill page 0 (4..0x7FC), the next is 0x804 at level "
    "1") {
  X86Table cid(cid_table_options());
  auto handles = fill_pages(cid, 1);
  REQUIRE(handles.size() == 511);
  CHECK(handles.front() == Handle{4});
  CHECK(handles.back() == Handle{0x7FC});
  for (std::size_t i = 0; i < handles.size(); ++i)
    REQUIRE(handles[i] == Handle{(i + 1) * 4});
  CHECK(cid.level() == 0);
  CHECK(cid.first_free() == Handle{0});
  CHECK(ExCreateHandle(cid, {.object = object_address(600)}) == Handle{0x804});
  CHECK(cid.level() == 1);
  CHECK(cid.handle_count() == 512);
  CHECK(cid.next_handle_needing_pool() == 0x1000);
}

TEST_CASE(
    "§9.8 [2003 StrictFIFO, WRK:handle/psinit] a freed ID is not reused while fresh ones remain") {
  X86Table cid(cid_table_options());
  Handle a = must_create(cid, 1);
  Handle b = must_create(cid, 2);
  must_create(cid, 3);
  REQUIRE(ExDestroyHandle(cid, b));
  CHECK(cid.last_free() == b);  // strict tables free onto LastFree
  Handle next = must_create(cid, 4);
  CHECK(next != b);
  CHECK(next == Handle{0x10});
  REQUIRE(ExDestroyHandle(cid, a));
  CHECK(must_create(cid, 5) == Handle{0x14});
}

TEST_CASE(
    "§9.9 [2003 StrictFIFO, WRK:handle] one pending free (<100) makes the table expand first") {
  X86Table cid(cid_table_options());
  auto handles = fill_pages(cid, 1);
  REQUIRE(ExDestroyHandle(cid, Handle{0x10}));
  CHECK(must_create(cid, 1000) == Handle{0x804});
  CHECK(cid.level() == 1);
  // The 511 new values come first (0x804 was the first of them), then the recycled 0x10.
  std::vector<Handle> next;
  for (std::uint64_t i = 0; i < 510; ++i)
    next.push_back(must_create(cid, 2000 + i));
  CHECK(next.front() == Handle{0x808});
  CHECK(next.back() == Handle{0xFFC});
  CHECK(std::find(next.begin(), next.end(), Handle{0x10}) == next.end());
  CHECK(must_create(cid, 3000) == Handle{0x10});
}

TEST_CASE(
    "§9.10 [2003 StrictFIFO, WRK:handle] >=100 pending frees are reused oldest first, no "
    "expansion") {
  X86Table cid(cid_table_options());
  auto handles = fill_pages(cid, 1);
  // Free 150 IDs in a scattered order; they must come back in exactly that order.
  std::vector<Handle> freed;
  for (std::size_t i = 0; i < 150; ++i)
    freed.push_back(handles[(i * 13) % handles.size()]);
  REQUIRE(std::set<Handle>(freed.begin(), freed.end()).size() == freed.size());
  for (Handle h : freed)
    REQUIRE(ExDestroyHandle(cid, h));
  CHECK(cid.first_free() == Handle{0});
  for (std::size_t i = 0; i < freed.size(); ++i) {
    CAPTURE(i);
    REQUIRE(must_create(cid, 5000 + i) == freed[i]);
  }
  CHECK(cid.level() == 0);
  CHECK(cid.low_level_pages() == 1);
}

TEST_CASE(
    "§9.11 [non-strict, WRK:handle] a process handle table reuses the last freed handle (LIFO)") {
  X86Table objects({.free_policy = FreePolicy::Lifo});
  Handle h1 = must_create(objects, 1);
  Handle h2 = must_create(objects, 2);
  Handle h3 = must_create(objects, 3);
  REQUIRE(ExDestroyHandle(objects, h2));
  CHECK(must_create(objects, 4) == h2);
  REQUIRE(ExDestroyHandle(objects, h1));
  REQUIRE(ExDestroyHandle(objects, h3));
  CHECK(must_create(objects, 5) == h3);
  CHECK(must_create(objects, 6) == h1);
  CHECK(objects.last_free() == Handle{0});
}

TEST_CASE(
    "§9.12 [2003, WRK:handle] destroy twice -> true then false, never-allocated or reserved -> "
    "false") {
  X86Table cid(cid_table_options());
  Handle h = must_create(cid, 1);
  CHECK(ExDestroyHandle(cid, h));
  CHECK_FALSE(ExDestroyHandle(cid, h));
  CHECK_FALSE(ExDestroyHandle(cid, Handle{0x40}));     // inside the page, never allocated
  CHECK_FALSE(ExDestroyHandle(cid, Handle{0x10000}));  // beyond NextHandleNeedingPool
  CHECK_FALSE(ExDestroyHandle(cid, Handle{0}));
  CHECK_FALSE(ExDestroyHandle(cid, Handle{0x800}));
  CHECK_FALSE(ExDestroyHandle(cid, Handle{0xFFFFFFFFFFFFFFFCULL}));
  CHECK(cid.handle_count() == 0);
}

TEST_CASE("handle table: the two tag bits are ignored by map and destroy") {
  X86Table t;
  Handle h = must_create(t, 7);
  for (std::uint64_t tag = 0; tag < 4; ++tag) {
    CHECK(mapped_object(t, Handle{h.value() | tag}) == object_address(7));
  }
  CHECK(ExDestroyHandle(t, Handle{h.value() | 3}));
  CHECK(mapped_object(t, h) == 0);
}

TEST_CASE("handle table: map returns the entry locked, unlock releases it") {
  X86Table t;
  Handle h = ExCreateHandle(t, {.object = object_address(3) | 2, .granted_access = 0x1F0FFF});
  auto* e = ExMapHandleToPointer(t, h);
  REQUIRE(e != nullptr);
  CHECK(e->is_locked());
  CHECK(e->object() == object_address(3));
  CHECK(e->attributes() == 2);
  CHECK(e->granted_access() == 0x1F0FFFU);
  CHECK((e->raw_object() & 1) == 0);
  ExUnlockHandleTableEntry(t, e);
  CHECK_FALSE(e->is_locked());
  CHECK(e->raw_object() == (object_address(3) | 2 | 1));
  {
    LockedEntry<Arch::X86> held(t, h);
    REQUIRE(held);
    CHECK(held->is_locked());
  }
  CHECK_FALSE(t.lookup(h)->is_locked());
  CHECK(ExMapHandleToPointer(t, Handle{h.value() + 4}) == nullptr);  // free
}

TEST_CASE("handle table: an invalid object template creates nothing") {
  X86Table t;
  CHECK(ExCreateHandle(t, {.object = 0}) == Handle{});
  CHECK(ExCreateHandle(t, {.object = object_address(1) | 1}) == Handle{});  // lock bit set
  CHECK(ExCreateHandle(t, {.object = 0x1'0000'0000ULL}) == Handle{});       // wider than x86
  CHECK(t.handle_count() == 0);
  X64Table w;
  CHECK(ExCreateHandle(w, {.object = 0xFFFFFA80'01234560ULL}) == Handle{4});
  CHECK(mapped_object(w, Handle{4}) == 0xFFFFFA80'01234560ULL);
}

TEST_CASE(
    "handle table: owner starts as the creator's PID, ExSetHandleTableOwner changes only it") {
  X86Table t({.owner = ProcessId{8}});
  CHECK(t.owner() == ProcessId{8});
  Handle h = must_create(t, 1);
  ExSetHandleTableOwner(t, ProcessId{0x1A4});
  CHECK(t.owner() == ProcessId{0x1A4});
  CHECK(t.handle_count() == 1);
  CHECK(mapped_object(t, h) == object_address(1));
}

TEST_CASE("handle table: ExSetHandleTableStrictFIFO switches a table to FIFO reuse") {
  X86Table t;
  CHECK(t.free_policy() == FreePolicy::Lifo);
  ExSetHandleTableStrictFIFO(t);
  CHECK(t.free_policy() == FreePolicy::StrictFifo);
  Handle a = must_create(t, 1);
  must_create(t, 2);
  REQUIRE(ExDestroyHandle(t, a));
  CHECK(must_create(t, 3) == Handle{0xC});
}

TEST_CASE("handle table: ExEnumHandleTable visits in-use entries in order, locked, and can stop") {
  X86Table t;
  std::vector<Handle> made;
  for (std::uint64_t i = 0; i < 600; ++i)
    made.push_back(must_create(t, i));
  REQUIRE(ExDestroyHandle(t, made[1]));
  REQUIRE(ExDestroyHandle(t, made[300]));
  std::vector<Handle> seen;
  bool all_locked = true;
  bool stopped = ExEnumHandleTable(t, [&](const X86Table::Entry& e, Handle h) {
    all_locked = all_locked && e.is_locked();
    seen.push_back(h);
    return false;
  });
  CHECK_FALSE(stopped);
  CHECK(all_locked);
  CHECK(seen.size() == 598);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::find(seen.begin(), seen.end(), made[1]) == seen.end());

  Handle found{};
  stopped = ExEnumHandleTable(
      t, [&](const X86Table::Entry& e, Handle) { return e.object() == object_address(512); },
      &found);
  CHECK(stopped);
  CHECK(found == made[512]);
  CHECK_FALSE(t.lookup(found)->is_locked());
}

TEST_CASE("handle table: levels grow 0 -> 1 -> 2 (x64: 512 pages per mid-level page)") {
  X64Table t;
  fill_pages(t, 1);
  CHECK(t.level() == 0);
  must_create(t, 1);
  CHECK(t.level() == 1);
  // Fill the first mid-level page (512 low pages) and step into level 2.
  constexpr std::uint32_t kMid = HandleTableGeometry<Arch::X64>::kMidLevelCount;
  const std::size_t to_fill = std::size_t{kMid} * 255 - t.handle_count();
  for (std::size_t i = 0; i < to_fill; ++i)
    must_create(t, i);
  CHECK(t.level() == 1);
  CHECK(t.low_level_pages() == kMid);
  Handle h = must_create(t, 99);
  CHECK(t.level() == 2);
  CHECK(h == Handle{std::uint64_t{kMid} * 0x400 + 4});
  CHECK(mapped_object(t, h) == object_address(99));
  CHECK(mapped_object(t, Handle{4}) == object_address(0));
}

TEST_CASE("handle table: the model page limit makes creation fail with NULL, nothing half-done") {
  X86Table t({.max_low_level_pages = 2});
  auto handles = fill_pages(t, 2);
  CHECK(handles.size() == 1022);
  CHECK(ExCreateHandle(t, {.object = object_address(1)}) == Handle{});
  CHECK(t.handle_count() == 1022);
  CHECK(t.low_level_pages() == 2);
  // Freeing one makes room again (LIFO table: immediate reuse).
  REQUIRE(ExDestroyHandle(t, handles[10]));
  CHECK(ExCreateHandle(t, {.object = object_address(2)}) == handles[10]);
}

TEST_CASE("handle table: a strict table at its limit still hands out moved frees (<100)") {
  X86Table t({.free_policy = FreePolicy::StrictFifo, .max_low_level_pages = 1});
  auto handles = fill_pages(t, 1);
  REQUIRE(ExDestroyHandle(t, handles[5]));
  REQUIRE(ExDestroyHandle(t, handles[6]));
  // Expansion is forced (fewer than 100 frees) but fails; the moved entries serve, oldest first.
  CHECK(must_create(t, 1) == handles[5]);
  CHECK(must_create(t, 2) == handles[6]);
  CHECK(ExCreateHandle(t, {.object = object_address(3)}) == Handle{});
}

namespace {
// Fills a table to the 2^24-slot cap: creation then fails with NULL, nothing changes, and the
// pages cost one entry per slot plus under 2 % of mid- and top-level overhead.
template <Arch A>
void fill_to_cap(std::size_t expected_usable, std::size_t entry_bytes) {
  using G = HandleTableGeometry<A>;
  HandleTable<A> cid(cid_table_options());
  const std::size_t usable = std::size_t{G::kMaxLowLevelPages} * (G::kLowLevelCount - 1);
  CHECK(usable == expected_usable);
  Handle last{};
  for (std::size_t i = 0; i < usable; ++i) {
    last = ExCreateHandle(cid, {.object = object_address(i & 0xFFFFF)});
    if (last.value() == 0) break;
  }
  CHECK(cid.handle_count() == usable);
  CHECK(last == Handle{(std::uint64_t{G::kMaxHandles} - 1) * 4});
  CHECK(cid.level() == 2);
  CHECK(ExCreateHandle(cid, {.object = object_address(1)}) == Handle{});
  CHECK(cid.handle_count() == usable);
  const std::size_t low_bytes = std::size_t{G::kMaxLowLevelPages} * G::kLowLevelCount * entry_bytes;
  CHECK(cid.page_bytes() >= low_bytes);
  CHECK(cid.page_bytes() < low_bytes + low_bytes / 50);
}
}  // namespace

TEST_CASE("handle table: x86 tops out at 2^24 index slots, then ExCreateHandle returns NULL") {
  fill_to_cap<Arch::X86>(16'744'448, 8);
}

TEST_CASE("handle table: x64 tops out at 2^24 index slots, then ExCreateHandle returns NULL") {
  fill_to_cap<Arch::X64>(16'711'680, 16);
}
