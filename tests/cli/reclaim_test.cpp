// SPDX-License-Identifier: MIT
// `ntemu run --reclaim` (RunOptions::reclaim): deleted objects no PspCidTable entry names leave
// host memory, names of released objects are skipped with the reason, and every hazard the
// verifier names without the option it still names.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "parser.hpp"
#include "runner.hpp"

using namespace ntemu;
using namespace ntemu::cli;

namespace {

std::vector<Event> run(const std::string& text, bool reclaim) {
  CAPTURE(text);
  Compiled c = compile_scenario(text, {});
  if (!c.errors.empty()) FAIL(c.errors[0].message);
  RecordingSink sink;
  RunOptions options;
  options.reclaim = reclaim;
  (void)run_script(c.script, "test.ntemu", sink, options);
  return sink.events();
}

std::vector<const Event*> named(const std::vector<Event>& events, std::string_view name) {
  std::vector<const Event*> out;
  for (const Event& e : events) {
    if (e.name == name) out.push_back(&e);
  }
  return out;
}

std::uint64_t num(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  if (const auto* i = std::get_if<std::int64_t>(&f->value)) return static_cast<std::uint64_t>(*i);
  return std::get<std::uint64_t>(f->value);
}

std::string str(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  return std::get<std::string>(f->value);
}

// `cycles` processes created, terminated and closed, then a snapshot.
std::string churn(int cycles) {
  std::string text = "kernel xp\n";
  for (int i = 0; i < cycles; ++i) {
    text += fmt::format(
        "CreateProcess p{0}\nNtTerminateProcess p{0}\nNtClose p{0}_t1\nNtClose p{0}\n", i);
  }
  return text + "snapshot\n";
}

}  // namespace

TEST_CASE("run --reclaim: deleted processes and threads leave memory, tombstones stay without") {
  for (int cycles : {10, 100}) {
    CAPTURE(cycles);
    const std::vector<Event> kept = run(churn(cycles), false);
    const std::vector<Event> released = run(churn(cycles), true);
    const auto kept_snapshot = named(kept, "snapshot");
    const auto released_snapshot = named(released, "snapshot");
    REQUIRE(kept_snapshot.size() == 1);
    REQUIRE(released_snapshot.size() == 1);
    // Without the option every deleted process and thread is a tombstone in memory; with it
    // only the boot objects remain (System and its first thread: Idle is not among the
    // objects), however many cycles.
    CHECK(num(*kept_snapshot[0], "processes") == 1 + static_cast<std::uint64_t>(cycles));
    CHECK(num(*kept_snapshot[0], "threads") == 1 + static_cast<std::uint64_t>(cycles));
    CHECK(num(*released_snapshot[0], "processes") == 1);
    CHECK(num(*released_snapshot[0], "threads") == 1);
    // The calls themselves answer the same.
    const auto kept_calls = named(kept, "call");
    const auto released_calls = named(released, "call");
    REQUIRE(kept_calls.size() == released_calls.size());
    for (std::size_t i = 0; i < kept_calls.size(); ++i) {
      CHECK(str(*kept_calls[i], "api") == str(*released_calls[i], "api"));
      CHECK(str(*kept_calls[i], "status") == str(*released_calls[i], "status"));
    }
  }
}

TEST_CASE("run --reclaim: a name of a released object is skipped, with the reason") {
  const std::string text =
      "kernel xp\nCreateProcess p\nNtTerminateProcess p\nNtClose p_t1\nNtClose p\nNtClose p\n"
      "let old = p.pid\n";
  const std::vector<Event> kept = run(text, false);
  const std::vector<Event> released = run(text, true);
  // Without the option the second close reaches the kernel (STATUS_INVALID_HANDLE): six calls
  // (CreateProcess makes two).
  CHECK(named(kept, "call").size() == 6);
  CHECK(named(kept, "skip").empty());
  // With it, the process is gone from memory: the statement is skipped, the ID reads as 0.
  CHECK(named(released, "call").size() == 5);
  const auto skips = named(released, "skip");
  REQUIRE(skips.size() == 1);
  CHECK(num(*skips[0], "line") == 6);
  CHECK(str(*skips[0], "reason").find("reclaimed (--reclaim)") != std::string::npos);
  const auto notes = named(released, "note");
  REQUIRE(notes.size() == 1);
  CHECK(str(*notes[0], "message").find("so p.pid is 0") != std::string::npos);
}

TEST_CASE("run --reclaim: a dangling PspCidTable entry is still found (the zero-PID experiment)") {
  // The process's old PID entry still names it after deletion: that tombstone is kept.
  const std::string text =
      "kernel xp\nCreateProcess notepad as t1\nlet old = notepad.pid\n"
      "poke notepad.UniqueProcessId = 0\nNtTerminateProcess notepad\nNtClose t1\n"
      "NtClose notepad\nPsLookupProcessByProcessId old\naudit\n";
  for (bool reclaim : {false, true}) {
    CAPTURE(reclaim);
    const std::vector<Event> events = run(text, reclaim);
    std::vector<std::string> kinds;
    for (const Event* f : named(events, "finding"))
      kinds.push_back(str(*f, "kind"));
    CHECK(std::count(kinds.begin(), kinds.end(), "dangling-cid") >= 1);
    const auto calls = named(events, "call");
    REQUIRE_FALSE(calls.empty());
    CHECK(str(*calls.back(), "api") == "PsLookupProcessByProcessId");
  }
}
