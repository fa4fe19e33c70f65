// SPDX-License-Identifier: MIT
/// \file
/// The shadow call stack: each host thread keeps the frames of the modeled routines it is inside
/// (`FrameScope`, pushed by every entry point and every notify call), so a breakpoint can show a
/// debugger's `kb` of the model (dbg/kb.hpp). Constant-initialised and fixed in size, so pushing a
/// frame costs a few stores; frames beyond the depth are counted, not kept.
///
/// \code
///   {
///     ntemu::dbg::FrameScope frame("nt", "PspCreateThread");
///     auto stack = ntemu::dbg::call_stack();   // innermost first: nt!PspCreateThread, ...
///   }
/// \endcode
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/container/static_vector.hpp>

#include "ntemu/dbg/frame.hpp"

namespace ntemu::dbg {

/// One host thread's frames, outermost first.
struct ShadowStack {
  static constexpr std::size_t kMaxFrames = 64;
  std::size_t depth = 0;  ///< frames pushed (may exceed kMaxFrames)
  std::array<Frame, kMaxFrames> frames{};
};

/// The calling host thread's shadow stack.
extern constinit thread_local ShadowStack t_shadow_stack;

/// Pushes a frame on this host thread's shadow stack for its scope.
class FrameScope {
 public:
  FrameScope(std::string_view module, std::string_view function) {
    push(module, function, 0, 0, 0, 0);
  }
  FrameScope(std::string_view module, std::string_view function, std::uint64_t a0, std::uint64_t a1,
             std::uint64_t a2) {
    push(module, function, a0, a1, a2, 3);
  }
  ~FrameScope() { --t_shadow_stack.depth; }
  FrameScope(const FrameScope&) = delete;
  FrameScope& operator=(const FrameScope&) = delete;

 private:
  // Field by field into the slot: building a Frame on the stack and copying it made the
  // compiler reload the temporary with wider loads than it stored, a store-forwarding stall
  // that cost about 10 ns per frame (docs/performance.md).
  static void push(std::string_view module, std::string_view function, std::uint64_t a0,
                   std::uint64_t a1, std::uint64_t a2, std::uint8_t count) {
    ShadowStack& s = t_shadow_stack;
    if (s.depth < ShadowStack::kMaxFrames) {
      Frame& f = s.frames[s.depth];
      f.module = module;
      f.function = function;
      f.args[0] = a0;
      f.args[1] = a1;
      f.args[2] = a2;
      f.arg_count = count;
    }
    ++s.depth;
  }
};

/// The frames a stack holds at most, innermost first.
using CallStack = boost::container::static_vector<Frame, ShadowStack::kMaxFrames>;

/// The calling host thread's shadow stack, innermost frame first.
CallStack call_stack();

}  // namespace ntemu::dbg
