// SPDX-License-Identifier: MIT
// What keeps a driver's misuse, and a machine crash, from becoming host undefined behaviour: the
// `guarded()` wrapper around a WDK call's work, which turns a BugCheck or host exception into a
// finding and a fallback result instead of unwinding into the driver's C frames (and
// `guarded_call()`, the steps of every NTSTATUS function around it), and `resolve()`, which
// checks a PEPROCESS / PETHREAD / PVOID against the object manager before the model uses it.
// Findings go to the current kernel's verifier (`report`).
#pragma once

#include <exception>
#include <string>
#include <type_traits>

#include <fmt/format.h>

#include "irql.hpp"
#include "ntemu/kernel.hpp"
#include "ntemu/support/bugcheck.hpp"
#include "ntemu/verify/finding.hpp"
#include "state.hpp"

namespace ntemu::wdk {

/// A finding for the current kernel's verifier, or a line on stderr outside any kernel.
void report(verify::Finding f);
/// The current kernel's step label, or "" outside any kernel.
std::string context_step();
/// A finding of `kind` with `detail`, naming the current step.
void report(verify::FindingKind kind, std::string detail);
/// A `null-argument` finding: `function` was given NULL for `what`, which the machine would
/// dereference; returns false, so that a check reads `if (!non_null(p, ...)) return;`.
bool non_null(const void* pointer, const char* function, const char* what);

/// Runs `body`; a BugCheck or host exception raised inside a WDK call must not unwind into the
/// driver's C frames: it becomes a finding and the call returns `fallback`.
template <class T, class Body>
T guarded(T fallback, const char* function, Body&& body) {
  try {
    return body();
  } catch (const BugCheck& b) {
    report({verify::FindingKind::Bugcheck,
            fmt::format("{} crashed the machine: {}", function, b.what()), b.code(), 0,
            context_step()});
  } catch (const std::exception& e) {
    report({verify::FindingKind::HostException,
            fmt::format("{} failed on the host: {}", function, e.what()), 0, 0, context_step()});
  }
  return fallback;
}

/// The steps every NTSTATUS function of the WDK takes, in the order that decides its status:
/// STATUS_INVALID_DEVICE_STATE with no current kernel; STATUS_INVALID_PARAMETER unless `valid`
/// (the function's own checks of its arguments); the IRQL check (`irql-too-high` above
/// `max_irql`, and the call goes on); then `body(kernel)` under guarded(), STATUS_UNSUCCESSFUL
/// if it crashes.
template <class Body>
NTSTATUS guarded_call(const char* function, KIRQL max_irql, bool valid, Body&& body) {
  Kernel* k = Kernel::current();
  if (k == nullptr) return ::STATUS_INVALID_DEVICE_STATE;
  if (!valid) return ::STATUS_INVALID_PARAMETER;
  irql_too_high(max_irql, function);
  return guarded(::STATUS_UNSUCCESSFUL, function, [&] { return body(*k); });
}

/// The live or deleted object a PEPROCESS / PETHREAD / PVOID names in `c.kernel`, checked: a
/// pointer naming nothing, or a deleted object, is a finding (the real kernel would read freed
/// or foreign memory). Returns the object if it may be used (live), else nullptr.
ob::Object* resolve(Current c, const void* pointer, const char* function);
/// resolve(), and nullptr unless the object is a `T` (ps::Process, ps::Thread; any object for
/// ob::Object).
template <class T>
T* resolve_as(Current c, const void* pointer, const char* function) {
  ob::Object* o = resolve(c, pointer, function);
  if constexpr (std::is_same_v<T, ob::Object>) {
    return o;
  } else {
    return o != nullptr && o->type() == T::kObjectType ? static_cast<T*>(o) : nullptr;
  }
}

}  // namespace ntemu::wdk
