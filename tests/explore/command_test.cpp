// SPDX-License-Identifier: MIT
// `ntemu explore`, in process: the removal race found on win2000 and excluded on xp, replays
// that reproduce it byte for byte, deterministic counts, valid jsonl, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "explore_scenario.hpp"
#include "run_cli.hpp"

using namespace ntemu::cli;
using namespace ntemu::cli::test;

namespace {

Ran ntemu_explore(const std::vector<std::string>& args) {
  std::vector<std::string> line;
  line.reserve(args.size() + 1);
  line.emplace_back("explore");
  for (const std::string& a : args)
    line.push_back(a);
  return run_ntemu(line);
}

const std::string kRace = std::string(NTEMU_CONCURRENT_EXAMPLES) + "/removal-race.ntemu";

// The value of `"key":` in a jsonl line (a string or a number), as text.
std::string field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return {};
  std::size_t start = at + key.size() + 3;
  if (line[start] == '"') {
    const std::size_t end = line.find('"', start + 1);
    return line.substr(start + 1, end - start - 1);
  }
  const std::size_t end = line.find_first_of(",}", start);
  return line.substr(start, end - start);
}

std::vector<std::string> lines_of(const std::string& text, const std::string& event) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    if (line.find("\"event\":\"" + event + "\"") != std::string::npos) out.push_back(line);
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("explore command: win2000's plain array reaches call-after-remove, with a schedule") {
  const Ran r = ntemu_explore({kRace, "--format", "jsonl"});
  CHECK(r.rc == 1);  // some schedule fails the file's `expect findings call-after-remove 0`
  const auto findings = lines_of(r.out, "outcome_finding");
  REQUIRE_FALSE(findings.empty());
  CHECK(field(findings.front(), "kind") == "call-after-remove");
  const auto summary = lines_of(r.out, "summary");
  REQUIRE(summary.size() == 1);
  CHECK(field(summary[0], "exhaustive") == "true");
  CHECK(std::stoull(field(summary[0], "failing")) >= 1);
}

TEST_CASE("explore command: xp's EX_CALLBACK rundown is safe in every interleaving") {
  const Ran r =
      ntemu_explore({kRace, "--kernel", "xp", "--preemption-bound", "none", "--format", "jsonl"});
  CHECK(r.rc == 0);
  CHECK(r.err.empty());
  CHECK(lines_of(r.out, "outcome_finding").empty());
  const auto summary = lines_of(r.out, "summary");
  REQUIRE(summary.size() == 1);
  CHECK(field(summary[0], "bounded") == "false");  // no bound cut anything: every interleaving
  CHECK(field(summary[0], "exhaustive") == "true");
  CHECK(field(summary[0], "failing") == "0");
}

TEST_CASE("explore command: the counts and outcomes are the same on every run") {
  const Ran a = ntemu_explore({kRace, "--format", "jsonl"});
  const Ran b = ntemu_explore({kRace, "--format", "jsonl"});
  CHECK(a.out == b.out);
  const auto summary = lines_of(a.out, "summary");
  REQUIRE(summary.size() == 1);
  CHECK(field(summary[0], "schedules") == field(lines_of(b.out, "summary")[0], "schedules"));
}

TEST_CASE("explore command: reduction keeps every outcome of the full search") {
  auto outcomes = [](const Ran& r) {
    std::vector<std::string> keys;
    for (const std::string& l : lines_of(r.out, "outcome")) {
      keys.push_back(field(l, "statuses") + "|" + field(l, "calls") + "|" + field(l, "findings") +
                     "|" + field(l, "state"));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  for (const char* kernel : {"win2000", "xp"}) {
    const Ran reduced = ntemu_explore({kRace, "--kernel", kernel, "--format", "jsonl"});
    const Ran full =
        ntemu_explore({kRace, "--kernel", kernel, "--no-reduction", "--format", "jsonl"});
    CHECK(outcomes(reduced) == outcomes(full));
  }
}

TEST_CASE("explore command: each outcome's schedule replays to it, byte for byte") {
  const Ran r = ntemu_explore({kRace, "--format", "jsonl"});
  const auto outcomes = lines_of(r.out, "outcome");
  REQUIRE(outcomes.size() >= 2);
  int with_finding = 0;
  for (const std::string& o : outcomes) {
    const std::string schedule = field(o, "schedule");
    const Ran first = ntemu_explore({kRace, "--replay", schedule, "--format", "jsonl"});
    const Ran second = ntemu_explore({kRace, "--replay", schedule, "--format", "jsonl"});
    CHECK(first.out == second.out);
    CHECK(first.rc == (field(o, "failed") == "0" ? 0 : 1));
    const auto replayed = lines_of(first.out, "replayed");
    REQUIRE(replayed.size() == 1);
    CHECK(field(replayed[0], "schedule") == schedule);
    CHECK(field(replayed[0], "findings") == field(o, "findings"));
    if (field(o, "findings") != "0") {
      ++with_finding;
      CHECK(first.out.find("\"kind\":\"call-after-remove\"") != std::string::npos);
    }
  }
  CHECK(with_finding >= 1);
}

TEST_CASE("explore command: a schedule that does not fit is an error, and prints nothing") {
  const Ran r = ntemu_explore({kRace, "--replay", "1:500"});
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("does not fit this scenario") != std::string::npos);
  const Ran bad = ntemu_explore({kRace, "--replay", "0:x"});
  CHECK(bad.rc == 2);
  CHECK(bad.err.find("ntemu: error: --replay") == 0);
}

TEST_CASE("explore command: errors in a concurrent scenario are FILE:LINE:COL, nothing runs") {
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      {"CreateProcess a\n", "1:1: error: no 'cpu N:' statements"},
      {"cpu 0: CreateProcess a\n", "1:8: error: only one CPU has statements"},
      {"cpu 0: CreateProcess a\ncpu 2: CreateProcess b\n", "CPU 1 has none"},
      {"cpu x: CreateProcess a\n", "1:1: error: expected 'cpu N: STATEMENT'"},
      {"cpu 9: CreateProcess a\n", "1:1: error: CPU 9 does not exist"},
      {"cpu 0: CreateProcess a\ncpu 1: CreateProcess b\nCreateProcess c\n",
       "3:1: error: 'CreateProcess' after the 'cpu' statements"},
      {"audit\ncpu 0: CreateProcess a\ncpu 1: CreateProcess b\n",
       "1:1: error: 'audit' before the 'cpu' statements"},
      {"cpu 0: CreateProcess a\naudit\ncpu 1: CreateProcess b\n",
       "3:8: error: the 'cpu' statements must stand together"},
      {"cpu 0: dump cidtable\ncpu 1: CreateProcess b\n", "1:8: error: 'dump' is not supported"},
      {"cpu 0: CreateProcess a\ncpu 1: NtClose nope\n", "2:16: error: "},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    std::FILE* in = std::tmpfile();
    std::fputs(c.text, in);
    std::rewind(in);
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    const int rc = run_command_line({"explore", "-"}, {in, out, err});
    std::fclose(in);
    CHECK(rc == 2);
    CHECK(slurp(out).empty());
    const std::string e = slurp(err);
    CHECK(e.find(std::string("<stdin>:") + "") == 0);
    CHECK(e.find(c.error) != std::string::npos);
  }
}

TEST_CASE("explore command: the cpu prefix keeps the statement's own columns") {
  const Concurrent c = compile_concurrent(
      "PsSetCreateProcessNotifyRoutine edr\ncpu 0: CreateProcess a\n  cpu 1:  "
      "PsSetCreateProcessNotifyRoutine edr remove\naudit\n",
      {});
  REQUIRE(c.ok());
  CHECK(c.cpus == 2);
  CHECK(c.setup == std::vector<std::size_t>{0});
  CHECK(c.cpu[0] == std::vector<std::size_t>{1});
  CHECK(c.cpu[1] == std::vector<std::size_t>{2});
  CHECK(c.checks == std::vector<std::size_t>{3});
  CHECK(c.script.statements[2].pos.column == 11);  // "  cpu 1:  " is ten columns
}

TEST_CASE("explore command: a replay's notifies carry the kb stack they were called from") {
  const Ran r = ntemu_explore({kRace, "--format", "jsonl"});
  const auto outcomes = lines_of(r.out, "outcome");
  // The call-after-remove outcome: the routine ran.
  const auto reached = std::find_if(outcomes.begin(), outcomes.end(), [](const std::string& o) {
    return field(o, "findings") != "0";
  });
  REQUIRE(reached != outcomes.end());
  const std::string schedule = field(*reached, "schedule");
  const Ran jsonl = ntemu_explore({kRace, "--replay", schedule, "--format", "jsonl"});
  const auto notifies = lines_of(jsonl.out, "notify");
  REQUIRE_FALSE(notifies.empty());
  for (const std::string& n : notifies) {
    CAPTURE(n);
    // The routine's caller is the kernel's notify loop, called from the creation path.
    CHECK(n.find("\"kb\":\"") != std::string::npos);
    CHECK(n.find("nt!PspCreateThread") != std::string::npos);
  }
  // The text form shows the same stack under each notify line, as `kb` would.
  const Ran text = ntemu_explore({kRace, "--replay", schedule});
  CHECK(text.out.find("Args to Child") != std::string::npos);
  CHECK(text.out.find("nt!PspCreateThread") != std::string::npos);
}
