// SPDX-License-Identifier: MIT
/// \file
/// The progress display of `ntemu explore` (beside progress.hpp's Progress, which knows its
/// total in advance: this one estimates it from the search tree): on a terminal only (stderr is a
/// tty), one line redrawn a few times a second with the schedules done, the runs per second and an
/// estimate of what is left, cleared at the end. Nothing is written when stderr is not a terminal,
/// and nothing ever goes to the output: the report stays byte-identical. The host clock it reads
/// only paces the display.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "ntemu/explore/engine.hpp"

namespace ntemu::cli {

/// The line shown for `p` after `seconds` (pure: tested on its own).
std::string explore_progress_line(const explore::Progress& p, double seconds);

class ExploreProgress {
 public:
  /// Shows progress on `err` if it is a terminal.
  explicit ExploreProgress(std::FILE* err);
  ~ExploreProgress();
  ExploreProgress(const ExploreProgress&) = delete;
  ExploreProgress& operator=(const ExploreProgress&) = delete;
  bool active() const { return err_ != nullptr; }
  void update(const explore::Progress& p);

 private:
  std::FILE* err_ = nullptr;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point drawn_;
  bool shown_ = false;
};

}  // namespace ntemu::cli
