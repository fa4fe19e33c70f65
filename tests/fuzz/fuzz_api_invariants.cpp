// SPDX-License-Identifier: MIT
// ntemu_fuzz_api's invariant checks (fuzz_api_run.hpp; the list is in fuzz_api.cpp): PspCidTable
// against the objects (and, with pokes, against the verifier's findings), handles and counts,
// processes' thread lists, and the EX_CALLBACK fast-ref accounting. The fast-ref one runs after
// every step and inside every routine call, the PspCidTable ones every 8th step, the handle and
// process ones every 32nd, all of them on an audit step and at the end: counted in steps, so
// deterministic.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_api_run.hpp"
#include "ntemu/kernel.hpp"

namespace ntemu::fuzz_api {

// --- invariants ----------------------------------------------------------------------------
template <class Array>
void Run::check_array(const Array& a, std::map<const void*, std::int64_t>& extra) {
  std::uint32_t occupied = 0;
  for (std::uint32_t i = 0; i < a.size(); ++i) {
    if (a.slot(i) != nullptr) ++occupied;
    if (a.storage() != NotifyStorage::ExCallback) continue;
    const std::uint64_t raw = a.raw(i);
    if (raw == 0) continue;
    const ex::CallbackBlock* b = a.block(i);
    require(b != nullptr, "a slot word names no callback block");
    require(!b->is_freed(), "a slot holds a freed callback block");
    require(!b->RundownProtect.is_active(), "an installed callback block is being run down");
    const std::uint64_t cached = ex::FastRef::cached(raw, k.profile().arch);
    const std::uint64_t holders = b->RundownProtect.holders();
    require(holders >= cached + 1, "slot {}: {} rundown holders < {} cached + 1", i, holders,
            cached);
    extra[b->Function] += static_cast<std::int64_t>(holders - cached - 1);
  }
  if (!poked_slot) {
    require(a.count() == occupied, "registration counter {} but {} occupied slots", a.count(),
            occupied);
  }
}

void Run::check_fast_refs() {
  std::map<const void*, std::int64_t> extra;
  check_array(k.process_notify_array(), extra);
  check_array(k.thread_notify_array(), extra);
  for (const auto& [routine, n] : extra) {
    auto it = in_flight.find(routine);
    const int running = it == in_flight.end() ? 0 : it->second;
    require(n == running,
            "fast-ref accounting: {} extra rundown references for a "
            "routine with {} calls in flight",
            n, running);
  }
}

std::uint64_t Run::id_of(const ob::Object& o) {
  return o.type() == ob::ObjectType::Process ? static_cast<const ps::Process&>(o).pid().value()
                                             : static_cast<const ps::Thread&>(o).tid().value();
}

void Run::check_invariants(bool with_audit) {
  check_fast_refs();
  // The object-wide checks walk every object the run made and every table entry: every 8th
  // step, on an audit step and at the end (deterministic: counted in steps). Run after every
  // step they made an input's cost quadratic in its length — 47 inputs/s under ASan on the
  // seed corpus; every 8th step is enough to keep each violation within 8 steps of its cause.
  ++checks;
  if (!with_audit && checks % 8 != 0) return;
  const std::vector<ob::Object*> all = k.objects().all();
  // PspCidTable ↔ objects.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> entries;
  k.cid_table().enumerate(
      [&](Handle h, const ex::EntryView& e) { entries.emplace_back(h.value(), e.object); });
  std::map<std::uint64_t, int> per_object;
  std::size_t dangling = 0;
  std::size_t leaked = 0;
  for (const auto& [h, address] : entries) {
    ob::Object* o = k.objects().find(address);
    require(o != nullptr, "CID {:#x} names {:#x}, which is no object", h, address);
    if (o->is_deleted()) {
      ++dangling;
      continue;
    }
    ++per_object[address];
    if (id_of(*o) != h) ++leaked;
  }
  std::size_t duplicates = 0;
  for (const auto& [address, n] : per_object) {
    if (n > 1) ++duplicates;
  }
  if (!poked_pid) {
    require(dangling == 0 && leaked == 0 && duplicates == 0,
            "without pokes: {} dangling, {} leaked, {} duplicate CID entries", dangling, leaked,
            duplicates);
    for (ob::Object* o : all) {
      if (o->is_deleted() || o == &k.idle_process() || o == &k.idle_thread()) continue;
      const std::uint64_t id = id_of(*o);
      if (id == 0) continue;
      bool found = false;
      (void)k.cid_table().with_locked(
          Handle{id}, [&](const ex::EntryView& e) { found = e.object == o->address(); });
      require(found, "live {} with ID {:#x} has no PspCidTable entry", ob::to_string(o->type()),
              id);
    }
  }
  if (with_audit) {
    std::map<std::string, std::size_t> kinds;
    for (const Kernel::Finding& f : k.audit())
      ++kinds[std::string(verify::to_string(f.kind))];
    require(kinds["dangling-cid"] == dangling && kinds["leaked-cid"] == leaked &&
                kinds["duplicate-cid"] == duplicates,
            "audit says {}/{}/{} dangling/leaked/duplicate, the harness {}/{}/{}",
            kinds["dangling-cid"], kinds["leaked-cid"], kinds["duplicate-cid"], dangling, leaked,
            duplicates);
  }
  // Handles and counts: a walk of every object table, so every 32nd step and at the end only
  // (it dominates the cost of long inputs otherwise; the step count keeps it deterministic).
  // After an over-dereference an object may be deleted under its handles: not checked then.
  if (over_dereferenced) return;
  if (!with_audit && checks % 32 != 0) return;
  std::map<std::uint64_t, std::int64_t> handle_refs;
  for (ob::Object* o : all) {
    if (o->type() != ob::ObjectType::Process) continue;
    auto* p = static_cast<ps::Process*>(o);
    std::size_t n = 0;
    p->ObjectTable->enumerate([&](Handle h, const ex::EntryView& e) {
      ++n;
      ob::Object* target = k.objects().find(e.object);
      require(target != nullptr && !target->is_deleted(),
              "handle {:#x} of {} names a deleted or unknown object {:#x}", h.value(),
              p->ImageFileName, e.object);
      ++handle_refs[e.object];
    });
    if (p->is_deleted())
      require(n == 0, "deleted process {} holds {} handles", p->ImageFileName, n);
  }
  for (ob::Object* o : all) {
    const std::int64_t hc = o->handle_count();
    const std::int64_t pc = o->pointer_count();
    require(hc == handle_refs[o->address()], "{} {:#x}: HandleCount {} but {} handles name it",
            ob::to_string(o->type()), o->address(), hc, handle_refs[o->address()]);
    if (o->is_deleted()) {
      require(pc == 0 && hc == 0, "{} {:#x} is deleted but has PointerCount {}, HandleCount {}",
              ob::to_string(o->type()), o->address(), pc, hc);
    } else {
      require(pc >= hc && pc > 0, "{} {:#x}: PointerCount {} < HandleCount {}",
              ob::to_string(o->type()), o->address(), pc, hc);
    }
    if (o->type() != ob::ObjectType::Process || o->is_deleted()) continue;
    auto* p = static_cast<ps::Process*>(o);
    MutexLocker hold(p->ProcessLock);
    std::uint32_t running = 0;
    for (ps::Thread* t : p->ThreadListHead) {
      require(!t->is_deleted() && t->ThreadsProcess == p,
              "a process lists a deleted or foreign thread");
      if ((t->CrossThreadFlags.load() & ps::Thread::kFlagTerminated) == 0) ++running;
    }
    require(p->ActiveThreads == running, "{}: ActiveThreads {} but {} listed threads running",
            p->ImageFileName, p->ActiveThreads, running);
  }
}

}  // namespace ntemu::fuzz_api
