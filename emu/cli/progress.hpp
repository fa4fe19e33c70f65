// SPDX-License-Identifier: MIT
/// \file
/// `Progress`: the progress line of a long run (a soak, an exploration, a campaign). On a
/// terminal it keeps one status line up to date — items done, of how many, percent, rate, time
/// left — redrawn in place at most ten times a second; anywhere else (a pipe, a CI log) it
/// writes nothing while the run goes, and the run ends with one summary line. The display is
/// host timing and goes to standard error: it is never part of a run's deterministic output.
///
/// \code
///   ntemu::cli::Progress progress(stderr, "explore", total, "schedules");
///   for (std::uint64_t i = 0; i < total; ++i) {
///     run_one(i);
///     progress.update(i + 1);            // cheap: a relaxed store, and now and then a redraw
///   }
///   progress.finish(", 0 findings");     // "explore: 5000 schedules in 2.1 s (2381/s), 0
///   findings"
/// \endcode
///
/// `update` may be called from several host threads; `stop` and `finish` from one, once.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace ntemu::cli {

/// Whether the status line is shown.
enum class ProgressDisplay : std::uint8_t {
  Auto,      ///< when the output is a terminal (isatty)
  Terminal,  ///< always (tests; a caller that knows better)
  Quiet,     ///< never: only the summary
};

class Progress {
 public:
  /// Seconds since some fixed point, never decreasing (tests pass a fake one).
  using Clock = std::function<double()>;

  /// `total` 0: unknown (no percent, no time left). `unit`: what is counted ("lifecycles").
  /// No clock: std::chrono::steady_clock.
  Progress(std::FILE* out, std::string label, std::uint64_t total, std::string unit,
           ProgressDisplay display = ProgressDisplay::Auto, Clock clock = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// `done` items so far (a count, not an increment; a smaller value than before is ignored).
  void update(std::uint64_t done);
  /// Erases the status line (on a terminal); writes nothing otherwise. Idempotent.
  void stop();
  /// stop(), then one line: "LABEL: SUMMARY" followed by `extra`.
  void finish(std::string_view extra = {});

  /// "20000 lifecycles in 1.2 s (16667/s)".
  std::string summary() const;
  /// The status line as it is drawn now (without the carriage return).
  std::string status_line() const;
  bool on_terminal() const { return terminal_; }
  std::uint64_t done() const { return done_.load(std::memory_order_relaxed); }
  double elapsed() const;
  /// Items per second so far (0 before any time has passed).
  double rate() const;

 private:
  void draw(bool force);

  std::FILE* out_;
  std::string label_;
  std::uint64_t total_;
  std::string unit_;
  bool terminal_;
  Clock clock_;
  double start_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex draw_lock_;
  double last_draw_ = -1;        // protected by draw_lock_
  std::size_t drawn_width_ = 0;  // protected by draw_lock_: the line on screen, to blank it
  bool stopped_ = false;         // protected by draw_lock_
};

/// True when `f` is a terminal.
bool is_terminal(std::FILE* f);

}  // namespace ntemu::cli
