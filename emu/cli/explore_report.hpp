// SPDX-License-Identifier: MIT
/// \file
/// The report of an exploration (explore_command.hpp): the distinct outcomes, each with how
/// many schedules reached it and the shortest one, and the summary saying what was proved —
/// for a whole search, one shard of it, a PCT sample, or shards merged (explore_merge.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "explore_machine.hpp"
#include "ntemu/explore/engine.hpp"
#include "ntemu/trace.hpp"

namespace ntemu::cli {

/// One distinct outcome and the schedules that reach it.
struct FoundOutcome {
  ExploreOutcome outcome;
  std::uint64_t schedules = 0;
  std::string schedule;    ///< the shortest one, printed
  std::size_t length = 0;  ///< its decisions (trimmed)
  int preemptions = 0;
  std::uint64_t first_subtree = 0;     ///< sharded: the subtree of the first schedule reaching it
  std::uint64_t shortest_subtree = 0;  ///< sharded: the shortest schedule's subtree
};

/// Keeps the outcomes in the order they were first reached.
class OutcomeTable {
 public:
  /// Counts one schedule; keeps it as the shortest (fewest preemptions, then fewest decisions,
  /// then the first reached) if it is.
  /// `first`: the subtree where the outcome was first reached (a merge's; else `subtree`).
  void add(ExploreOutcome outcome, const std::string& schedule, std::size_t length, int preemptions,
           std::uint64_t subtree, std::uint64_t count = 1,
           std::optional<std::uint64_t> first = std::nullopt);
  const std::vector<FoundOutcome>& outcomes() const { return found_; }

 private:
  std::vector<FoundOutcome> found_;
  std::vector<std::pair<std::string, std::size_t>> index_;  // key -> position, sorted
};

/// How the schedules were chosen, for the summary's sentence.
struct ReportKind {
  explore::Options search;
  bool pct = false;
  explore::PctOptions pct_options;
  std::uint32_t merged = 0;  ///< the number of shards merged (0: not a merge)
};

/// Emits the outcome events and the summary; returns the exit status (1 if an outcome failed
/// an expectation).
int emit_report(TraceSink& sink, const std::string& label, const OutcomeTable& table,
                const explore::Summary& summary, const ReportKind& kind);

/// The deadlock's failure line (an outcome's `failed`).
inline constexpr const char* kDeadlock = "deadlock: every CPU waited for another";

}  // namespace ntemu::cli
