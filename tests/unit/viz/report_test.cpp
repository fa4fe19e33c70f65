// SPDX-License-Identifier: MIT
// viz::HtmlReport and viz::compare_runs from hand-made events and states: one timeline entry
// per event, sections per file, equal consecutive states shared, the limits, nothing in the data
// that could end its <script> element; cells and differing rows of a comparison.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"
#include "ntemu/viz/compare.hpp"
#include "ntemu/viz/html_report.hpp"
#include "ntemu/viz/state.hpp"

using namespace ntemu;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

Event begin(std::string file) {
  return Event{"begin", {}}.add("file", std::move(file)).add("kernel", "xp").add("arch", "x86");
}

}  // namespace

TEST_CASE("viz/report: one entry per event, one section per file, equal states shared") {
  Kernel k(*Profile::make(KernelVersion::Xp, Arch::X86));
  const viz::State boot = viz::capture_state(k);
  viz::HtmlReport r;
  r.add_event(begin("a.ntemu"));
  r.add_state("after boot", boot);
  r.add_event(Event{"note", {}}.add("message", "</script><b>"));
  r.add_state("after line 1", boot);  // the same state: stored once
  r.add_event(begin("b.ntemu"));
  r.add_state("after boot", boot);
  const std::string page = r.html("t");
  CHECK(r.events() == 3);
  CHECK(count(page, "<section class=\"run\"") == 2);
  CHECK(count(page, "<tr class=\"event ") == 3);
  CHECK(count(page, "{\"label\":") == 3);
  CHECK(count(page, "\"cid\":[") == 2);  // section a's two steps share one state
  CHECK(count(page, "</script>") == 3);  // two data blocks and the page's script
  CHECK(page.find("&lt;/script&gt;&lt;b&gt;") != std::string::npos);  // the timeline's text
}

TEST_CASE("viz/report: beyond its limits a page counts what it does not keep") {
  viz::HtmlReport r({/*events=*/2, /*states=*/1});
  for (int i = 0; i < 5; ++i)
    r.add_event(Event{"note", {}}.add("message", "m"));
  const std::string page = r.html("t");
  CHECK(r.events() == 5);
  CHECK(count(page, "<tr class=\"event ") == 2);
  CHECK(page.find("3 later events and 0 later states") != std::string::npos);
}

TEST_CASE("viz/compare: rows per statement, differing cells marked, a stopped run") {
  auto run = [](std::string version, std::uint64_t pid, bool bugcheck) {
    std::vector<Event> e = {
        Event{"statement", {}}.add("line", 1).add("source", "CreateProcess a"),
        Event{"call", {}}
            .add("api", "NtCreateProcess")
            .add("status", "STATUS_SUCCESS")
            .add("pid", pid),
        Event{"statement", {}}.add("line", 2).add("source", "NtClose a"),
    };
    if (bugcheck) {
      e.push_back(Event{"bugcheck", {}}
                      .add("code", std::uint64_t{0x17})
                      .add("name", "CID_HANDLE_DELETION")
                      .add("parameters", "0x10"));
    } else {
      e.push_back(Event{"statement", {}}.add("line", 3).add("source", "audit"));
      e.push_back(Event{"audit", {}}.add("line", 3).add("findings", std::uint64_t{0}));
    }
    return viz::ComparedRun{std::move(version), std::move(e)};
  };
  const std::vector<viz::ComparedRun> runs = {run("win2000", 0, true), run("xp", 0xc, false)};
  const viz::Comparison c = viz::compare_runs(runs);
  REQUIRE(c.rows.size() == 5);  // boot, lines 1-3, end of file
  CHECK(c.rows[0].statement == "boot");
  CHECK_FALSE(c.rows[0].differs);
  CHECK(c.rows[1].cells[0] == "NtCreateProcess STATUS_SUCCESS pid=0x0");
  CHECK(c.rows[1].cells[1] == "NtCreateProcess STATUS_SUCCESS pid=0xc");
  CHECK(c.rows[1].differs);
  CHECK(c.rows[2].cells[0].find("BugCheck 0x17 CID_HANDLE_DELETION") == 0);
  CHECK(c.rows[3].cells[0] == "(not run: the machine is down)");
  CHECK(c.rows[3].cells[1] == "audit: 0 findings");
  CHECK(c.differing() == 3);
  const std::string md = viz::comparison_markdown(c, "f");
  CHECK(md.find("| | line | statement | win2000 | xp |\n|---|---|---|---|---|\n") !=
        std::string::npos);
  CHECK(md.find("| ≠ | 1 | CreateProcess a | NtCreateProcess STATUS_SUCCESS pid=0x0 | ") !=
        std::string::npos);
  const std::string text = viz::comparison_text(c, "f");
  CHECK(text.rfind("== compare f: win2000, xp — 3 of 5 rows differ ==\n", 0) == 0);
}
