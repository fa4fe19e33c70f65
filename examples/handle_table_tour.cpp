// SPDX-License-Identifier: MIT
// A guided tour of the executive handle table as PspCidTable (x86, Server 2003 rules,
// semantics.md §6): how client IDs are numbered, which values are reserved, how the table grows,
// and how freed IDs come back under StrictFIFO and LIFO. Deterministic output; docs/ shows it.
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "ntemu/ex/handle_table.hpp"

using namespace ntemu;
using namespace ntemu::ex;
using Table = HandleTable<Arch::X86>;

namespace {

// Model kernel addresses for the tour's objects (8-byte aligned, x86 system range).
constexpr std::uint64_t kSystemProcess = 0x8A3C2830;
constexpr std::uint64_t kFirstThread = 0x8A3C2020;
std::uint64_t object(std::uint64_t i) {
  return 0x8B000000 + i * 0x40;
}

void print_table(const char* name, const Table& t) {
  fmt::print(
      "{}: level {}, HandleCount {}, NextHandleNeedingPool {:#x}, FirstFree {:#x}, LastFree "
      "{:#x}\n",
      name, t.level(), t.handle_count(), t.next_handle_needing_pool(), t.first_free().value(),
      t.last_free().value());
}

void print_entry(Table& t, Handle h) {
  if (auto* e = ExMapHandleToPointer(t, h)) {
    fmt::print("  {:04x}: object {:08x}  access {:08x}  (word 0 while mapped: {:08x}, locked)\n",
               h.value(), e->object(), e->granted_access(), e->raw_object());
    ExUnlockHandleTableEntry(t, e);
  } else {
    fmt::print("  {:04x}: does not map\n", h.value());
  }
}

}  // namespace

int main() {
  fmt::print("== 1. A fresh PspCidTable (StrictFIFO), as at boot ==\n");
  Table cid({.free_policy = FreePolicy::StrictFifo});
  print_table("PspCidTable", cid);
  const Handle system_pid = ExCreateHandle(cid, {.object = kSystemProcess});
  const Handle first_tid = ExCreateHandle(cid, {.object = kFirstThread});
  fmt::print("ExCreateHandle(System process)       -> {:#x}   (Server 2003: System PID 4)\n",
             system_pid.value());
  fmt::print("ExCreateHandle(first system thread)  -> {:#x}   (its TID 8)\n", first_tid.value());
  print_table("PspCidTable", cid);

  fmt::print("\n== 2. The two tag bits are ignored ==\n");
  for (std::uint64_t v = 4; v < 8; ++v)
    print_entry(cid, Handle{v});

  fmt::print("\n== 3. Reserved values (0, every multiple of 0x800) and free ones never map ==\n");
  print_entry(cid, Handle{0});
  print_entry(cid, Handle{0x800});
  print_entry(cid, Handle{0xC});  // free: not handed out yet

  fmt::print("\n== 4. Filling page 0: 511 usable entries, then the table grows ==\n");
  std::vector<Handle> ids{system_pid, first_tid};
  Handle h{};
  for (std::uint64_t i = 2; i < 511; ++i)
    ids.push_back(h = ExCreateHandle(cid, {.object = object(i)}));
  fmt::print("the 511th value is {:#x}; ", h.value());
  print_table("PspCidTable", cid);
  h = ExCreateHandle(cid, {.object = object(511)});
  fmt::print("the next is {:#x} (0x800 is reserved); ", h.value());
  print_table("PspCidTable", cid);

  fmt::print("\n== 5. StrictFIFO: a freed ID waits until fresh IDs run out ==\n");
  fmt::print("ExDestroyHandle({:#x}) -> {}\n", ids[3].value(), ExDestroyHandle(cid, ids[3]));
  print_table("PspCidTable", cid);
  h = ExCreateHandle(cid, {.object = object(600)});
  fmt::print("next ExCreateHandle -> {:#x}, not {:#x}\n", h.value(), ids[3].value());
  fmt::print("ExDestroyHandle({:#x}) again -> {}   (double destroy detected)\n", ids[3].value(),
             ExDestroyHandle(cid, ids[3]));

  fmt::print("\n== 6. A process object table (LIFO): a closed handle comes straight back ==\n");
  Table objects({.owner = ProcessId{4}});
  const Handle a = ExCreateHandle(objects, {.object = object(1), .granted_access = 0x1F0FFF});
  const Handle b = ExCreateHandle(objects, {.object = object(2), .granted_access = 0x1F03FF});
  fmt::print("handles {:#x}, {:#x}; owner PID {}\n", a.value(), b.value(), objects.owner());
  const bool closed = ExDestroyHandle(objects, a);
  const Handle again = ExCreateHandle(objects, {.object = object(3)});
  fmt::print("close {:#x} -> {}; the next create -> {:#x}\n", a.value(), closed, again.value());
  ExSetHandleTableOwner(objects, ProcessId{0x1A4});
  fmt::print("ExSetHandleTableOwner(0x1a4): owner PID {:#x}\n", objects.owner().value());

  fmt::print("\n== 7. Enumeration (first five in-use CIDs) ==\n");
  int shown = 0;
  ExEnumHandleTable(cid, [&](const Table::Entry& e, Handle id) {
    fmt::print("  {:04x}: object {:08x}\n", id.value(), e.object());
    return ++shown == 5;
  });
  return 0;
}
