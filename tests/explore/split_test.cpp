// SPDX-License-Identifier: MIT
// `ntemu explore --shard`, `--merge`, `--pct`, `ntemu run --schedule` and the progress line, in
// process: the shards' counts add up to the whole search's, their merge is the whole report,
// PCT is deterministic for a seed and finds the removal race, a schedule replays through
// `ntemu run` byte for byte as through `ntemu explore --replay`, and bad input exits 2.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli.hpp"
#include "explore_merge.hpp"
#include "explore_progress.hpp"
#include "run_cli.hpp"

using namespace ntemu::cli;
using namespace ntemu::cli::test;

namespace {

Ran cmd(const std::vector<std::string>& args) {
  return run_ntemu(args);
}

std::string example(const char* name) {
  // Appended, not `std::string(...) + "/" + name`: GCC 12 at -O1 (the tsan preset) reports a
  // false -Warray-bounds in the inlined operator+ of a temporary string.
  std::string path(NTEMU_CONCURRENT_EXAMPLES);
  path += '/';
  path += name;
  return path;
}

// The summary event of a jsonl report.
ntemu::Event summary_of(const std::string& jsonl) {
  const std::size_t at = jsonl.rfind("{\"seq\"");
  REQUIRE(at != std::string::npos);
  std::string line = jsonl.substr(at);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  std::string error;
  const auto e = parse_event_line(line, &error);
  REQUIRE_MESSAGE(e, error);
  REQUIRE(e->name == "summary");
  return *e;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ntemu-split-test-" + name)).string();
}

}  // namespace

TEST_CASE("explore shard: the shards' counts add up to the whole search's, and merge into it") {
  struct Case {
    const char* file;
    const char* kernel;
    const char* shards;
  };
  for (const Case c :
       {Case{"removal-race.ntemu", "win2000", "3"}, Case{"removal-race.ntemu", "xp", "4"},
        Case{"first-threads.ntemu", "win2000", "2"}, Case{"lookup-race.ntemu", "xp", "5"}}) {
    CAPTURE(c.file);
    CAPTURE(c.kernel);
    const std::string file = example(c.file);
    const Ran whole = cmd({"explore", file, "--kernel", c.kernel, "--format", "jsonl"});
    REQUIRE(whole.err.empty());
    const std::uint64_t total = summary_of(whole.out).number("schedules");
    const int n = std::stoi(c.shards);
    std::uint64_t sum = 0;
    std::vector<std::string> merge{"explore", "--merge"};
    for (int i = 0; i < n; ++i) {
      const std::string path = temp_path(std::to_string(i) + ".jsonl");
      const std::string shard = std::to_string(i) + "/" + c.shards;
      const Ran r = cmd({"explore", file, "--kernel", c.kernel, "--shard", shard, "--format",
                         "jsonl", "-o", path});
      CHECK(r.rc == whole.rc);
      CHECK(r.err.empty());
      std::FILE* f = std::fopen(path.c_str(), "rb");
      REQUIRE(f != nullptr);
      sum += summary_of(slurp(f)).number("schedules");
      merge.push_back(path);
    }
    CHECK(sum == total);
    // The merge is the whole search's report, but for the lines saying it was merged.
    const Ran merged = cmd(merge);
    const Ran text = cmd({"explore", file, "--kernel", c.kernel});
    CHECK(merged.rc == text.rc);
    const auto a = split_lines(merged.out);
    const auto b = split_lines(text.out);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 1; i + 1 < a.size(); ++i)
      CHECK(a[i] == b[i]);
    CHECK(a.front().find(", " + std::string(c.shards) + " shards merged ==") != std::string::npos);
    CHECK(a.back().find(std::string(c.shards) + " shards merged: exhaustive") != std::string::npos);
    // A shard missing, or given twice: exit 2, nothing written.
    std::vector<std::string> short_merge(merge.begin(), merge.end() - 1);
    const Ran missing = cmd(short_merge);
    CHECK(missing.rc == 2);
    CHECK(missing.out.empty());
    CHECK(missing.err.find("is missing") != std::string::npos);
    short_merge.push_back(merge[2]);
    const Ran twice = cmd(short_merge);
    CHECK(twice.rc == 2);
    CHECK(twice.out.empty());
    for (std::size_t i = 2; i < merge.size(); ++i)
      std::filesystem::remove(merge[i]);
  }
}

TEST_CASE("explore shard: a bad i/n is a usage error, and so is merging what is not a shard") {
  for (const char* bad : {"3/3", "1/0", "a/2", "1/", "/2", "-1/2", "1", "0/65537", "0/2x"}) {
    CAPTURE(bad);
    const Ran r = cmd({"explore", example("removal-race.ntemu"), "--shard", bad});
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("--shard") != std::string::npos);
  }
  CHECK(cmd({"explore", example("removal-race.ntemu"), "--shard", "0/1"}).rc == 1);
  const std::string path = temp_path("whole.jsonl");
  REQUIRE(cmd({"explore", example("lookup-race.ntemu"), "--format", "jsonl", "-o", path}).rc == 0);
  const Ran r = cmd({"explore", "--merge", path});
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find(":1: error: not a shard's report") != std::string::npos);
  CHECK(cmd({"explore", "--merge"}).rc == 2);
  CHECK(cmd({"explore", "--merge", path, "--kernel", "xp"}).rc == 2);
  std::filesystem::remove(path);
  std::string error;
  CHECK_FALSE(parse_event_line("{\"seq\":1,\"event\":\"x\",\"a\":}", &error));
  CHECK_FALSE(parse_event_line("{\"seq\":1}", &error));
  const auto e =
      parse_event_line(R"({"seq":3,"event":"e","s":"a\"\n\u00e9","n":-2,"b":true})", &error);
  REQUIRE(e);
  CHECK(e->text("s") == "a\"\n\xc3\xa9");
  CHECK(static_cast<std::int64_t>(e->number("n")) == -2);
  CHECK(e->find("seq") == nullptr);
}

TEST_CASE("explore pct: deterministic for a seed, finds the removal race, and says it is random") {
  const std::string race = example("removal-race.ntemu");
  const std::vector<std::string> args{"explore", race,       "--pct", "--seed",
                                      "7",       "--depth",  "3",     "--schedules",
                                      "400",     "--format", "jsonl"};
  const Ran a = cmd(args);
  const Ran b = cmd(args);
  CHECK(a.out == b.out);
  CHECK(a.rc == 1);  // a sample reached call-after-remove: the file's expect failed there
  CHECK(a.out.find("\"kind\":\"call-after-remove\"") != std::string::npos);
  const ntemu::Event s = summary_of(a.out);
  CHECK(s.number("schedules") == 400);
  CHECK(s.text("text").find("randomized search (PCT, depth 3, seed 7") != std::string::npos);
  CHECK(s.text("text").find("proves nothing") != std::string::npos);
  CHECK(s.find("exhaustive") != nullptr);
  CHECK(std::get<bool>(s.find("exhaustive")->value) == false);
  // Its counterexample replays to the failure.
  const std::size_t at = a.out.find("\"failed\":1");
  REQUIRE(at != std::string::npos);
  const std::size_t line = a.out.rfind('\n', at) + 1;
  std::string error;
  const auto outcome = parse_event_line(a.out.substr(line, a.out.find('\n', at) - line), &error);
  REQUIRE(outcome);
  const Ran replay = cmd({"explore", race, "--replay", std::string(outcome->text("schedule"))});
  CHECK(replay.rc == 1);
  CHECK(replay.out.find("finding call-after-remove") != std::string::npos);
  // XP: no sample finds anything.
  const Ran xp = cmd({"explore", race, "--kernel", "xp", "--pct", "--schedules", "300"});
  CHECK(xp.rc == 0);
  CHECK(xp.out.find("    finding ") == std::string::npos);
  // Options of the other search are refused with it, and PCT's without it.
  CHECK(cmd({"explore", race, "--pct", "--preemption-bound", "1"}).rc == 2);
  CHECK(cmd({"explore", race, "--seed", "1"}).rc == 2);
  CHECK(cmd({"explore", race, "--pct", "--depth", "0"}).rc == 2);
  CHECK(cmd({"explore", race, "--pct", "--schedules", "0"}).rc == 2);
}

TEST_CASE("run --schedule: the replay of explore --replay, in text and jsonl") {
  const std::string race = example("removal-race.ntemu");
  for (const char* format : {"text", "jsonl"}) {
    CAPTURE(format);
    const Ran run = cmd({"run", "--schedule", "0:8,1", race, "--format", format});
    const Ran replay = cmd({"explore", race, "--replay", "0:8,1", "--format", format});
    CHECK(run.rc == 1);
    CHECK(run.rc == replay.rc);
    CHECK(run.out == replay.out);
    CHECK(run.err.empty());
  }
  const Ran eq = cmd({"run", race, "--schedule=1", "--kernel", "xp"});
  CHECK(eq.rc == 0);
  CHECK(eq.out.find("replay xp x86, schedule 1 ==") != std::string::npos);
  const Ran bad = cmd({"run", "--schedule", "0:x", race});
  CHECK(bad.rc == 2);
  CHECK(bad.out.empty());
  CHECK(cmd({"run", "--schedule", "0:8,1", race, "--pct"}).rc == 2);
  // Without --schedule a concurrent scenario is still an error to `ntemu run`.
  CHECK(cmd({"run", race}).rc == 2);
}

TEST_CASE("explore progress: nothing on a stderr that is not a terminal, and the line's form") {
  const Ran r = cmd({"explore", example("lookup-race.ntemu")});
  CHECK(r.err.empty());
  ExploreProgress display(nullptr);
  CHECK_FALSE(display.active());
  CHECK(explore_progress_line({100, 80, 0.25}, 2.0) ==
        "explore: 80 schedules (100 runs), 50 runs/s, ~25% done, ~6 s left");
  CHECK(explore_progress_line({10, 10, 0}, 0) == "explore: 10 schedules");
}
