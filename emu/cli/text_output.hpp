// SPDX-License-Identifier: MIT
/// \file
/// `TextOutput`: the sink of `ntemu run --format text` (the default). Each statement is echoed
/// as a prompt line with its line number; every event it causes follows, indented: the kernel's
/// own events as `TextSink` writes them, the runner's in the same column layout
/// (docs/scenario-language.md shows a transcript). `error` events are not written: errors go to
/// standard error, and neither are the findings of an `audit` event marked `same_as` (they were
/// printed under that earlier audit).
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "ntemu/trace.hpp"

namespace ntemu::cli {

class TextOutput final : public TraceSink {
 public:
  explicit TextOutput(std::FILE* out) : out_(out) {}
  void emit(const Event& e) override;
  /// The lines for `e`, each ending in '\n' (empty for events that are not shown).
  static std::string to_text(const Event& e);

 private:
  std::mutex m_;
  std::FILE* out_;
  bool repeated_audit_ = false;  // protected by m_: inside the findings of a `same_as` audit
};

}  // namespace ntemu::cli
