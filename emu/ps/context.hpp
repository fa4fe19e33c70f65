// The executive's per-host-thread state: which executive and thread are current, and the notify
// routines running on this host thread. Constant-initialised fixed arrays, so reaching it costs
// no initialisation check; routines beyond the depth are counted, not kept.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/ps/executive.hpp"

namespace ntemu::ps::detail {

struct HostContext {
  static constexpr std::size_t kMaxRoutines = 32;
  Executive* executive = nullptr;
  Thread* thread = nullptr;
  std::size_t running = 0;  // routines running (may exceed kMaxRoutines)
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

extern constinit thread_local HostContext t_context;

/// Makes `executive` and `thread` current on this host thread for the scope of an entry point
/// (restoring the previous pair), so notify routines called from it reach them.
class EnterKernel {
 public:
  EnterKernel(Executive* executive, Thread& thread)
      : previous_executive_(t_context.executive), previous_thread_(t_context.thread) {
    t_context.executive = executive;
    t_context.thread = &thread;
  }
  ~EnterKernel() {
    t_context.executive = previous_executive_;
    t_context.thread = previous_thread_;
  }
  EnterKernel(const EnterKernel&) = delete;
  EnterKernel& operator=(const EnterKernel&) = delete;

 private:
  Executive* previous_executive_;
  Thread* previous_thread_;
};

/// The one guard line an entry point begins with: the calling thread's context made current
/// and the routine's frame ("nt!NAME") pushed, both for the call's scope.
class EntryPoint {
 public:
  EntryPoint(Executive* executive, std::string_view name)
      : enter_(executive, executive->current_thread()), frame_("nt", name) {}

 private:
  EnterKernel enter_;
  dbg::FrameScope frame_;
};

}  // namespace ntemu::ps::detail
