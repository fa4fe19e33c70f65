// SPDX-License-Identifier: MIT
// The report of an exploration (explore_report.hpp).
#include "explore_report.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "cli.hpp"

namespace ntemu::cli {
namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines)
    out += (out.empty() ? "" : "\n") + l;
  return out;
}

std::string plural(std::uint64_t n, const char* what) {
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

}  // namespace

void OutcomeTable::add(ExploreOutcome outcome, const std::string& schedule, std::size_t length,
                       int preemptions, std::uint64_t subtree, std::uint64_t count,
                       std::optional<std::uint64_t> first) {
  std::string key = outcome.key();
  auto it = std::lower_bound(index_.begin(), index_.end(), key,
                             [](const auto& e, const std::string& k) { return e.first < k; });
  if (it == index_.end() || it->first != key) {
    it = index_.insert(it, {std::move(key), found_.size()});
    found_.push_back(
        {std::move(outcome), 0, schedule, length, preemptions, first.value_or(subtree), subtree});
  } else {
    FoundOutcome& f = found_[it->second];
    const auto mine = std::tuple(preemptions, length, subtree);
    if (mine < std::tuple(f.preemptions, f.length, f.shortest_subtree)) {
      f.schedule = schedule;
      f.length = length;
      f.preemptions = preemptions;
      f.shortest_subtree = subtree;
    }
  }
  found_[it->second].schedules += count;
}

int emit_report(TraceSink& sink, const std::string& label, const OutcomeTable& table,
                const explore::Summary& summary, const ReportKind& kind) {
  const bool sharded = kind.search.shard_count > 1;
  std::uint64_t with_findings = 0;
  std::uint64_t failing = 0;
  const std::vector<FoundOutcome>& found = table.outcomes();
  for (std::size_t i = 0; i < found.size(); ++i) {
    const FoundOutcome& f = found[i];
    const auto id = static_cast<std::uint64_t>(i + 1);
    if (!f.outcome.findings.empty()) ++with_findings;
    if (!f.outcome.failed.empty()) ++failing;
    Event e{"outcome", {}};
    e.add("id", id)
        .add("schedules", f.schedules)
        .add("schedule", f.schedule)
        .add("preemptions", f.preemptions)
        .add("statuses", joined(f.outcome.statuses));
    if (f.outcome.bugcheck) e.add("bugcheck", *f.outcome.bugcheck);
    e.add("findings", std::uint64_t{f.outcome.findings.size()})
        .add("failed", std::uint64_t{f.outcome.failed.size()})
        .add("calls", f.outcome.calls)
        .add("state", f.outcome.state);
    if (sharded) e.add("subtree", f.first_subtree).add("shortest_subtree", f.shortest_subtree);
    sink.emit(e);
    for (const Kernel::Finding& finding : f.outcome.findings) {
      sink.emit(Event{"outcome_finding", {}}
                    .add("outcome", id)
                    .add("kind", std::string(verify::to_string(finding.kind)))
                    .add("detail", finding.detail)
                    .add("step", finding.step));
    }
    for (const std::string& failed : f.outcome.failed)
      sink.emit(Event{"outcome_failed", {}}.add("outcome", id).add("detail", failed));
  }
  std::string proved;
  if (kind.pct) {
    proved = fmt::format(
        "randomized search (PCT, depth {}, seed {}, change points among {} decisions): {} "
        "sampled",
        kind.pct_options.depth, kind.pct_options.seed, summary.estimated_decisions,
        plural(summary.schedules, "schedule"));
  } else {
    proved = summary.limit ? fmt::format("NOT exhaustive: stopped at --max-interleavings {}",
                                         kind.search.max_interleavings)
             : summary.bounded
                 ? fmt::format("exhaustive up to preemption bound {}", kind.search.preemption_bound)
                 : std::string("exhaustive: every interleaving");
    if (kind.merged != 0) {
      proved = fmt::format("{} merged: {}", plural(kind.merged, "shard"), proved);
    } else if (sharded) {
      proved = fmt::format("shard {}/{} (of {}): its part of a search {}", kind.search.shard_index,
                           kind.search.shard_count, plural(summary.subtrees, "subtree"), proved);
    }
    proved += ": " + plural(summary.schedules, "schedule");
    if (summary.redundant != 0) {
      proved += fmt::format(" (and {} that found nothing new)", plural(summary.redundant, "run"));
    }
  }
  proved += fmt::format(", {}, {} with findings, {} failing expectations",
                        plural(found.size(), "outcome"), with_findings, failing);
  if (summary.deadlocks != 0) proved += fmt::format(", {} deadlocked", summary.deadlocks);
  if (kind.pct) proved += "; it proves nothing about the schedules it did not sample";
  Event e{"summary", {}};
  e.add("file", label)
      .add("schedules", summary.schedules)
      .add("pruned", summary.redundant)
      .add("outcomes", std::uint64_t{found.size()})
      .add("with_findings", with_findings)
      .add("failing", failing)
      .add("deadlocks", summary.deadlocks)
      .add("exhaustive", !summary.limit && !kind.pct)
      .add("bounded", summary.bounded);
  if (sharded) e.add("subtrees", summary.subtrees);
  if (kind.pct) e.add("randomized", true);
  e.add("text", proved);
  sink.emit(e);
  return failing == 0 ? kExitOk : kExitExpectFailed;
}

}  // namespace ntemu::cli
