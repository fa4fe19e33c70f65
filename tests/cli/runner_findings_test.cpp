// SPDX-License-Identifier: MIT
// The scenario runner, in process: findings — raised ones listed by every audit, `expect
// findings`, the step a finding names — and bugchecks stopping the machine.
#include "runner.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "parser.hpp"
#include "routines.hpp"
#include "runner_support.hpp"

using namespace ntemu;
using namespace ntemu::cli;
using namespace ntemu::cli::test;

TEST_CASE("runner: every audit lists the use-after-free findings raised earlier") {
  const Run r =
      run("CreateProcess notepad as t1\n"
          "let old = notepad.pid\n"
          "poke notepad.UniqueProcessId = 0\n"
          "NtCreateThread notepad as t2\n"
          "NtTerminateProcess notepad\n"
          "NtClose t1\n"
          "NtClose t2\n"
          "NtClose notepad\n"
          "PsLookupProcessByProcessId old\n"
          "expect status STATUS_INVALID_PARAMETER\n"
          "audit\n"
          "expect findings use-after-free 1\n"
          "expect findings 2\n");
  CHECK(r.outcome.expects_failed == 0);
  CHECK(r.outcome.expects_passed == 3);
  // Raised by the lookup, before its call event, naming the lookup's line.
  std::size_t lookup_finding = 0;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (r.events[i].name == "finding") {
      lookup_finding = i;
      break;
    }
  }
  REQUIRE(lookup_finding + 1 < r.events.size());
  CHECK(str(r.events[lookup_finding], "kind") == "use-after-free");
  CHECK(str(r.events[lookup_finding], "step") == "line 9: PsLookupProcessByProcessId old");
  CHECK(r.events[lookup_finding + 1].name == "call");
  CHECK(audit_kinds(r, 0) == std::vector<std::string>{"use-after-free", "dangling-cid"});
  CHECK(audit_kinds(r, 1) == audit_kinds(r, 0));
}

TEST_CASE("runner: expect findings counts the most recent audit, by kind or in all") {
  const Run r =
      run("CreateProcess a as t\n"
          "audit\n"
          "expect findings 0\n"
          "poke a.UniqueProcessId = 0\n"
          "NtCreateThread a\n"
          "expect findings 0\n"
          "audit\n"
          "expect findings leaked-cid 1\n"
          "expect findings duplicate-cid 2\n");
  const auto expects = r.named("expect");
  REQUIRE(expects.size() == 4);
  CHECK(flag(*expects[0], "ok"));
  CHECK(flag(*expects[1], "ok"));  // still the audit at line 2
  CHECK(str(*expects[1], "detail") == "0 findings in the audit at line 2");
  CHECK(flag(*expects[2], "ok"));
  CHECK_FALSE(flag(*expects[3], "ok"));
  CHECK(str(*expects[3], "detail") ==
        "expected 2 duplicate-cid findings in the audit at line 7, it reported 1");
}

TEST_CASE("runner: a bugcheck stops the machine, and expect bugcheck makes it the expected end") {
  const std::string crash =
      "CreateProcess notepad as t1\n"
      "poke notepad.UniqueProcessId = 0x1234\n"
      "NtTerminateProcess notepad\n"
      "NtClose t1\n"
      "NtClose notepad\n";
  SUBCASE("declared") {
    const Run r = run(crash +
                      "expect bugcheck 0x17\n"
                      "CreateProcess after\n"
                      "expect status STATUS_SUCCESS\n"
                      "expect bugcheck 23\n");
    CHECK(r.outcome.bugcheck == 0x17u);
    CHECK(r.outcome.expects_passed == 2);
    CHECK(r.outcome.expects_failed == 0);
    CHECK(r.outcome.exit_code() == 0);
    const auto b = r.named("bugcheck");
    REQUIRE(b.size() == 1);
    CHECK(num(*b[0], "line") == 5);
    CHECK(num(*b[0], "code") == 0x17);
    CHECK(str(*b[0], "name") == "CID_HANDLE_DELETION");
    CHECK(str(*b[0], "parameters").rfind("0x1234, 0x", 0) == 0);
    // No call event for the statement that crashed, none after it; one skip; the audit.
    for (const Event* c : r.named("call"))
      CHECK(num(*c, "line") < 5);
    const auto skips = r.named("skip");
    REQUIRE(skips.size() == 1);
    CHECK(num(*skips[0], "line") == 7);
    CHECK(r.named("audit").size() == 1);
    CHECK(audit_kinds(r, 0) == std::vector<std::string>{"dangling-cid"});
  }
  SUBCASE("not declared") {
    const Run r = run(crash + "dump cidtable\n");
    CHECK(r.outcome.bugcheck == 0x17u);
    CHECK(r.outcome.exit_code() == 1);
    CHECK(r.named("dump").empty());
    const auto expects = r.named("expect");
    REQUIRE(expects.size() == 1);
    CHECK(num(*expects[0], "line") == 5);
    CHECK_FALSE(flag(*expects[0], "ok"));
  }
  SUBCASE("another code") {
    const Run r = run(crash + "expect bugcheck 0xEF\n");
    CHECK(r.outcome.expects_failed == 2);  // the wrong code, and the undeclared bugcheck
  }
  SUBCASE("expected before it happens") {
    const Run r = run("expect bugcheck 0x17\n" + crash);
    CHECK(r.outcome.expects_failed == 2);
    const auto expects = r.named("expect");
    REQUIRE(expects.size() == 2);
    CHECK(str(*expects[0], "detail") == "expected BugCheck 0x17, but the machine is still running");
  }
  SUBCASE("never happens") {
    const Run r = run("CreateProcess a\nexpect bugcheck 0x17\n");
    CHECK_FALSE(r.outcome.bugcheck.has_value());
    CHECK(r.outcome.exit_code() == 1);
  }
}

TEST_CASE("runner: findings name the statement that caused them") {
  const Run r =
      run("CreateProcess a as t\n"
          "poke a.UniqueProcessId = 0\n"
          "NtCreateThread a\n");
  const auto findings = r.named("finding");
  REQUIRE(findings.size() >= 2);
  CHECK(str(*findings[0], "kind") == "leaked-cid");
  CHECK(str(*findings[0], "step") == "line 2: poke a.UniqueProcessId = 0");
  CHECK(str(*findings[1], "kind") == "duplicate-cid");
  CHECK(str(*findings[1], "step") == "line 3: NtCreateThread a");
}
