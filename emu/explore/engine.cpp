// SPDX-License-Identifier: MIT
// The search (explore/engine.hpp): stateless depth-first search over the decisions, one fresh
// execution per schedule, backtracking to the deepest decision with a CPU left to try that is
// neither asleep nor beyond the preemption bound.
#include "ntemu/explore/engine.hpp"

#include <bit>

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

}  // namespace

Summary Explorer::explore(const Factory& make, const Visit& visit) {
  Summary summary;
  std::vector<detail::Node> path;
  for (;;) {
    if (summary.schedules + summary.redundant >= options_.max_interleavings) {
      summary.limit = true;
      break;
    }
    std::unique_ptr<Execution> execution = make();
    detail::Controller controller(*execution, path, options_);
    const RunResult result = controller.run();
    if (result.deadlock) ++summary.deadlocks;
    if (result.cut) summary.bounded = true;
    if (result.redundant) {
      ++summary.redundant;
    } else {
      ++summary.schedules;
      visit(*execution, result);
    }
    if (!backtrack(path, options_, summary)) break;
  }
  return summary;
}

RunResult Explorer::run(Execution& execution, const Schedule& schedule, const OnSwitch& on_switch) {
  detail::Controller controller(execution, schedule, on_switch);
  return controller.run();
}

}  // namespace ntemu::explore
