// SPDX-License-Identifier: MIT
// IRQL, per host thread. The model runs no interrupts and preempts nothing, so IRQL here is a
// number each host thread carries for the WDK functions that raise and lower it (spin locks to
// DISPATCH_LEVEL, fast mutexes to APC_LEVEL) and for the checks a kernel engineer relies on the
// real machine to make loudly: a routine documented for IRQL <= N called above N
// (`irql-too-high`), and a notify routine returning at another IRQL than the kernel called it
// at (`irql-not-restored`, a lock left held), after which the kernel's IRQL is restored.
#include "irql.hpp"

#include <string>

#include <fmt/format.h>

#include "guard.hpp"

namespace ntemu::wdk {
namespace {

thread_local KIRQL t_irql = PASSIVE_LEVEL;

}  // namespace

KIRQL current_irql() {
  return t_irql;
}

void set_irql(KIRQL irql) {
  t_irql = irql;
}

bool irql_too_high(KIRQL max, const char* function) {
  if (t_irql <= max) return false;
  report({verify::FindingKind::IrqlTooHigh,
          fmt::format("{} was called at IRQL {} (it requires IRQL <= {})", function,
                      static_cast<unsigned>(t_irql), static_cast<unsigned>(max)),
          0, 0, context_step()});
  return true;
}

void check_irql_restored(KIRQL entry, Kernel* kernel, const void* routine) {
  if (t_irql == entry) return;
  const std::string symbol =
      kernel != nullptr ? kernel->routine_symbol(routine) : std::string("routine");
  report({verify::FindingKind::IrqlNotRestored,
          fmt::format("{} returned at IRQL {} but was called at IRQL {} (a lock left "
                      "held?)",
                      symbol, static_cast<unsigned>(t_irql), static_cast<unsigned>(entry)),
          0, 0, context_step()});
  t_irql = entry;
}

}  // namespace ntemu::wdk

KIRQL KeGetCurrentIrql(VOID) {
  return ntemu::wdk::t_irql;
}
