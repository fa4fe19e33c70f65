// SPDX-License-Identifier: MIT
/// \file
/// The options of `ntemu explore` (explore_command.hpp) and their parser: the search's bound,
/// limit and reduction, a shard (`--shard i/n`), the randomized mode (`--pct`), a replay, a
/// merge of shards' jsonl reports, the kernel and the output. Bad options throw ExploreUsage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ntemu/explore/engine.hpp"
#include "parser.hpp"

namespace ntemu::cli {

struct ExploreOptions {
  std::string file;
  CheckOptions check;
  bool jsonl = false;
  std::optional<std::string> output;
  explore::Options search;
  bool pct = false;
  explore::PctOptions pct_options;
  std::optional<explore::Schedule> replay;
  std::string replay_text;
  std::vector<std::string> merge;  ///< --merge FILES: the shards' jsonl reports
  bool help = false;
};

/// A bad command line: the message `ntemu: error: …` prints (exit 2).
struct ExploreUsage {
  std::string message;
};

ExploreOptions parse_explore_args(const std::vector<std::string>& args);

/// "i/n" with n from 1 to 65536 and i below n; nullopt otherwise.
std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_shard(const std::string& text);

}  // namespace ntemu::cli
