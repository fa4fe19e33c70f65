// What keeps a driver's misuse, and a machine crash, from becoming host undefined behaviour: the
// `guarded()` wrapper around a WDK call's work, which turns a BugCheck or host exception into a
// finding and a fallback result instead of unwinding into the driver's C frames, and
// `resolve()`, which checks a PEPROCESS / PETHREAD / PVOID against the object manager before
// the model uses it. Findings go to the current kernel's verifier (`report`).
#pragma once

#include <exception>
#include <string>

#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "ntemu/support/bugcheck.hpp"
#include "ntemu/verify/finding.hpp"
#include "state.hpp"

namespace ntemu::wdk {

/// A finding for the current kernel's verifier, or a line on stderr outside any kernel.
void report(verify::Finding f);
/// The current kernel's step label, or "" outside any kernel.
std::string context_step();

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

/// The live or deleted object a PEPROCESS / PETHREAD / PVOID names in `c.kernel`, checked: a
/// pointer naming nothing, or a deleted object, is a finding (the real kernel would read freed
/// or foreign memory). Returns the object if it may be used (live), else nullptr.
ob::Object* resolve(Current c, const void* pointer, const char* function);
/// resolve(), and nullptr unless the object is a process (a thread).
ps::Process* resolve_process(Current c, const void* pointer, const char* function);
ps::Thread* resolve_thread(Current c, const void* pointer, const char* function);

}  // namespace ntemu::wdk
