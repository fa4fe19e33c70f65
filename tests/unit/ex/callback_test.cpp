// SPDX-License-Identifier: MIT
// EX_CALLBACK: fast references, rundown protection and block exchange, bit for bit against
// semantics.md §5 and the §9 items 33–36; the accounting invariant of §5.6 at every step.
#include "ntemu/ex/callback.hpp"

#include <vector>

#include <doctest/doctest.h>

using namespace ntemu;
using namespace ntemu::ex;

namespace {
int g_dummy_routine_marker = 0;
const void* routine() {
  return &g_dummy_routine_marker;
}

// Installs a fresh block in an empty slot.
CallbackBlock* install(CallbackManager& m, ExCallback& slot) {
  CallbackBlock* b = m.ExAllocateCallBack(routine(), nullptr);
  REQUIRE(b != nullptr);
  REQUIRE(m.ExCompareExchangeCallBack(slot, b, nullptr));
  return b;
}
}  // namespace

TEST_CASE(
    "§9.33 [x86, WRK:callback] installed: low bits 7, rundown 8, one caller in flight: 6, after: "
    "7") {
  CallbackManager m(Arch::X86);
  ExCallback slot;
  CallbackBlock* b = install(m, slot);
  CHECK(slot.raw() == (b->address() | 7));
  CHECK(b->RundownProtect.raw() == 16);  // 8 holders
  CHECK(m.accounting_holds(slot, 0));
  CallbackBlock* r = m.ExReferenceCallBackBlock(slot);
  CHECK(r == b);
  CHECK(FastRef::cached(slot.raw(), Arch::X86) == 6);
  CHECK(b->RundownProtect.holders() == 8);
  CHECK(m.accounting_holds(slot, 1));
  CHECK(r->Function == routine());
  m.ExDereferenceCallBackBlock(slot, r);
  CHECK(FastRef::cached(slot.raw(), Arch::X86) == 7);
  CHECK(m.accounting_holds(slot, 0));
}

TEST_CASE(
    "§9.34 [x86, WRK:callback] 7 nested references replenish the cache: bits 7, count 15, 7 "
    "releases: 7, 8") {
  CallbackManager m(Arch::X86);
  ExCallback slot;
  CallbackBlock* b = install(m, slot);
  std::vector<CallbackBlock*> held;
  for (std::uint64_t i = 1; i <= 7; ++i) {
    held.push_back(m.ExReferenceCallBackBlock(slot));
    REQUIRE(held.back() == b);
    CHECK(m.accounting_holds(slot, i));
  }
  CHECK(FastRef::cached(slot.raw(), Arch::X86) == 7);
  CHECK(b->RundownProtect.holders() == 15);
  for (std::uint64_t i = 7; i >= 1; --i) {
    m.ExDereferenceCallBackBlock(slot, held[i - 1]);
    CHECK(m.accounting_holds(slot, i - 1));
  }
  CHECK(FastRef::cached(slot.raw(), Arch::X86) == 7);
  CHECK(b->RundownProtect.holders() == 8);
}

TEST_CASE("§5.1 [x64] 4 cached bits: installed with 15, rundown 16") {
  CallbackManager m(Arch::X64);
  ExCallback slot;
  CallbackBlock* b = install(m, slot);
  CHECK(slot.raw() == (b->address() | 15));
  CHECK(b->RundownProtect.holders() == 16);
  std::vector<CallbackBlock*> held;
  for (std::uint64_t i = 1; i <= 15; ++i)
    held.push_back(m.ExReferenceCallBackBlock(slot));
  CHECK(FastRef::cached(slot.raw(), Arch::X64) == 15);
  CHECK(b->RundownProtect.holders() == 31);
  CHECK(m.accounting_holds(slot, 15));
  for (CallbackBlock* h : held)
    m.ExDereferenceCallBackBlock(slot, h);
  CHECK(m.accounting_holds(slot, 0));
}

TEST_CASE(
    "§9.35 [2003, WRK:callback] exchange against the wrong old block fails and gives New's charge "
    "back") {
  CallbackManager m(Arch::X86);
  ExCallback slot;
  CallbackBlock* a = install(m, slot);
  CallbackBlock* n = m.ExAllocateCallBack(routine(), nullptr);
  CHECK_FALSE(m.ExCompareExchangeCallBack(slot, n, nullptr));
  CHECK(n->RundownProtect.raw() == 0);
  CHECK(slot.raw() == (a->address() | 7));
  // Swap to NULL: the slot empties, and referencing it gives NULL.
  REQUIRE(m.ExCompareExchangeCallBack(slot, nullptr, a));
  CHECK(slot.raw() == 0);
  CHECK(m.ExReferenceCallBackBlock(slot) == nullptr);
  CHECK(a->RundownProtect.holders() == 0);  // 7 cached + the slot's own went back
}

TEST_CASE(
    "§9.36 [2003, WRK:callback] after a completed removal the old block is run down for good") {
  CallbackManager m(Arch::X86);
  ExCallback slot;
  CallbackBlock* a = install(m, slot);
  // The removal sequence of §5.5: reference, swap to NULL, dereference, wait, free.
  CallbackBlock* r = m.ExReferenceCallBackBlock(slot);
  REQUIRE(m.ExCompareExchangeCallBack(slot, nullptr, r));
  m.ExDereferenceCallBackBlock(slot, r);  // the slot changed: a rundown release
  m.ExWaitForCallBacks(a);
  m.ExFreeCallBack(a);
  CHECK(a->RundownProtect.is_active());
  CHECK(a->RundownProtect.raw() == RundownRef::kActive);
  CHECK_FALSE(a->RundownProtect.acquire(1));
  CHECK(a->is_freed());
  CHECK(m.block_at(a->address()) == a);  // a tombstone, still readable
}

TEST_CASE(
    "callback: the slow path takes a rundown reference under the flush lock when the cache is "
    "empty") {
  CallbackManager m(Arch::X86);
  ExCallback slot;
  CallbackBlock* a = install(m, slot);
  // Model a cache exhausted by callers whose replenish lost a race: bits 0, 7 callers in flight.
  slot.RoutineBlock.store(a->address());
  CHECK(m.accounting_holds(slot, 7));
  CallbackBlock* r = m.ExReferenceCallBackBlock(slot);
  CHECK(r == a);
  CHECK(a->RundownProtect.holders() == 9);
  CHECK(m.accounting_holds(slot, 8));
  // The dereference puts it into the (empty) cache instead of releasing.
  m.ExDereferenceCallBackBlock(slot, r);
  CHECK(FastRef::cached(slot.raw(), Arch::X86) == 1);
  CHECK(m.accounting_holds(slot, 7));
  // A block under rundown is not handed out by the slow path.
  slot.RoutineBlock.store(a->address());
  CallbackBlock* b = m.ExAllocateCallBack(routine(), nullptr);
  ExCallback other;
  other.RoutineBlock.store(b->address());
  b->RundownProtect.wait();  // no holders: active at once
  CHECK(m.ExReferenceCallBackBlock(other) == nullptr);
}

TEST_CASE("callback: pool exhaustion makes ExAllocateCallBack return NULL") {
  CallbackManager m(Arch::X86, 2);
  CHECK(m.ExAllocateCallBack(routine(), nullptr) != nullptr);
  CallbackBlock* second = m.ExAllocateCallBack(routine(), nullptr);
  CHECK(second != nullptr);
  CHECK(m.ExAllocateCallBack(routine(), nullptr) == nullptr);
  CHECK(second->address() % 16 == 0);
  CHECK(m.block_at(second->address() + 8) == nullptr);
  CHECK(m.block_at(0x1234) == nullptr);
}

TEST_CASE(
    "rundown: acquire and release count in steps of 2, wait with no holders turns it active at "
    "once") {
  RundownRef r;
  CHECK(r.acquire(3));
  CHECK(r.raw() == 6);
  r.release(2);
  CHECK(r.raw() == 2);
  r.release(1);
  r.wait();
  CHECK(r.raw() == RundownRef::kActive);
  CHECK_FALSE(r.acquire(1));
  r.reinitialize();
  CHECK(r.acquire(1));
}
