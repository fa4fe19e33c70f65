// SPDX-License-Identifier: MIT
// The searches (explore/engine.hpp): stateless depth-first search over the decisions, one fresh
// execution per schedule, backtracking to the deepest decision with a CPU left to try that is
// neither asleep nor beyond the preemption bound, optionally one shard of it; and PCT's samples.
#include "ntemu/explore/engine.hpp"

#include <algorithm>
#include <bit>
#include <numeric>

#include "controller.hpp"

namespace ntemu::explore {
namespace {

// Moves the path to its next schedule; false when the search is over.
bool backtrack(std::vector<detail::Node>& path, const Options& options, Summary& summary) {
  while (!path.empty()) {
    detail::Node& n = path.back();
    for (unsigned left = n.ready & ~n.done & ~n.sleep; left != 0; left &= left - 1) {
      const int cpu = std::countr_zero(left);
      const int preemptions = n.preemptions + (n.preempts(cpu) ? 1 : 0);
      if (options.preemption_bound >= 0 && preemptions > options.preemption_bound) {
        summary.bounded = true;
        continue;
      }
      n.chosen = cpu;
      n.done |= 1U << static_cast<unsigned>(cpu);
      return true;
    }
    path.pop_back();
  }
  return false;
}

// The share of the tree left of the path: each decision's awake CPUs counted as equal parts.
double fraction_done(const std::vector<detail::Node>& path) {
  double done = 0;
  double width = 1;
  for (const detail::Node& n : path) {
    const auto options = static_cast<double>(std::max(1, std::popcount(n.ready & ~n.sleep)));
    const auto tried = static_cast<double>(std::popcount(n.done & ~n.sleep));
    width /= options;
    done += (std::max(1.0, tried) - 1) * width;
  }
  return std::min(1.0, done);
}

}  // namespace

Explorer::Explorer(Options options) : options_(options), pool_(std::make_unique<detail::Pool>()) {}

Explorer::~Explorer() = default;

Summary Explorer::explore(const Factory& make, const Visit& visit, const OnProgress& progress) {
  Summary summary;
  std::vector<detail::Node> path;
  const bool sharded = options_.shard_count > 1;
  detail::Sharding sharding;
  if (sharded) {
    sharding.depth = options_.shard_depth != 0
                         ? options_.shard_depth
                         : 4 + 2 * static_cast<std::uint32_t>(std::bit_width(options_.shard_count));
  }
  for (;;) {
    if (summary.schedules + summary.redundant >= options_.max_interleavings) {
      summary.limit = true;
      break;
    }
    std::unique_ptr<Execution> execution = make();
    detail::Controller controller(*pool_, *execution, path, options_, &sharding);
    RunResult result = controller.run();
    ++summary.runs;
    if (sharded && !controller.subtree_named()) {
      // A run that ended (or found nothing new) within the first `depth` decisions is a
      // subtree of its own.
      sharding.current = sharding.next++;
      result.subtree = sharding.current;
    }
    const bool mine = !sharded || result.subtree % options_.shard_count == options_.shard_index;
    if (mine && !controller.foreign()) {
      if (result.deadlock) ++summary.deadlocks;
      if (result.cut) summary.bounded = true;
      if (result.redundant) {
        ++summary.redundant;
      } else {
        ++summary.schedules;
        visit(*execution, result);
      }
    }
    const bool more = backtrack(path, options_, summary);
    if (progress) progress({summary.runs, summary.schedules, more ? fraction_done(path) : 1.0});
    if (!more) break;
  }
  summary.subtrees = sharding.next;
  return summary;
}

Summary Explorer::explore_pct(const PctOptions& pct, const Factory& make, const Visit& visit,
                              const OnProgress& progress) {
  Summary summary;
  summary.randomized = true;
  std::uint64_t k = 0;
  {
    // The estimate of k: the default schedule's decisions (then the most any sample had).
    std::unique_ptr<Execution> probe = make();
    k = run(*probe, Schedule{}).decisions;
    ++summary.runs;
  }
  detail::Random random{pct.seed};
  const int depth = std::clamp(pct.depth, 1, 64);
  for (std::uint64_t i = 0; i < pct.schedules; ++i) {
    std::unique_ptr<Execution> execution = make();
    const int n = execution->cpus();
    detail::PctDraw draw;
    // Priorities depth … depth + n - 1, shuffled (Fisher-Yates); change point j lowers to j.
    std::array<int, kMaxCpus> order{};
    std::iota(order.begin(), order.begin() + n, depth);
    for (int j = n - 1; j > 0; --j) {
      const auto r = static_cast<int>(random.below(static_cast<std::uint64_t>(j) + 1));
      std::swap(order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>(r)]);
    }
    draw.priority = order;
    for (int j = 1; j < depth; ++j)
      draw.change_points.push_back(1 + random.below(std::max<std::uint64_t>(k, 1)));
    std::sort(draw.change_points.begin(), draw.change_points.end());
    summary.estimated_decisions = std::max<std::uint64_t>(k, 1);
    detail::Controller controller(*pool_, *execution, draw);
    RunResult result = controller.run();
    result.sample = i;
    ++summary.runs;
    k = std::max<std::uint64_t>(k, result.decisions);
    if (result.deadlock) ++summary.deadlocks;
    ++summary.schedules;
    visit(*execution, result);
    if (progress) {
      progress({summary.runs, summary.schedules,
                static_cast<double>(i + 1) / static_cast<double>(pct.schedules)});
    }
  }
  return summary;
}

RunResult Explorer::run(Execution& execution, const Schedule& schedule, const OnSwitch& on_switch) {
  detail::Controller controller(*pool_, execution, schedule, on_switch);
  return controller.run();
}

}  // namespace ntemu::explore
