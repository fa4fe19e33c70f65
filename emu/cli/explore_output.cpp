// SPDX-License-Identifier: MIT
// The text form of `ntemu explore`'s report and replays (explore_output.hpp).
#include "explore_output.hpp"

#include <string>

#include <fmt/format.h>

#include "text_output.hpp"

namespace ntemu::cli {
namespace {

std::string text(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  if (f == nullptr) return {};
  if (const auto* s = std::get_if<std::string>(&f->value)) return *s;
  if (const auto* b = std::get_if<bool>(&f->value)) return *b ? "true" : "false";
  return fmt::format("{}", e.number(key));
}

// Multi-line text, each line indented by `indent`.
std::string block(const std::string& body, std::string_view indent) {
  std::string out;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    out += fmt::format("{}{}\n", indent, std::string_view(body).substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string to_text(const Event& e) {
  if (e.name == "explore" && e.find("pct") != nullptr) {
    return fmt::format("== {}: explore {} {}, {} CPUs, PCT depth {}, seed {}, {} samples ==\n",
                       text(e, "file"), text(e, "kernel"), text(e, "arch"), text(e, "cpus"),
                       text(e, "depth"), text(e, "seed"), text(e, "samples"));
  }
  if (e.name == "explore") {
    std::string split;
    if (e.find("shard") != nullptr) split = ", shard " + text(e, "shard");
    if (e.find("merged") != nullptr) split = ", " + text(e, "merged") + " shards merged";
    return fmt::format("== {}: explore {} {}, {} CPUs, preemption bound {}, {}{} ==\n",
                       text(e, "file"), text(e, "kernel"), text(e, "arch"), text(e, "cpus"),
                       text(e, "preemption_bound"),
                       text(e, "reduction") == "true" ? "sleep sets" : "no reduction", split);
  }
  if (e.name == "outcome") {
    std::string out = fmt::format("outcome {}: {} schedule{}, shortest {} ({} preemption{})\n",
                                  text(e, "id"), text(e, "schedules"),
                                  text(e, "schedules") == "1" ? "" : "s", text(e, "schedule"),
                                  text(e, "preemptions"), text(e, "preemptions") == "1" ? "" : "s");
    out += block(text(e, "statuses"), "    status  ");
    if (e.find("bugcheck") != nullptr) out += "    bugcheck " + text(e, "bugcheck") + "\n";
    out += "    calls   " + text(e, "calls") + "\n";
    out += block(text(e, "state"), "    state   ");
    return out;
  }
  if (e.name == "outcome_finding") {
    return fmt::format("    finding {}  {} [{}]\n", text(e, "kind"), text(e, "detail"),
                       text(e, "step"));
  }
  if (e.name == "outcome_failed") return "    FAILED  " + text(e, "detail") + "\n";
  if (e.name == "summary") return fmt::format("== {}: {} ==\n", text(e, "file"), text(e, "text"));
  if (e.name == "replay") {
    return fmt::format("== {}: replay {} {}, schedule {} ==\n", text(e, "file"), text(e, "kernel"),
                       text(e, "arch"), text(e, "schedule"));
  }
  if (e.name == "switch") {
    return fmt::format("    ---- cpu {} ({}) ----\n", text(e, "cpu"), text(e, "what"));
  }
  if (e.name == "replayed") {
    return fmt::format("== {}: {} decisions, {} preemption{}, {} expects failed ==\n",
                       text(e, "file"), text(e, "decisions"), text(e, "preemptions"),
                       text(e, "preemptions") == "1" ? "" : "s", text(e, "expects_failed"));
  }
  return TextOutput::to_text(e);
}

}  // namespace

void ExploreTextOutput::emit(const Event& e) {
  const std::string t = to_text(e);
  std::lock_guard hold(m_);
  std::fwrite(t.data(), 1, t.size(), out_);
}

}  // namespace ntemu::cli
