// SPDX-License-Identifier: MIT
#include "progress.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace ntemu::cli {
namespace {

constexpr double kRedrawInterval = 0.1;  // seconds

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// "42 s", "3 min 05 s", "2 h 07 min".
std::string duration_text(double seconds) {
  const auto s = static_cast<std::uint64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

}  // namespace

bool is_terminal(std::FILE* f) {
#if defined(_WIN32)
  return f != nullptr && _isatty(_fileno(f)) != 0;
#else
  return f != nullptr && isatty(fileno(f)) != 0;
#endif
}

Progress::Progress(std::FILE* out, std::string label, std::uint64_t total, std::string unit,
                   ProgressDisplay display, Clock clock)
    : out_(out),
      label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      terminal_(display == ProgressDisplay::Terminal ||
                (display == ProgressDisplay::Auto && is_terminal(out))),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)),
      start_(clock_()) {}

Progress::~Progress() {
  stop();
}

double Progress::elapsed() const {
  const double e = clock_() - start_;
  return e > 0 ? e : 0;
}

double Progress::rate() const {
  const double e = elapsed();
  return e > 0 ? static_cast<double>(done()) / e : 0;
}

std::string Progress::summary() const {
  return fmt::format("{} {} in {:.1f} s ({:.0f}/s)", done(), unit_, elapsed(), rate());
}

std::string Progress::status_line() const {
  const std::uint64_t n = done();
  const double r = rate();
  std::string line = fmt::format("{}  {}", label_, n);
  if (total_ != 0) {
    line += fmt::format(" / {} {}  {:5.1f}%", total_, unit_,
                        100.0 * static_cast<double>(n) / static_cast<double>(total_));
  } else {
    line += fmt::format(" {}", unit_);
  }
  line += fmt::format("  {:.0f}/s", r);
  if (total_ != 0 && n < total_ && r > 0) {
    line += "  " + duration_text(static_cast<double>(total_ - n) / r) + " left";
  }
  return line;
}

void Progress::update(std::uint64_t done) {
  std::uint64_t seen = done_.load(std::memory_order_relaxed);
  while (done > seen && !done_.compare_exchange_weak(seen, done, std::memory_order_relaxed)) {
  }
  if (terminal_) draw(false);
}

void Progress::draw(bool force) {
  // Whoever holds the lock draws; the others go on (their count is in done_ already).
  std::unique_lock<std::mutex> hold(draw_lock_, std::try_to_lock);
  if (!hold.owns_lock() || stopped_) return;
  const double now = elapsed();
  if (!force && last_draw_ >= 0 && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  const std::string line = status_line();
  // Blank what is left of a longer previous line (no terminal escape codes: a Windows console
  // shows them as text).
  const std::size_t pad = drawn_width_ > line.size() ? drawn_width_ - line.size() : 0;
  std::fprintf(out_, "\r%s%*s", line.c_str(), static_cast<int>(pad), "");
  std::fflush(out_);
  drawn_width_ = line.size();
}

void Progress::stop() {
  std::lock_guard<std::mutex> hold(draw_lock_);
  if (stopped_) return;
  stopped_ = true;
  if (terminal_ && drawn_width_ > 0) {
    std::fprintf(out_, "\r%*s\r", static_cast<int>(drawn_width_), "");
    std::fflush(out_);
  }
}

void Progress::finish(std::string_view extra) {
  stop();
  std::fprintf(out_, "%s: %s%.*s\n", label_.c_str(), summary().c_str(),
               static_cast<int>(extra.size()), extra.data());
  std::fflush(out_);
}

}  // namespace ntemu::cli
