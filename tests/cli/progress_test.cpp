// SPDX-License-Identifier: MIT
// cli::Progress with a fake clock (the output is a temporary file, read back as it grows): off a
// terminal nothing is written until the summary; on one, the status line (count, percent, rate,
// time left) is redrawn in place at most ten times a second and erased at the end.
#include "progress.hpp"

#include <cstdio>
#include <string>

#include <doctest/doctest.h>

using namespace ntemu::cli;

namespace {

std::string slurp(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    out.append(buffer, n);
  std::fseek(f, 0, SEEK_END);  // a write may follow a read only after a positioning call
  return out;
}

}  // namespace

TEST_CASE("progress: off a terminal only the final summary is written") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  double now = 100;
  {
    Progress p(f, "soak xp", 1000, "lifecycles", ProgressDisplay::Quiet, [&] { return now; });
    CHECK_FALSE(p.on_terminal());
    for (int i = 1; i <= 10; ++i) {
      now += 0.5;
      p.update(static_cast<std::uint64_t>(i) * 100);
    }
    CHECK(slurp(f).empty());
    p.finish(", 0 findings");
  }
  CHECK(slurp(f) == "soak xp: 1000 lifecycles in 5.0 s (200/s), 0 findings\n");
  std::fclose(f);
}

TEST_CASE("progress: on a terminal the status line is redrawn at most ten times a second") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  double now = 0;
  std::string out;
  {
    Progress p(f, "explore", 1000, "schedules", ProgressDisplay::Terminal, [&] { return now; });
    now = 1;
    p.update(100);
    CHECK(p.status_line() == "explore  100 / 1000 schedules   10.0%  100/s  9 s left");
    now = 1.05;
    p.update(105);  // within 0.1 s of the last redraw: not drawn
    out = slurp(f);
    CHECK(out == "\rexplore  100 / 1000 schedules   10.0%  100/s  9 s left");
    now = 2;
    p.update(50);  // a smaller count is ignored; the time has come to redraw
    CHECK(p.done() == 105);
    p.stop();
  }
  out = slurp(f);
  CHECK(out.find("\rexplore  105 / 1000 schedules   10.5%  52/s  17 s left") != std::string::npos);
  // The line is erased at the end: blanks over it, the cursor back at the start.
  CHECK(out.substr(out.size() - 2) == " \r");
  std::fclose(f);
}

TEST_CASE("progress: an unknown total shows the count and rate only") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  double now = 0;
  {
    Progress p(f, "fuzz", 0, "runs", ProgressDisplay::Terminal, [&] { return now; });
    now = 2;
    p.update(5000);
    CHECK(p.status_line() == "fuzz  5000 runs  2500/s");
    CHECK(p.summary() == "5000 runs in 2.0 s (2500/s)");
  }  // erased by the destructor, before the file is closed
  CHECK(slurp(f).find("\rfuzz  5000 runs  2500/s") == 0);
  std::fclose(f);
}
