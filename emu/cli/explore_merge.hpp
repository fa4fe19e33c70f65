// SPDX-License-Identifier: MIT
/// \file
/// `ntemu explore --merge SHARD.jsonl...`: the jsonl reports of the shards of one search
/// (`--shard i/n --format jsonl`, every i from 0 to n - 1 once) merged into the report the
/// unsharded search gives: the outcomes in the order the whole search first reaches them, each
/// with the sum of the shards' counts and the shortest schedule of all, and the summary of the
/// whole. Reports of different searches, a missing or repeated shard, or a malformed line are
/// errors (`FILE:LINE: error: …`, exit 2, nothing written).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "explore_report.hpp"

namespace ntemu::cli {

struct MergedReport {
  std::string label;  ///< the scenario's name, as the shards give it
  Event header;       ///< the `explore` event, with `merged` in place of `shard`
  OutcomeTable table;
  explore::Summary summary;
  ReportKind kind;
};

/// Reads and merges the reports (`-` is `in`); nullopt once the errors are printed on `err`.
std::optional<MergedReport> merge_reports(const std::vector<std::string>& files, std::FILE* in,
                                          std::FILE* err);

/// One line of ntemu's jsonl (a flat object of strings, numbers and booleans) back as the
/// event it was written from (`seq` dropped); nullopt (and `error`) if it is not one.
std::optional<Event> parse_event_line(std::string_view line, std::string* error);

}  // namespace ntemu::cli
