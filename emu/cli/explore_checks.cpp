// SPDX-License-Identifier: MIT
// The end of one execution of a concurrent scenario (explore_machine.hpp): the checks after the
// `cpu` statements, the automatic audit, and the outcome the explorer compares.
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "explore_machine.hpp"
#include "ntemu/dbg/dump.hpp"

namespace ntemu::cli {
namespace {

std::string plural(std::uint64_t n, std::string_view what) {
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

}  // namespace

void ExploreMachine::expect(const Statement& s, bool ok, std::string detail) {
  if (ok) {
    ++outcome_.expects_passed;
  } else {
    outcome_.failed.push_back(fmt::format("line {}: {}", s.pos.line, detail));
  }
  emit(Event{"expect", {}}.add("line", s.pos.line).add("ok", ok).add("detail", std::move(detail)),
       -1);
}

void ExploreMachine::check(const Statement& s) {
  Kernel& k = *kernel_;
  if (std::holds_alternative<AuditStmt>(s.body)) {
    last_audit_ = k.verifier().audit(verify::AuditEvents::None);
    emit(Event{"audit", {}}
             .add("line", s.pos.line)
             .add("automatic", false)
             .add("findings", std::uint64_t{last_audit_.size()}),
         -1);
    for (const Kernel::Finding& f : last_audit_)
      emit(verify::finding_event(f), -1);
    return;
  }
  if (const auto* b = std::get_if<ExpectFindingsStmt>(&s.body)) {
    std::uint64_t n = 0;
    for (const Kernel::Finding& f : last_audit_) {
      if (!b->kind || f.kind == *b->kind) ++n;
    }
    const std::string what =
        b->kind ? std::string(verify::to_string(*b->kind)) + " finding" : std::string("finding");
    if (n == b->count) return expect(s, true, plural(n, what));
    return expect(s, false,
                  fmt::format("expected {}, the audit reported {}", plural(b->count, what), n));
  }
  if (const auto* b = std::get_if<ExpectCallsStmt>(&s.body)) {
    const auto i = static_cast<std::size_t>(b->routine.index);
    const std::string& name = script_.routines[i];
    if (calls_[i] == b->count)
      return expect(s, true, fmt::format("{} called {}", name, plural(calls_[i], "time")));
    return expect(s, false,
                  fmt::format("expected {} to be called {}, it was called {}", name,
                              plural(b->count, "time"), plural(calls_[i], "time")));
  }
  if (const auto* b = std::get_if<ExpectBugcheckStmt>(&s.body)) {
    if (!down_)
      return expect(
          s, false,
          fmt::format("expected BugCheck {:#x}, but the machine is still running", b->code));
    if (*down_ == b->code) return expect(s, true, fmt::format("BugCheck {:#x}", b->code));
    return expect(
        s, false,
        fmt::format("expected BugCheck {:#x}, the machine stopped with {:#x}", b->code, *down_));
  }
}

const ExploreOutcome& ExploreMachine::finish() {
  Kernel& k = *kernel_;
  k.set_step("after the cpus");
  for (std::size_t i : program_.checks) {
    const Statement& s = script_.statements[i];
    if (sink_ != nullptr)
      emit(Event{"statement", {}}.add("line", s.pos.line).add("source", s.source), -1);
    check(s);
  }
  // A bugcheck the checks did not expect is a failed expectation, as in `ntemu run`.
  if (down_) {
    bool expected = false;
    for (std::size_t i : program_.checks) {
      const auto* b = std::get_if<ExpectBugcheckStmt>(&script_.statements[i].body);
      expected = expected || (b != nullptr && b->code == *down_);
    }
    if (!expected)
      outcome_.failed.push_back(fmt::format("the machine stopped: BugCheck {:#x}", *down_));
  }
  k.set_step("end of file");
  outcome_.findings = k.verifier().audit(verify::AuditEvents::None);
  emit(Event{"audit", {}}
           .add("line", 0)
           .add("automatic", true)
           .add("findings", std::uint64_t{outcome_.findings.size()}),
       -1);
  for (const Kernel::Finding& f : outcome_.findings)
    emit(verify::finding_event(f), -1);
  std::sort(outcome_.findings.begin(), outcome_.findings.end(),
            [](const Kernel::Finding& a, const Kernel::Finding& b) {
              return std::tie(a.kind, a.detail, a.id, a.object, a.step) <
                     std::tie(b.kind, b.detail, b.id, b.object, b.step);
            });
  // The CPUs' statuses in statement order: the order they finished in is the schedule's.
  // Each CPU's own are in its program order already; "cpu N " starts every one.
  std::stable_sort(outcome_.statuses.begin(), outcome_.statuses.end(),
                   [](const std::string& a, const std::string& b) { return a[4] < b[4]; });
  for (std::size_t i = 0; i < calls_.size(); ++i) {
    if (calls_[i] == 0) continue;
    if (!outcome_.calls.empty()) outcome_.calls += ", ";
    outcome_.calls += fmt::format("{} {}", script_.routines[i], calls_[i]);
  }
  if (outcome_.calls.empty()) outcome_.calls = "none";
  outcome_.state = dbg::dump_cid_table(k) + "\n" + dbg::dump_callbacks(k);
  return outcome_;
}

}  // namespace ntemu::cli
