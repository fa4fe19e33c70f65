// SPDX-License-Identifier: MIT
// What the runner's tests share: a scenario run in process into a recording sink, and typed
// reads of its events' fields.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "parser.hpp"
#include "runner.hpp"

namespace ntemu::cli::test {

struct Run {
  std::vector<Event> events;
  RunOutcome outcome;

  std::vector<const Event*> named(std::string_view name) const {
    std::vector<const Event*> out;
    for (const Event& e : events) {
      if (e.name == name) out.push_back(&e);
    }
    return out;
  }
};

inline Run run(const std::string& text) {
  CAPTURE(text);
  Compiled c = compile_scenario(text, {});
  if (!c.errors.empty()) FAIL(c.errors[0].message);
  RecordingSink sink;
  Run r;
  r.outcome = run_script(c.script, "test.ntemu", sink);
  r.events = sink.events();
  return r;
}

inline std::string str(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  return std::get<std::string>(f->value);
}

inline std::uint64_t num(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  if (const auto* i = std::get_if<std::int64_t>(&f->value)) return static_cast<std::uint64_t>(*i);
  return std::get<std::uint64_t>(f->value);
}

inline bool flag(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  return std::get<bool>(f->value);
}

// The kinds of the findings listed under the N-th audit event (0-based).
inline std::vector<std::string> audit_kinds(const Run& r, std::size_t n) {
  std::vector<std::string> kinds;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (r.events[i].name != "audit" || seen++ != n) continue;
    for (std::size_t j = i + 1; j < r.events.size() && r.events[j].name == "finding"; ++j)
      kinds.push_back(str(r.events[j], "kind"));
  }
  return kinds;
}

}  // namespace ntemu::cli::test
