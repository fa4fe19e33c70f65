// SPDX-License-Identifier: MIT
/// \file
/// `ContextScope`: makes a thread of an executive current on this host thread for the scope's
/// lifetime and restores the previous pair after (ps/context.hpp's HostContext). Every entry
/// point of the executive holds one around its work; tests and tools use it to act as a thread.
#pragma once

#include "ntemu/ps/context.hpp"

namespace ntemu::ps {

class Executive;
class Thread;

class ContextScope {
 public:
  ContextScope(Executive& executive, Thread& thread)
      : previous_executive_(t_host_context.executive), previous_thread_(t_host_context.thread) {
    t_host_context.executive = &executive;
    t_host_context.thread = &thread;
  }
  ~ContextScope() {
    t_host_context.executive = previous_executive_;
    t_host_context.thread = previous_thread_;
  }
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  Executive* previous_executive_;
  Thread* previous_thread_;
};

}  // namespace ntemu::ps
