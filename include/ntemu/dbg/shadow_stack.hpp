// SPDX-License-Identifier: MIT
/// \file
/// The shadow call stack: each host thread keeps the frames of the modeled routines it is inside
/// (`FrameScope`, pushed by every entry point and every notify call), so a breakpoint can show a
/// debugger's `kb` of the model (dbg/kb.hpp). Constant-initialised and fixed in size, so pushing a
/// frame costs a few stores; frames beyond the depth are counted, not kept.
///
/// A debugger (ntemu kd) installs a `FrameObserver` on its host thread with `FrameObserverScope`:
/// it is then told of every frame pushed there, as the frame's routine is entered. With none
/// installed a push costs one more load and a branch not taken.
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

/// Told of each frame pushed on the host thread it is installed on: a debugger's view of a
/// modeled routine's entry.
class FrameObserver {
 public:
  virtual ~FrameObserver() = default;
  /// `frame` was just pushed, as frame number `depth` (1: the outermost). Called only for
  /// frames the stack keeps (depth <= kMaxFrames). If it throws, the frame is popped again and
  /// the exception leaves the routine's entry.
  virtual void frame_entered(const Frame& frame, std::size_t depth) = 0;
};

/// One host thread's frames, outermost first.
struct ShadowStack {
  static constexpr std::size_t kMaxFrames = 64;
  std::size_t depth = 0;              ///< frames pushed (may exceed kMaxFrames)
  FrameObserver* observer = nullptr;  ///< told of each push; null when no debugger is attached
  std::array<Frame, kMaxFrames> frames{};
};

/// The calling host thread's shadow stack.
extern constinit thread_local ShadowStack t_shadow_stack;

/// Pushes a frame on this host thread's shadow stack for its scope.
class FrameScope {
 public:
  FrameScope(std::string_view module, std::string_view function) {
    if (push(module, function, 0) != nullptr) tell_observer();
  }
  FrameScope(std::string_view module, std::string_view function, std::uint64_t a0, std::uint64_t a1,
             std::uint64_t a2) {
    if (Frame* f = push(module, function, 3)) {
      f->args[0] = a0;
      f->args[1] = a1;
      f->args[2] = a2;
      tell_observer();
    }
  }
  ~FrameScope() { --t_shadow_stack.depth; }
  FrameScope(const FrameScope&) = delete;
  FrameScope& operator=(const FrameScope&) = delete;

 private:
  // Field by field into the slot: building a Frame on the stack and copying it made the
  // compiler reload the temporary with wider loads than it stored, a store-forwarding stall
  // that cost about 10 ns per frame (docs/performance.md). Arguments past `count` are not
  // written (a frame without arguments leaves the slot's old ones; Frame::arg_count says how
  // many are its own). Returns the slot, or nullptr past kMaxFrames.
  static Frame* push(std::string_view module, std::string_view function, std::uint8_t count) {
    ShadowStack& s = t_shadow_stack;
    Frame* f = nullptr;
    if (s.depth < ShadowStack::kMaxFrames) {
      f = &s.frames[s.depth];
      f->module = module;
      f->function = function;
      f->arg_count = count;
    }
    ++s.depth;
    return f;
  }
  static void tell_observer() {
    ShadowStack& s = t_shadow_stack;
    if (s.observer != nullptr) [[unlikely]]
      entered(s);
  }
  /// Tells the observer (out of line: the cold path).
  static void entered(ShadowStack& s);
};

/// Installs `observer` on this host thread's shadow stack for the scope's lifetime (restores
/// the previous one).
class FrameObserverScope {
 public:
  explicit FrameObserverScope(FrameObserver& observer) : previous_(t_shadow_stack.observer) {
    t_shadow_stack.observer = &observer;
  }
  ~FrameObserverScope() { t_shadow_stack.observer = previous_; }
  FrameObserverScope(const FrameObserverScope&) = delete;
  FrameObserverScope& operator=(const FrameObserverScope&) = delete;

 private:
  FrameObserver* previous_;
};

/// The frames a stack holds at most, innermost first.
using CallStack = boost::container::static_vector<Frame, ShadowStack::kMaxFrames>;

/// The calling host thread's shadow stack, innermost frame first.
CallStack call_stack();

}  // namespace ntemu::dbg
