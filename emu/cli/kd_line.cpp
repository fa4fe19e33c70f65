// SPDX-License-Identifier: MIT
// The kd prompt's line reader: plain lines from a pipe or file, an in-place line editor with
// history on a POSIX terminal (raw mode for the read only; the terminal is restored on every
// way out of it).
#include "kd_line.hpp"

#if !defined(_WIN32)
#include <termios.h>
#include <unistd.h>
#endif

namespace ntemu::cli::kd {

LineReader::LineReader(std::FILE* in, std::FILE* out) : in_(in), out_(out) {
#if !defined(_WIN32)
  interactive_ = isatty(fileno(in)) != 0 && isatty(fileno(out)) != 0;
#endif
}

std::optional<std::string> LineReader::read(const std::string& prompt) {
  truncated_ = false;
  std::optional<std::string> line = interactive_ ? read_edited(prompt) : read_plain(prompt);
  if (line && !line->empty() && (history_.empty() || history_.back() != *line)) {
    history_.push_back(*line);
  }
  return line;
}

std::optional<std::string> LineReader::read_plain(const std::string& prompt) {
  std::string line;
  int c = 0;
  bool any = false;
  while ((c = std::fgetc(in_)) != EOF) {
    any = true;
    if (c == '\n') break;
    if (line.size() < kMaxLine) {
      line.push_back(static_cast<char>(c));
    } else {
      truncated_ = true;
    }
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // The echo: the transcript shows the command where a terminal would.
  std::fprintf(out_, "%s%s\n", prompt.c_str(), line.c_str());
  return line;
}

#if defined(_WIN32)
std::optional<std::string> LineReader::read_edited(const std::string& prompt) {
  return read_plain(prompt);
}
#else
namespace {
// Raw mode (no echo, no line buffering) for the scope; the previous mode after.
class RawMode {
 public:
  explicit RawMode(int fd) : fd_(fd) {
    ok_ = tcgetattr(fd_, &saved_) == 0;
    if (!ok_) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    ok_ = tcsetattr(fd_, TCSAFLUSH, &raw) == 0;
  }
  ~RawMode() {
    if (ok_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;
  bool ok() const { return ok_; }

 private:
  int fd_;
  termios saved_{};
  bool ok_ = false;
};
}  // namespace

std::optional<std::string> LineReader::read_edited(const std::string& prompt) {
  std::fflush(out_);
  RawMode raw(fileno(in_));
  if (!raw.ok()) return read_plain(prompt);
  std::string line;
  std::size_t cursor = 0;
  std::size_t recalled = history_.size();  // history_.size(): the line being typed
  std::string typed;                       // kept while walking the history
  auto redraw = [&] {
    std::fprintf(out_, "\r\x1b[K%s%s", prompt.c_str(), line.c_str());
    if (cursor < line.size()) std::fprintf(out_, "\x1b[%zuD", line.size() - cursor);
    std::fflush(out_);
  };
  auto recall = [&](std::size_t index) {
    if (recalled == history_.size()) typed = line;
    recalled = index;
    line = recalled == history_.size() ? typed : history_[recalled];
    cursor = line.size();
  };
  redraw();
  for (;;) {
    const int c = std::fgetc(in_);
    if (c == EOF || (c == 4 && line.empty())) {  // Ctrl-D on an empty line: the end
      std::fputs("\r\n", out_);
      return std::nullopt;
    }
    if (c == '\r' || c == '\n') break;
    if (c == 3) {  // Ctrl-C: a fresh line
      line.clear();
      cursor = 0;
      std::fputs("^C\r\n", out_);
    } else if (c == 127 || c == 8) {
      if (cursor > 0) line.erase(--cursor, 1);
    } else if (c == 1) {
      cursor = 0;
    } else if (c == 5) {
      cursor = line.size();
    } else if (c == 21) {
      line.erase(0, cursor);
      cursor = 0;
    } else if (c == 0x1b) {
      // ESC [ A..D, ESC [ H / F or ESC O H / F, ESC [ N ~ (1, 7 Home; 4, 8 End; 3 Delete).
      const int kind = std::fgetc(in_);
      if (kind != '[' && kind != 'O') continue;
      int code = std::fgetc(in_);
      if (code >= '0' && code <= '9') {
        int end = std::fgetc(in_);
        while (end != '~' && end != EOF && !(end >= 'A' && end <= 'Z') &&
               !(end >= 'a' && end <= 'z'))
          end = std::fgetc(in_);
        code = code == '1' || code == '7'   ? 'H'
               : code == '4' || code == '8' ? 'F'
               : code == '3'                ? 'X'
                                            : 0;
      }
      if (code == 'A' && recalled > 0) recall(recalled - 1);
      if (code == 'B' && recalled < history_.size()) recall(recalled + 1);
      if (code == 'C' && cursor < line.size()) ++cursor;
      if (code == 'D' && cursor > 0) --cursor;
      if (code == 'H') cursor = 0;
      if (code == 'F') cursor = line.size();
      if (code == 'X' && cursor < line.size()) line.erase(cursor, 1);
    } else if (c >= 0x20 && line.size() < kMaxLine) {
      line.insert(cursor++, 1, static_cast<char>(c));
    }
    redraw();
  }
  std::fputs("\r\n", out_);
  std::fflush(out_);
  return line;
}
#endif

}  // namespace ntemu::cli::kd
