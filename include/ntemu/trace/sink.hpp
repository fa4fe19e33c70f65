// SPDX-License-Identifier: MIT
/// \file
/// Trace sinks: where events go. `JsonlSink` writes one JSON object per line with a running
/// `seq` (the format of `ntemu run --format jsonl`), `TextSink` one debugger-like line per event,
/// `RecordingSink` keeps them in memory. A kernel with no sink builds no event at all.
///
/// \code
///   ntemu::JsonlSink sink(stdout);
///   ntemu::Kernel k(ntemu::Profile::win2000(), &sink);
/// \endcode
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ntemu/trace/event.hpp"

namespace ntemu {

/// Receives events. Implementations must tolerate calls from several host threads.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void emit(const Event& e) = 0;
};

/// Writes `{"seq":N,"event":"name",...fields}` lines. Strings are JSON-escaped.
class JsonlSink : public TraceSink {
 public:
  explicit JsonlSink(std::FILE* out) : out_(out) {}
  void emit(const Event& e) override;
  /// The JSON text of `e` with sequence number `seq`, without a newline.
  static std::string to_json(const Event& e, std::uint64_t seq);

 private:
  std::mutex m_;
  std::FILE* out_;
  std::uint64_t seq_ = 0;
};

/// Writes one human-readable line per event, in a kernel-debugger register.
class TextSink : public TraceSink {
 public:
  explicit TextSink(std::FILE* out) : out_(out) {}
  void emit(const Event& e) override;
  /// The text line for `e`, without a newline.
  static std::string to_text(const Event& e);

 private:
  std::mutex m_;
  std::FILE* out_;
};

/// Collects events in memory (tests, tools).
class RecordingSink : public TraceSink {
 public:
  void emit(const Event& e) override {
    std::lock_guard hold(m_);
    events_.push_back(e);
  }
  std::vector<Event> events() const {
    std::lock_guard hold(m_);
    return {events_.begin(), events_.end()};
  }
  /// The events called `name`, in order.
  std::vector<Event> events(std::string_view name) const {
    std::lock_guard hold(m_);
    std::vector<Event> out;
    for (const Event& e : events_) {
      if (e.name == name) out.push_back(e);
    }
    return out;
  }

 private:
  mutable std::mutex m_;
  // A deque: an event is large (its fields are inline), and a growing vector would move every
  // event recorded so far.
  std::deque<Event> events_;
};

}  // namespace ntemu
