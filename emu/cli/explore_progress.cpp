// SPDX-License-Identifier: MIT
// The progress display of `ntemu explore` (explore_progress.hpp).
#include "explore_progress.hpp"

#include <cmath>

#include <fmt/format.h>

#ifdef _WIN32
#include <io.h>
#define NTEMU_ISATTY(f) _isatty(_fileno(f))
#else
#include <unistd.h>
#define NTEMU_ISATTY(f) isatty(fileno(f))
#endif

namespace ntemu::cli {

std::string explore_progress_line(const explore::Progress& p, double seconds) {
  std::string line = fmt::format("explore: {} schedules", p.schedules);
  if (p.runs != p.schedules) line += fmt::format(" ({} runs)", p.runs);
  if (seconds > 0) {
    const double rate = static_cast<double>(p.runs) / seconds;
    line += fmt::format(", {:.0f} runs/s", rate);
    if (p.fraction > 0 && rate > 0) {
      const double total = static_cast<double>(p.runs) / p.fraction;
      const double left = std::max(0.0, total - static_cast<double>(p.runs)) / rate;
      line += fmt::format(", ~{:.0f}% done, ~{:.0f} s left", std::min(100.0, 100 * p.fraction),
                          std::ceil(left));
    }
  }
  return line;
}

ExploreProgress::ExploreProgress(std::FILE* err) {
  if (err != nullptr && NTEMU_ISATTY(err) != 0) err_ = err;
  start_ = drawn_ = std::chrono::steady_clock::now();
}

ExploreProgress::~ExploreProgress() {
  if (err_ != nullptr && shown_) {
    std::fputs("\r\033[K", err_);
    std::fflush(err_);
  }
}

void ExploreProgress::update(const explore::Progress& p) {
  if (err_ == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - drawn_ < std::chrono::milliseconds(250)) return;
  drawn_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  std::fprintf(err_, "\r\033[K%s", explore_progress_line(p, seconds).c_str());
  std::fflush(err_);
  shown_ = true;
}

}  // namespace ntemu::cli
