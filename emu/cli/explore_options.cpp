// SPDX-License-Identifier: MIT
// The options of `ntemu explore` (explore_options.hpp).
#include "explore_options.hpp"

#include <charconv>

#include <fmt/format.h>

namespace ntemu::cli {
namespace {

std::uint64_t number(const std::string& name, const std::string& v, std::uint64_t max,
                     std::uint64_t min = 0) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || r.ec != std::errc{} || r.ptr != v.data() + v.size() || n > max || n < min) {
    throw ExploreUsage{
        fmt::format("option '{}' needs a number from {} to {}, not '{}'", name, min, max, v)};
  }
  return n;
}

bool takes_value(const std::string& name) {
  for (const char* o :
       {"--kernel", "--arch", "--format", "-o", "--preemption-bound", "--max-interleavings",
        "--replay", "--shard", "--seed", "--depth", "--schedules"}) {
    if (name == o) return true;
  }
  return false;
}

}  // namespace

std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::uint32_t i = 0;
  std::uint32_t n = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  const auto ri = std::from_chars(b, b + slash, i);
  const auto rn = std::from_chars(b + slash + 1, e, n);
  if (slash == 0 || ri.ec != std::errc{} || ri.ptr != b + slash || slash + 1 == text.size() ||
      rn.ec != std::errc{} || rn.ptr != e || n == 0 || n > 65536 || i >= n) {
    return std::nullopt;
  }
  return std::pair{i, n};
}

ExploreOptions parse_explore_args(const std::vector<std::string>& args) {
  ExploreOptions o;
  bool have_file = false;
  bool merging = false;
  bool searched = false;  // an option of the search (bound, limit, reduction, shard)
  bool sampled = false;   // an option of PCT (seed, depth, schedules)
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-" || a.empty() || a.front() != '-') {
      if (merging) {
        o.merge.push_back(a);
        continue;
      }
      if (have_file) throw ExploreUsage{"ntemu explore takes one scenario file"};
      o.file = a;
      have_file = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a == "--no-reduction") {
      o.search.reduction = false;
      searched = true;
      continue;
    }
    if (a == "--pct") {
      o.pct = true;
      continue;
    }
    if (a == "--merge") {
      merging = true;
      continue;
    }
    std::string name = a;
    std::optional<std::string> value;
    if (const std::size_t eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (!takes_value(name)) throw ExploreUsage{fmt::format("unknown option '{}'", a)};
    if (!value) {
      if (i + 1 >= args.size()) throw ExploreUsage{fmt::format("option '{}' needs a value", name)};
      value = args[++i];
    }
    if (name == "--kernel") {
      o.check.kernel = parse_kernel_version(*value);
      if (!o.check.kernel || !Profile::make(*o.check.kernel, Arch::X86)) {
        throw ExploreUsage{fmt::format("unknown or unsupported kernel version '{}'", *value)};
      }
    } else if (name == "--arch") {
      o.check.arch = parse_arch(*value);
      if (!o.check.arch) throw ExploreUsage{fmt::format("unknown architecture '{}'", *value)};
    } else if (name == "--format") {
      if (*value != "text" && *value != "jsonl") {
        throw ExploreUsage{fmt::format("unknown format '{}' (expected text or jsonl)", *value)};
      }
      o.jsonl = *value == "jsonl";
    } else if (name == "-o") {
      o.output = *value;
    } else if (name == "--preemption-bound") {
      o.search.preemption_bound =
          *value == "none" ? -1 : static_cast<int>(number(name, *value, 1000));
      searched = true;
    } else if (name == "--max-interleavings") {
      o.search.max_interleavings = number(name, *value, std::uint64_t{1} << 40, 1);
      searched = true;
    } else if (name == "--shard") {
      const auto shard = parse_shard(*value);
      if (!shard) {
        throw ExploreUsage{fmt::format(
            "--shard '{}': expected i/n, a shard i from 0 to n - 1 of n from 1 to 65536", *value)};
      }
      o.search.shard_index = shard->first;
      o.search.shard_count = shard->second;
      searched = true;
    } else if (name == "--seed") {
      o.pct_options.seed = number(name, *value, ~std::uint64_t{0});
      sampled = true;
    } else if (name == "--depth") {
      o.pct_options.depth = static_cast<int>(number(name, *value, 64, 1));
      sampled = true;
    } else if (name == "--schedules") {
      o.pct_options.schedules = number(name, *value, std::uint64_t{1} << 40, 1);
      sampled = true;
    } else {
      std::string error;
      o.replay = explore::Schedule::parse(*value, &error);
      if (!o.replay) throw ExploreUsage{fmt::format("--replay '{}': {}", *value, error)};
      o.replay_text = *value;
    }
  }
  if (o.help) return o;
  if (merging) {
    if (have_file) throw ExploreUsage{"--merge takes the shards' jsonl reports, not a scenario"};
    if (o.merge.empty()) throw ExploreUsage{"--merge needs the shards' jsonl reports"};
    if (o.pct || o.replay || searched || sampled || o.check.kernel || o.check.arch) {
      throw ExploreUsage{"--merge takes no search, replay or kernel options: only --format, -o"};
    }
    return o;
  }
  if (!have_file) throw ExploreUsage{"no scenario file given"};
  if (sampled && !o.pct) throw ExploreUsage{"--seed, --depth and --schedules need --pct"};
  if (o.pct && searched) {
    throw ExploreUsage{
        "--pct samples schedules at random: --preemption-bound, --max-interleavings, "
        "--no-reduction and --shard are options of the exhaustive search (give each PCT job "
        "its own --seed instead of a shard)"};
  }
  if (o.replay && (o.pct || sampled || o.search.shard_count > 1)) {
    throw ExploreUsage{"--replay runs one schedule: --pct and --shard do not apply"};
  }
  return o;
}

}  // namespace ntemu::cli
