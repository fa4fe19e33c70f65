// SPDX-License-Identifier: MIT
/// \file
/// `LineReader`: how `ntemu kd` reads its commands. On a terminal (both streams are ttys, on a
/// POSIX host) it edits the line in place — left/right, Home/End (Ctrl-A/Ctrl-E), Backspace,
/// Ctrl-U, Up/Down through the session's history, Ctrl-C clears the line, Ctrl-D on an empty
/// line ends the session. Otherwise it reads plain lines and echoes each after the prompt, so
/// a scripted session's output reads as the session would on a screen.
///
/// \code
///   ntemu::cli::kd::LineReader in(stdin, stdout);
///   while (auto line = in.read("kd> ")) run(*line);   // nullopt: end of input
/// \endcode
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace ntemu::cli::kd {

class LineReader {
 public:
  /// Longest line kept; the rest of a longer line is read and dropped (read() then reports it).
  static constexpr std::size_t kMaxLine = 4096;
  LineReader(std::FILE* in, std::FILE* out);
  /// Shows `prompt` and returns the next line without its end (nullopt at the end of input).
  /// `truncated()` tells whether the line was longer than kMaxLine.
  std::optional<std::string> read(const std::string& prompt);
  bool truncated() const { return truncated_; }
  bool interactive() const { return interactive_; }

 private:
  std::optional<std::string> read_plain(const std::string& prompt);
  std::optional<std::string> read_edited(const std::string& prompt);
  std::FILE* in_;
  std::FILE* out_;
  bool interactive_ = false;
  bool truncated_ = false;
  std::vector<std::string> history_;
};

}  // namespace ntemu::cli::kd
