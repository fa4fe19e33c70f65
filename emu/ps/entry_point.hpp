// SPDX-License-Identifier: MIT
// What the executive's entry points share: the one guard line each begins with.
#pragma once

#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/ps/executive.hpp"

namespace ntemu::ps::detail {

/// The one guard line an entry point begins with: the calling thread's context made current
/// and the routine's frame ("nt!NAME") pushed, both for the call's scope.
class EntryPoint {
 public:
  EntryPoint(Executive* executive, std::string_view name)
      : enter_(*executive, executive->current_thread()), frame_("nt", name) {}

 private:
  Executive::ContextScope enter_;
  dbg::FrameScope frame_;
};

}  // namespace ntemu::ps::detail
