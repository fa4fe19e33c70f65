// SPDX-License-Identifier: MIT
/// \file
/// The text form of `ntemu explore`'s own events (explore, outcome, summary, replay, switch),
/// beside the ordinary events of a replay, which TextOutput draws as `ntemu run` does.
#pragma once

#include <cstdio>
#include <mutex>

#include "ntemu/dbg/kb.hpp"
#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/support/arch.hpp"
#include "ntemu/trace.hpp"

namespace ntemu::cli {

class ExploreTextOutput final : public TraceSink {
 public:
  explicit ExploreTextOutput(std::FILE* out) : out_(out) {}
  void emit(const Event& e) override;

 private:
  std::mutex m_;
  std::FILE* out_;
};

/// Keeps events until they are known to be wanted (a replay that does not fit prints nothing).
class HeldEvents final : public TraceSink {
 public:
  void emit(const Event& e) override {
    std::lock_guard hold(m_);
    events_.push_back(e);
  }
  void forward(TraceSink& to) {
    for (const Event& e : events_)
      to.emit(e);
  }

 private:
  std::mutex m_;
  std::vector<Event> events_;
};

/// A replay's notify events with the stack they were called from (field `kb`, in the shape of
/// the kernel debugger's `kb`), read from the shadow stack of the CPU that emits them.
class KbStampSink final : public TraceSink {
 public:
  KbStampSink(TraceSink& out, Arch arch) : out_(out), arch_(arch) {}
  void emit(const Event& e) override {
    const dbg::CallStack frames = dbg::call_stack();
    if (e.name != "notify" || frames.empty()) return out_.emit(e);
    Event stamped = e;
    stamped.add("kb", dbg::format_kb({frames.data(), frames.size()}, arch_));
    out_.emit(stamped);
  }

 private:
  TraceSink& out_;
  const Arch arch_;
};

}  // namespace ntemu::cli
