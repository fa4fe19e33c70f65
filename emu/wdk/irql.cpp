// SPDX-License-Identifier: MIT
// IRQL, per host thread and per harness. The model runs no interrupts and preempts nothing, so
// IRQL here is a number each host thread carries for the WDK functions that raise and lower it
// (spin locks to DISPATCH_LEVEL, fast mutexes to APC_LEVEL) and for the checks a kernel
// engineer relies on the real machine to make loudly: a routine documented for IRQL <= N called
// above N (`irql-too-high`), and a notify routine returning at another IRQL than the kernel
// called it at (`irql-not-restored`, a lock left held), after which the kernel's IRQL is
// restored. A host thread keeps one IRQL per harness (keyed by the harness's serial number, so
// a harness destroyed and another made at its address share nothing): a lock left held under
// one harness does not raise the IRQL another harness's calls see.
#include "irql.hpp"

#include <array>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "guard.hpp"

namespace ntemu::wdk {
namespace {

struct Slot {
  bool used = false;
  std::uint64_t key = 0;
  KIRQL irql = PASSIVE_LEVEL;
};
// A handful of contexts per host thread; a slot back at PASSIVE_LEVEL is free again.
thread_local std::array<Slot, 8> t_slots{};
thread_local std::size_t t_next_eviction = 0;

// Which context the calling host thread is in: its harness, a bare kernel, or none.
std::uint64_t context_key() {
  const Current c = current();
  if (c.state != nullptr) return c.state->serial;
  return c.kernel == nullptr
             ? 0
             : static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(c.kernel));
}

}  // namespace

KIRQL current_irql() {
  const std::uint64_t key = context_key();
  for (const Slot& s : t_slots) {
    if (s.used && s.key == key) return s.irql;
  }
  return PASSIVE_LEVEL;
}

void set_irql(KIRQL irql) {
  const std::uint64_t key = context_key();
  Slot* free_slot = nullptr;
  for (Slot& s : t_slots) {
    if (s.used && s.key == key) {
      s.irql = irql;
      if (irql == PASSIVE_LEVEL) s.used = false;
      return;
    }
    if (!s.used && free_slot == nullptr) free_slot = &s;
  }
  if (irql == PASSIVE_LEVEL) return;
  if (free_slot == nullptr) {
    free_slot = &t_slots[t_next_eviction];
    t_next_eviction = (t_next_eviction + 1) % t_slots.size();
  }
  *free_slot = Slot{true, key, irql};
}

bool irql_too_high(KIRQL max, const char* function) {
  const KIRQL now = current_irql();
  if (now <= max) return false;
  report({verify::FindingKind::IrqlTooHigh,
          fmt::format("{} was called at IRQL {} (it requires IRQL <= {})", function,
                      static_cast<unsigned>(now), static_cast<unsigned>(max)),
          0, 0, context_step()});
  return true;
}

void check_irql_restored(KIRQL entry, Kernel* kernel, const void* routine) {
  const KIRQL now = current_irql();
  if (now == entry) return;
  const std::string symbol =
      kernel != nullptr ? kernel->routine_symbol(routine) : std::string("routine");
  report({verify::FindingKind::IrqlNotRestored,
          fmt::format("{} returned at IRQL {} but was called at IRQL {} (a lock left "
                      "held?)",
                      symbol, static_cast<unsigned>(now), static_cast<unsigned>(entry)),
          0, 0, context_step()});
  set_irql(entry);
}

}  // namespace ntemu::wdk

KIRQL KeGetCurrentIrql(VOID) {
  return ntemu::wdk::current_irql();
}

VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql) {
  const KIRQL old = ntemu::wdk::current_irql();
  if (NewIrql < old) {
    ntemu::wdk::report(ntemu::verify::FindingKind::IrqlTooHigh,
                       fmt::format("KeRaiseIrql to {} from the higher IRQL {} "
                                   "(IRQL_NOT_GREATER_OR_EQUAL); nothing changed",
                                   static_cast<unsigned>(NewIrql), static_cast<unsigned>(old)));
    if (OldIrql != nullptr) *OldIrql = old;
    return;
  }
  if (OldIrql != nullptr) *OldIrql = old;
  ntemu::wdk::set_irql(NewIrql);
}

VOID KeLowerIrql(KIRQL NewIrql) {
  const KIRQL old = ntemu::wdk::current_irql();
  if (NewIrql > old) {
    ntemu::wdk::report(ntemu::verify::FindingKind::IrqlTooHigh,
                       fmt::format("KeLowerIrql to {} from the lower IRQL {} "
                                   "(IRQL_NOT_LESS_OR_EQUAL); nothing changed",
                                   static_cast<unsigned>(NewIrql), static_cast<unsigned>(old)));
    return;
  }
  ntemu::wdk::set_irql(NewIrql);
}

KIRQL KeRaiseIrqlToDpcLevel(VOID) {
  KIRQL old = PASSIVE_LEVEL;
  KeRaiseIrql(DISPATCH_LEVEL, &old);
  return old;
}
