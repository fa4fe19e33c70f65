// SPDX-License-Identifier: MIT
/// \file
/// Each host thread's place in the model: which executive and thread are current on it, and
/// which notify routines are running on it now (so a routine asking to remove itself is
/// recognised). Constant-initialised fixed arrays, so reaching it costs no initialisation check;
/// routines beyond the depth are counted, not kept. `Executive::ContextScope` sets it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace ntemu::ps {

class Executive;
class Thread;

struct HostContext {
  static constexpr std::size_t kMaxRoutines = 32;
  /// How deep notify callouts may nest on one host thread (a routine whose kernel call runs the
  /// notify routines again): one more is the kernel stack overflowing, bugcheck 0x7F
  /// UNEXPECTED_KERNEL_MODE_TRAP, instead of the host's stack. A model bound, not a measured
  /// one: a real 12 KB (x86) or 24 KB (x64) kernel stack holds fewer nested creations.
  static constexpr std::size_t kMaxNestedCallouts = 32;
  Executive* executive = nullptr;
  Thread* thread = nullptr;
  std::size_t running = 0;  ///< routines running (may exceed kMaxRoutines)
  /// Notify loops this host thread runs while holding a process lock (the profile's
  /// ProcessLockDuringNotify::Held): object deletions wait until it is released.
  std::uint32_t locked_callouts = 0;
  std::array<const void*, kMaxRoutines> routines{};

  void push_routine(const void* r) {
    if (running < kMaxRoutines) routines[running] = r;
    ++running;
  }
  void pop_routine() { --running; }
  /// True when `r` runs on this host thread now (a call of it is in progress below us).
  bool runs(const void* r) const {
    const std::size_t n = std::min(running, kMaxRoutines);
    return std::find(routines.begin(), routines.begin() + static_cast<std::ptrdiff_t>(n), r) !=
           routines.begin() + static_cast<std::ptrdiff_t>(n);
  }
};

/// The calling host thread's context.
extern constinit thread_local HostContext t_host_context;

/// Marks a notify loop run under a held process lock for its scope (see locked_callouts).
class LockedCallout {
 public:
  LockedCallout() { ++t_host_context.locked_callouts; }
  ~LockedCallout() { --t_host_context.locked_callouts; }
  LockedCallout(const LockedCallout&) = delete;
  LockedCallout& operator=(const LockedCallout&) = delete;
};

}  // namespace ntemu::ps
