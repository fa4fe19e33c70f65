// SPDX-License-Identifier: MIT
// The scenario runner's checks and views: audits, expectations, the stopped machine (a bugcheck
// and `expect bugcheck`), breakpoints, and dumps (drawn by dbg/dump.hpp).
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "ntemu/dbg/dump.hpp"
#include "ntemu/viz/state.hpp"
#include "report.hpp"
#include "runner_impl.hpp"

namespace ntemu::cli {
namespace {

std::string plural(std::uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

bool same_findings(const std::vector<Kernel::Finding>& a, const std::vector<Kernel::Finding>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

// --- audits -----------------------------------------------------------------------------------

void Runner::exec(const Statement& s, const AuditStmt&) {
  run_audit(s.pos.line);
}

void Runner::run_audit(int line, bool automatic) {
  // Audited without emitting: the heading comes first, then every finding — those raised while
  // running (emitted when raised) listed again, then the ones found now.
  std::vector<Kernel::Finding> findings = kernel().verifier().audit(verify::AuditEvents::None);
  Event heading = Event{"audit", {}}
                      .add("line", line)
                      .add("automatic", automatic)
                      .add("findings", static_cast<std::uint64_t>(findings.size()));
  // The automatic audit repeating the last explicit one says so (the text output then shows
  // only the count); its findings are still all listed as events.
  if (automatic && last_audit_line_ != 0 && !findings.empty() &&
      same_findings(findings, last_findings_)) {
    heading.add("same_as", last_audit_line_);
  }
  sink_.emit(heading);
  for (const Kernel::Finding& f : findings)
    sink_.emit(verify::finding_event(f));
  last_findings_ = std::move(findings);
  last_audit_line_ = line;
}

// --- expectations -----------------------------------------------------------------------------

void Runner::expect(const Statement& s, bool ok, std::string detail) {
  expect(s.pos.line, ok, std::move(detail));
}

void Runner::expect(int line, bool ok, std::string detail) {
  (ok ? outcome_.expects_passed : outcome_.expects_failed) += 1;
  sink_.emit(Event{"expect", {}}.add("line", line).add("ok", ok).add("detail", std::move(detail)));
}

void Runner::exec(const Statement& s, const ExpectStatusStmt& b) {
  const std::string want = status_text(b.status);
  if (!last_status_) {
    return expect(s, false,
                  fmt::format("expected {}, but line {} was skipped", want, last_api_line_));
  }
  const std::string got = status_text(*last_status_);
  if (*last_status_ == b.status) return expect(s, true, fmt::format("status {}", got));
  expect(s, false, fmt::format("expected {}, got {} (line {})", want, got, last_api_line_));
}

void Runner::exec(const Statement& s, const ExpectCallsStmt& b) {
  const auto i = static_cast<std::size_t>(b.routine.index);
  std::uint64_t calls = 0;
  for (const auto& per_kind : calls_)
    calls += per_kind[i];
  calls += ob_callbacks_[i].calls;
  const std::string& name = script_.routines[i];
  if (calls == b.count) {
    return expect(s, true, fmt::format("{} called {} time{}", name, calls, calls == 1 ? "" : "s"));
  }
  expect(s, false,
         fmt::format("expected {} to be called {} time{}, it was called {} time{}", name, b.count,
                     b.count == 1 ? "" : "s", calls, calls == 1 ? "" : "s"));
}

void Runner::exec(const Statement& s, const ExpectFindingsStmt& b) {
  std::uint64_t n = 0;
  for (const Kernel::Finding& f : last_findings_) {
    if (!b.kind || f.kind == *b.kind) ++n;
  }
  const std::string what =
      b.kind ? std::string(verify::to_string(*b.kind)) + " finding" : std::string("finding");
  const std::string where = fmt::format("the audit at line {}", last_audit_line_);
  if (n == b.count) return expect(s, true, fmt::format("{} in {}", plural(n, what), where));
  expect(s, false,
         fmt::format("expected {} in {}, it reported {}", plural(b.count, what), where, n));
}

// --- the machine stops ------------------------------------------------------------------------

void Runner::report_bugcheck(int line, const BugCheck& b) {
  const auto& p = b.parameters();
  sink_.emit(
      Event{"bugcheck", {}}
          .add("line", line)
          .add("code", std::uint64_t{b.code()})
          .add("name", b.name())
          .add("parameters", fmt::format("{:#x}, {:#x}, {:#x}, {:#x}", p[0], p[1], p[2], p[3])));
}

void Runner::stopped(const Statement& s, const BugCheck& b) {
  report_bugcheck(s.pos.line, b);
  down_ = Down{s.pos.line, b.code(), b.name(), false};
  outcome_.bugcheck = b.code();
  last_status_.reset();
  last_api_line_ = s.pos.line;
}

void Runner::after_bugcheck(const Statement& s) {
  if (const auto* b = std::get_if<ExpectBugcheckStmt>(&s.body)) {
    sink_.emit(Event{"statement", {}}.add("line", s.pos.line).add("source", s.source));
    exec(s, *b);
    return;
  }
  if (down_->skip_reported) return;
  down_->skip_reported = true;
  sink_.emit(Event{"skip", {}}
                 .add("line", s.pos.line)
                 .add("reason", fmt::format("the machine is down (BugCheck {:#x} at line {}): "
                                            "no statement from here on runs, except 'expect "
                                            "bugcheck'",
                                            down_->code, down_->line)));
}

void Runner::check_bugcheck_expected() {
  if (!down_ || bugcheck_expected_) return;
  expect(down_->line, false,
         fmt::format("BugCheck {:#x} {} at line {} was not expected (declare it with 'expect "
                     "bugcheck {:#x}' after that statement)",
                     down_->code, down_->name, down_->line, down_->code));
}

void Runner::exec(const Statement& s, const ExpectBugcheckStmt& b) {
  if (!down_) {
    return expect(s, false,
                  fmt::format("expected BugCheck {:#x}, but the machine is still running", b.code));
  }
  if (down_->code == b.code) {
    bugcheck_expected_ = true;
    return expect(
        s, true,
        fmt::format("BugCheck {:#x} {} at line {}", down_->code, down_->name, down_->line));
  }
  expect(s, false,
         fmt::format("expected BugCheck {:#x}, got BugCheck {:#x} {} at line {}", b.code,
                     down_->code, down_->name, down_->line));
}

// --- breakpoints and dumps --------------------------------------------------------------------

void Runner::exec(const Statement&, const BreakStmt& b) {
  const auto i = static_cast<std::size_t>(b.routine.index);
  for (ps::NotifyKind kind : ps::kNotifyKinds) {
    if (!b.kind || *b.kind == kind) breaks_[slot(kind)][i] = true;
  }
}

std::string Runner::calls_note(ps::NotifyKind kind, const void* routine) const {
  const std::optional<std::size_t> k = routine_index(kind, routine);
  if (!k || *k >= script_.routines.size()) return {};
  return fmt::format("  calls {}", calls_[slot(kind)][*k]);
}

void Runner::exec(const Statement& s, const SnapshotStmt& b) {
  const std::string label = b.label ? b.label->text : std::string();
  const viz::State st = viz::capture_state(kernel());
  Event e{"snapshot", {}};
  e.add("line", s.pos.line);
  if (b.label) e.add("label", label);
  e.add("cid_entries", static_cast<std::uint64_t>(st.cid_entries.size()))
      .add("dangling", static_cast<std::uint64_t>(st.dangling_entries()))
      .add("processes", static_cast<std::uint64_t>(st.processes.size()))
      .add("threads", static_cast<std::uint64_t>(st.thread_count()));
  std::uint64_t slots = 0;
  for (const viz::ArrayState& a : st.arrays)
    slots += a.occupied.size();
  e.add("slots", slots);
  sink_.emit(e);
  show_state(StatePoint::Kind::Snapshot, &s, label);
}

void Runner::exec(const Statement& s, const DumpStmt& b) {
  Event e{"dump", {}};
  e.add("line", s.pos.line);
  switch (b.what) {
    case DumpStmt::What::CidTable:
      e.add("what", "cidtable").add("text", dbg::dump_cid_table(kernel()));
      break;
    case DumpStmt::What::Callbacks:
      e.add("what", "callbacks")
          .add("text", dbg::dump_callbacks(kernel(), [this](ps::NotifyKind kind, const void* r) {
                 return calls_note(kind, r);
               }));
      break;
    case DumpStmt::What::Process: {
      ps::Process* p = process_of(b.symbol);
      if (p == nullptr) return skip(s, not_created(b.symbol));
      e.add("what", "process")
          .add("name", p->ImageFileName)
          .add("text", dbg::dump_process(*p, script_.arch));
      break;
    }
  }
  sink_.emit(e);
}

}  // namespace ntemu::cli
