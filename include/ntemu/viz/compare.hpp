// SPDX-License-Identifier: MIT
/// \file
/// `compare_runs`: one scenario's runs on several kernel versions, side by side, statement by
/// statement — each cell lists what the statement made the kernel do on that version (API
/// statuses and the IDs and handles they returned, PspCidTable entries created and destroyed,
/// notify calls with their arguments, findings, failed expectations, a bugcheck), and a row
/// differs when its cells do. `ntemu compare` prints it as text or Markdown. Built from the
/// events only: the same runs give the same bytes.
///
/// \code
///   std::vector<ntemu::viz::ComparedRun> runs = {{"win2000", win2000_events}, {"xp", xp_events}};
///   ntemu::viz::Comparison c = ntemu::viz::compare_runs(runs);
///   std::fputs(ntemu::viz::comparison_markdown(c, "zero-pid.ntemu").c_str(), stdout);
/// \endcode
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ntemu/trace/event.hpp"

namespace ntemu::viz {

/// The events of one run of the scenario (one file: one `begin` … `end`).
struct ComparedRun {
  std::string version;
  std::vector<Event> events;
};

struct ComparisonRow {
  /// The statement's line; 0 for boot (before the first statement), and kEndLine for the end
  /// of the file (the automatic audit, the expect totals).
  int line = 0;
  std::string statement;           ///< its source text, or "boot" / "end of file"
  std::vector<std::string> cells;  ///< one per run: its lines, '\n'-separated ("" for nothing)
  bool differs = false;
};

struct Comparison {
  static constexpr int kEndLine = 1 << 30;
  std::vector<std::string> versions;
  std::vector<ComparisonRow> rows;  ///< in line order
  std::size_t differing() const;
};

/// Rows for every statement any run reached; a run that stopped earlier (a bugcheck) gets
/// "(not run: the machine is down)" in the rows it never reached.
Comparison compare_runs(std::span<const ComparedRun> runs);
/// One block per statement: its line and text, then each version's cell (one "all versions"
/// cell when they agree).
std::string comparison_text(const Comparison& c, std::string_view title);
/// A Markdown table: line, statement, one column per version; differing rows marked.
std::string comparison_markdown(const Comparison& c, std::string_view title);

}  // namespace ntemu::viz
