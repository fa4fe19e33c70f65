// SPDX-License-Identifier: MIT
// The side-by-side comparison. Each run's events are cut at its `statement` events; every event
// that says what the kernel did becomes one line of the cell of the statement it follows, with
// the fields that differ between versions (IDs, statuses, arguments) and without those that
// only repeat the statement (names, lines, the stamps).
#include "ntemu/viz/compare.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "ntemu/viz/describe.hpp"

namespace ntemu::viz {
namespace {

constexpr std::string_view kNotRun = "(not run: the machine is down)";

// The line an event contributes to its statement's cell, or "" for none.
std::string cell_line(const Event& e) {
  const std::string_view n = e.name;
  if (n == "call") {
    std::string out = fmt::format("{} {}", e.text("api"), e.text("status"));
    for (const char* key : {"pid", "tid", "id", "handle"}) {
      if (e.find(key) != nullptr) out += fmt::format(" {}={}", key, field_text(e, key));
    }
    return out;
  }
  if (n == "cid") {
    return fmt::format("cid {} {:#06x} {} {}", e.text("op"), e.number("handle"), e.text("type"),
                       e.text("name"));
  }
  if (n == "notify") {
    return fmt::format("notify {} {} ({}) on {}", e.text("kind"), e.text("symbol"),
                       notify_arguments(e), notify_context(e));
  }
  if (n == "finding") return fmt::format("finding {}", e.text("kind"));
  if (n == "expect") {
    const Field* ok = e.find("ok");
    const bool* held = ok == nullptr ? nullptr : std::get_if<bool>(&ok->value);
    return held != nullptr && *held ? std::string()
                                    : "expect FAILED: " + std::string(e.text("detail"));
  }
  if (n == "audit") return fmt::format("audit: {} findings", e.number("findings"));
  if (n == "end") {
    return fmt::format("{} expects passed, {} failed", e.number("expects_passed"),
                       e.number("expects_failed"));
  }
  if (n == "bugcheck" || n == "race" || n == "poke" || n == "skip" || n == "break") {
    return describe(e);
  }
  if (n == "begin" || n == "statement" || n == "let" || n == "dump" || n == "context" ||
      n == "snapshot" || n == "note") {
    return {};
  }
  return describe(e);  // a kind added later: shown, not dropped
}

struct Cut {
  std::map<int, std::string> cells;   // line -> cell
  std::map<int, std::string> source;  // line -> statement text
};

Cut cut(const ComparedRun& run) {
  Cut c;
  int line = 0;
  c.cells[0];
  for (const Event& e : run.events) {
    if (e.name == "statement") {
      line = static_cast<int>(e.number("line"));
      c.source[line] = std::string(e.text("source"));
      c.cells[line];
      continue;
    }
    if (e.name == "audit" && e.number("line") == 0) line = Comparison::kEndLine;
    if (e.name == "end") line = Comparison::kEndLine;
    const std::string l = cell_line(e);
    if (l.empty()) continue;
    std::string& cell = c.cells[line];
    if (!cell.empty()) cell += '\n';
    cell += l;
  }
  c.cells[Comparison::kEndLine];
  return c;
}

bool stopped(const Cut& c) {
  for (const auto& [line, cell] : c.cells) {
    if (cell.find("BugCheck") != std::string::npos) return true;
  }
  return false;
}

// Markdown cell text: '|' escaped, lines as <br>, HTML's specials as entities.
std::string md(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string indent(std::string_view cell, std::size_t width) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (start <= cell.size()) {
    std::size_t end = cell.find('\n', start);
    if (end == std::string_view::npos) end = cell.size();
    if (!first) out += "\n" + std::string(width, ' ');
    out += cell.substr(start, end - start);
    first = false;
    start = end + 1;
  }
  return out;
}

}  // namespace

std::size_t Comparison::differing() const {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [](const ComparisonRow& r) { return r.differs; }));
}

Comparison compare_runs(std::span<const ComparedRun> runs) {
  Comparison out;
  std::vector<Cut> cuts;
  std::map<int, std::string> source;
  for (const ComparedRun& r : runs) {
    out.versions.push_back(r.version);
    cuts.push_back(cut(r));
    for (const auto& [line, text] : cuts.back().source)
      source.emplace(line, text);
  }
  std::map<int, bool> lines;
  for (const Cut& c : cuts) {
    for (const auto& [line, cell] : c.cells)
      lines[line] = true;
  }
  for (const auto& [line, unused] : lines) {
    ComparisonRow row;
    row.line = line;
    row.statement = line == 0                      ? "boot"
                    : line == Comparison::kEndLine ? "end of file"
                                                   : source[line];
    for (const Cut& c : cuts) {
      const auto it = c.cells.find(line);
      row.cells.push_back(it != c.cells.end() ? it->second
                          : stopped(c)        ? std::string(kNotRun)
                                              : std::string());
    }
    row.differs = std::adjacent_find(row.cells.begin(), row.cells.end(), std::not_equal_to<>()) !=
                  row.cells.end();
    out.rows.push_back(std::move(row));
  }
  return out;
}

std::string comparison_text(const Comparison& c, std::string_view title) {
  std::size_t width = std::string_view("all versions").size();
  for (const std::string& v : c.versions)
    width = std::max(width, v.size());
  width += 2;
  std::string out = fmt::format("== compare {}: {} — {} of {} rows differ ==\n", title,
                                fmt::join(c.versions, ", "), c.differing(), c.rows.size());
  for (const ComparisonRow& r : c.rows) {
    const std::string where = r.line == 0 || r.line == Comparison::kEndLine
                                  ? r.statement
                                  : fmt::format("line {}: {}", r.line, r.statement);
    out += fmt::format("{}{}\n", where, r.differs ? "   [differs]" : "");
    if (!r.differs) {
      if (!r.cells.empty() && !r.cells.front().empty()) {
        out +=
            fmt::format("  {:<{}}{}\n", "all versions", width, indent(r.cells.front(), width + 2));
      }
      continue;
    }
    for (std::size_t i = 0; i < r.cells.size(); ++i) {
      out += fmt::format("  {:<{}}{}\n", c.versions[i], width,
                         r.cells[i].empty() ? "(nothing)" : indent(r.cells[i], width + 2));
    }
  }
  return out;
}

std::string comparison_markdown(const Comparison& c, std::string_view title) {
  std::string out = fmt::format("**{}** on {}: {} of {} rows differ (marked ≠).\n\n", md(title),
                                fmt::join(c.versions, ", "), c.differing(), c.rows.size());
  out += "| | line | statement |";
  for (const std::string& v : c.versions)
    out += fmt::format(" {} |", md(v));
  out += "\n|---|---|---|";
  for (std::size_t i = 0; i < c.versions.size(); ++i)
    out += "---|";
  out += '\n';
  for (const ComparisonRow& r : c.rows) {
    const std::string line =
        r.line == 0 || r.line == Comparison::kEndLine ? std::string() : std::to_string(r.line);
    out += fmt::format("| {} | {} | {} |", r.differs ? "≠" : "", line, md(r.statement));
    for (const std::string& cell : r.cells)
      out += fmt::format(" {} |", md(cell));
    out += '\n';
  }
  return out;
}

}  // namespace ntemu::viz
