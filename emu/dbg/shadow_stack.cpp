// SPDX-License-Identifier: MIT
#include "ntemu/dbg/shadow_stack.hpp"

#include <algorithm>

namespace ntemu::dbg {

constinit thread_local ShadowStack t_shadow_stack;

CallStack call_stack() {
  const ShadowStack& s = t_shadow_stack;
  const std::size_t n = std::min(s.depth, ShadowStack::kMaxFrames);
  CallStack frames(s.frames.rbegin() + static_cast<std::ptrdiff_t>(ShadowStack::kMaxFrames - n),
                   s.frames.rend());
  return frames;
}

}  // namespace ntemu::dbg
