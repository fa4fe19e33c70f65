// SPDX-License-Identifier: MIT
// Concurrent scenarios (explore_scenario.hpp): the `cpu N:` prefixes, and which statements may
// stand in which part.
#include "explore_scenario.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "ntemu/explore/engine.hpp"

namespace ntemu::cli {
namespace {

enum class Part : std::uint8_t { Setup, Cpu, Checks };

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// A statement the CPUs (and the setup) can run: one kernel call or a piece of bookkeeping.
bool runs_on_cpu(const StatementBody& b) {
  return std::holds_alternative<ProcessNotifyStmt>(b) ||
         std::holds_alternative<ThreadNotifyStmt>(b) ||
         std::holds_alternative<ImageNotifyStmt>(b) ||
         std::holds_alternative<CreateProcessStmt>(b) ||
         std::holds_alternative<CreateThreadStmt>(b) || std::holds_alternative<ObjectOpStmt>(b) ||
         std::holds_alternative<LookupStmt>(b) || std::holds_alternative<ContextStmt>(b) ||
         std::holds_alternative<LetStmt>(b) || std::holds_alternative<PokePidStmt>(b) ||
         std::holds_alternative<PokeSlotStmt>(b);
}

bool is_check(const StatementBody& b) {
  return std::holds_alternative<AuditStmt>(b) || std::holds_alternative<ExpectFindingsStmt>(b) ||
         std::holds_alternative<ExpectCallsStmt>(b) ||
         std::holds_alternative<ExpectBugcheckStmt>(b);
}

// Blanks each line's `cpu N:` prefix; records the CPU of each line (-1: none).
std::string strip_prefixes(std::string_view text, std::vector<int>& line_cpu,
                           std::vector<Diagnostic>& errors) {
  std::string out(text);
  line_cpu.assign(1, -1);  // lines are 1-based
  std::size_t start = 0;
  int line = 1;
  while (start <= out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::size_t i = start;
    while (i < end && is_space(out[i]))
      ++i;
    int cpu = -1;
    if (end - i >= 3 && out.compare(i, 3, "cpu") == 0 && (i + 3 == end || is_space(out[i + 3]))) {
      const std::size_t word = i;
      std::size_t j = i + 3;
      while (j < end && is_space(out[j]))
        ++j;
      std::size_t digits = j;
      while (digits < end && out[digits] >= '0' && out[digits] <= '9')
        ++digits;
      const Pos pos{line, static_cast<int>(word - start) + 1};
      if (digits == j || digits - j > 1 || digits >= end || out[digits] != ':') {
        errors.push_back({pos, "expected 'cpu N: STATEMENT' (N a CPU number)"});
      } else if (out[j] - '0' >= explore::kMaxCpus) {
        errors.push_back({pos, fmt::format("CPU {} does not exist: a scenario has CPUs 0 to {}",
                                           out[j] - '0', explore::kMaxCpus - 1)});
      } else {
        cpu = out[j] - '0';
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(word),
                  out.begin() + static_cast<std::ptrdiff_t>(digits) + 1, ' ');
      }
    }
    line_cpu.push_back(cpu);
    start = end + 1;
    ++line;
  }
  return out;
}

}  // namespace

Concurrent compile_concurrent(std::string_view text, const CheckOptions& options) {
  Concurrent c;
  std::vector<int> line_cpu;
  const std::string stripped = strip_prefixes(text, line_cpu, c.errors);
  if (!c.ok()) return c;
  Compiled compiled = compile_scenario(stripped, options);
  if (!compiled.ok()) {
    c.errors = std::move(compiled.errors);
    return c;
  }
  c.script = std::move(compiled.script);
  const std::vector<Statement>& statements = c.script.statements;
  Part part = Part::Setup;
  int highest = -1;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Statement& s = statements[i];
    const int cpu = line_cpu[static_cast<std::size_t>(s.pos.line)];
    if (std::holds_alternative<KernelStmt>(s.body)) {
      if (cpu >= 0) c.errors.push_back({s.pos, "'kernel' cannot run on a CPU"});
      continue;
    }
    if (cpu >= 0) {
      if (part == Part::Checks) {
        c.errors.push_back({s.pos,
                            "the 'cpu' statements must stand together: checks come "
                            "after the last of them"});
        continue;
      }
      part = Part::Cpu;
    } else if (part == Part::Cpu) {
      part = Part::Checks;
    }
    if (part == Part::Checks || (part == Part::Setup && is_check(s.body))) {
      if (!is_check(s.body)) {
        c.errors.push_back(
            {s.pos, fmt::format("'{}' after the 'cpu' statements: only audit and expect "
                                "findings/calls/bugcheck may follow them (or prefix it with "
                                "'cpu N:')",
                                s.keyword)});
        continue;
      }
      if (part == Part::Setup) {
        c.errors.push_back({s.pos, fmt::format("'{}' before the 'cpu' statements: checks come "
                                               "after them",
                                               s.keyword)});
        continue;
      }
      c.checks.push_back(i);
      continue;
    }
    if (!runs_on_cpu(s.body)) {
      c.errors.push_back({s.pos, fmt::format("'{}' is not supported by ntemu explore", s.keyword)});
      continue;
    }
    if (part == Part::Setup) {
      c.setup.push_back(i);
      continue;
    }
    if (static_cast<std::size_t>(cpu) >= c.cpu.size())
      c.cpu.resize(static_cast<std::size_t>(cpu) + 1);
    c.cpu[static_cast<std::size_t>(cpu)].push_back(i);
    highest = std::max(highest, cpu);
  }
  if (c.ok() && highest < 0) {
    c.errors.push_back({{1, 1}, "no 'cpu N:' statements: nothing runs concurrently"});
  }
  for (std::size_t n = 0; c.ok() && n < c.cpu.size(); ++n) {
    if (!c.cpu[n].empty()) continue;
    const Statement& first = statements[c.cpu.back().front()];
    c.errors.push_back({first.pos, fmt::format("CPU {} has statements but CPU {} has none: "
                                               "number the CPUs from 0",
                                               c.cpu.size() - 1, n)});
  }
  if (c.ok() && c.cpu.size() < 2) {
    c.errors.push_back({statements[c.cpu[0].front()].pos,
                        "only one CPU has statements: a concurrent scenario needs two or more"});
  }
  c.cpus = static_cast<int>(c.cpu.size());
  std::sort(c.errors.begin(), c.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
  });
  return c;
}

}  // namespace ntemu::cli
