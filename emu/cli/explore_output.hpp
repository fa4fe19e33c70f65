// SPDX-License-Identifier: MIT
/// \file
/// The text form of `ntemu explore`'s own events (explore, outcome, summary, replay, switch),
/// beside the ordinary events of a replay, which TextOutput draws as `ntemu run` does.
#pragma once

#include <cstdio>
#include <mutex>

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

}  // namespace ntemu::cli
