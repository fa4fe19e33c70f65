/// \file
/// Trace events and sinks. Every modeled routine can report what it does as an `Event` — a
/// name and an ordered list of fields — to the sink attached to the kernel (none by default,
/// which costs nothing). Two sinks ship: `JsonlSink` (one JSON object per line, with a running
/// `seq`, the format of `ntemu run --format jsonl`) and `TextSink` (debugger-like lines).
///
/// Kernel events: `notify` (a notify routine is invoked) and `cid` (a PspCidTable entry is
/// created or destroyed); the scenario runner adds `call`, `expect`, `error`, `dump`.
///
/// \code
///   ntemu::JsonlSink sink(stdout);
///   ntemu::Kernel k(ntemu::Profile::win2000(), &sink);
/// \endcode
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ntemu {

/// One field of an event: an unsigned number, a signed number, a boolean or a string.
struct Field {
  std::string key;
  std::variant<std::uint64_t, std::int64_t, bool, std::string> value;
};

struct Event {
  std::string name;  ///< "notify", "cid", "call", ...
  std::vector<Field> fields;

  Event& add(std::string key, std::uint64_t v) {
    fields.push_back({std::move(key), v});
    return *this;
  }
  Event& add(std::string key, std::int64_t v) {
    fields.push_back({std::move(key), v});
    return *this;
  }
  Event& add(std::string key, int v) { return add(std::move(key), std::int64_t{v}); }
  Event& add(std::string key, unsigned v) { return add(std::move(key), std::uint64_t{v}); }
  Event& add(std::string key, bool v) {
    fields.push_back({std::move(key), v});
    return *this;
  }
  Event& add(std::string key, std::string v) {
    fields.push_back({std::move(key), std::move(v)});
    return *this;
  }
  Event& add(std::string key, const char* v) { return add(std::move(key), std::string(v)); }
  /// The field named `key`, or nullptr.
  const Field* find(std::string_view key) const;
  /// The numeric field named `key` (signed values reinterpreted), or 0 if absent or not a number.
  std::uint64_t number(std::string_view key) const;
};

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
    return events_;
  }

 private:
  mutable std::mutex m_;
  std::vector<Event> events_;
};

/// One frame of the shadow call stack: "module!function" and up to three arguments.
struct Frame {
  std::string_view module;    ///< "nt", "ntdll", or a driver's name
  std::string_view function;  ///< "PspCreateThread", ...
  std::uint64_t args[3] = {0, 0, 0};
  std::uint8_t arg_count = 0;
};

}  // namespace ntemu
