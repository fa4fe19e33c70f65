// SPDX-License-Identifier: MIT
// The scenario parser (syntax) of the tools' statements: expect findings and bugcheck, break,
// during, dump and kernel, each with its errors' exact line and column.
#include "parser.hpp"

#include <string>

#include <doctest/doctest.h>

#include "parser_support.hpp"

using namespace ntemu;
using namespace ntemu::cli;
using namespace ntemu::cli::test;

TEST_CASE("parser: expect findings takes an optional kind and a count") {
  const Parsed all = parse_scenario("expect findings 3\n");
  const auto& a = only_statement<ExpectFindingsStmt>(all);
  CHECK_FALSE(a.kind.has_value());
  CHECK(a.count == 3);
  for (verify::FindingKind k : verify::all_finding_kinds()) {
    if (verify::source_of(k) != verify::FindingSource::Kernel) continue;
    const std::string kind(verify::to_string(k));
    const Parsed p = parse_scenario("expect findings " + kind + " 0x2\n");
    const auto& f = only_statement<ExpectFindingsStmt>(p);
    CHECK(f.kind == k);
    CHECK(f.count == 2);
  }
  check_syntax_error("expect findings dangling 1\n", 1, 17,
                     "unknown finding kind 'dangling' (expected dangling-cid, leaked-cid, "
                     "duplicate-cid, unbalanced-notify, call-after-remove, use-after-free, "
                     "removal-deadlock, notify-count-mismatch, lost-callback-block, "
                     "process-lock-reentry)");
  // The WDK's kinds are raised through a driver, never by a scenario: not expectable.
  check_syntax_error("expect findings pool-leak 1\n", 1, 17,
                     "unknown finding kind 'pool-leak' (expected dangling-cid, leaked-cid, "
                     "duplicate-cid, unbalanced-notify, call-after-remove, use-after-free, "
                     "removal-deadlock, notify-count-mismatch, lost-callback-block, "
                     "process-lock-reentry)");
  check_syntax_error("expect findings leaked-cid\n", 1, 27, "expected a count of findings");
  check_syntax_error("expect findings leaked-cid 1 2\n", 1, 30, "unexpected '2'");
  check_syntax_error("expect findings\n", 1, 16, "expected a finding kind or a count");
}

TEST_CASE("parser: expect bugcheck takes a 32-bit code") {
  const Parsed p = parse_scenario("expect bugcheck 0x17\n");
  const auto& b = only_statement<ExpectBugcheckStmt>(p);
  CHECK(b.code == 0x17);
  CHECK(b.code_pos == Pos{1, 17});
  CHECK(only_statement<ExpectBugcheckStmt>(parse_scenario("expect bugcheck 239\n")).code == 0xEF);
  check_syntax_error("expect bugcheck\n", 1, 16, "expected a bugcheck code");
  check_syntax_error("expect bugcheck CID_HANDLE_DELETION\n", 1, 17, "invalid number");
  check_syntax_error("expect bugcheck 0x100000000\n", 1, 17, "exceeds 32 bits");
  check_syntax_error("expect panic 1\n", 1, 8,
                     "unknown expectation 'panic' (expected status, calls, findings or bugcheck)");
}

TEST_CASE("parser: break takes a routine and optionally process, thread or image") {
  const Parsed p = parse_scenario("break edr process\n");
  const auto& b = only_statement<BreakStmt>(p);
  CHECK(b.routine.name.text == "edr");
  CHECK(b.kind == ps::NotifyKind::Process);
  check_syntax_error("break edr both\n", 1, 11,
                     "unexpected 'both'; usage: break ROUTINE [process|thread|image]");
  check_syntax_error("break\n", 1, 6, "expected a routine name");
}

TEST_CASE("parser: during takes a routine, an optional kind and a registration statement") {
  {
    const Parsed p =
        parse_scenario("during edr process PsSetCreateProcessNotifyRoutine edr remove\n");
    const auto& d = only_statement<DuringStmt>(p);
    CHECK(d.routine.name.text == "edr");
    REQUIRE(d.kind.has_value());
    CHECK(*d.kind == ps::NotifyKind::Process);
    CHECK(d.inner_keyword == "PsSetCreateProcessNotifyRoutine");
    CHECK(d.inner_pos.column == 20);
    CHECK(d.inner_source == "PsSetCreateProcessNotifyRoutine edr remove");
    const auto* inner = std::get_if<ProcessNotifyStmt>(&d.inner);
    REQUIRE(inner != nullptr);
    CHECK(inner->remove);
    CHECK(inner->routine.name.text == "edr");
  }
  {
    const Parsed p = parse_scenario("during av PsRemoveCreateThreadNotifyRoutine av2  # c\n");
    const auto& d = only_statement<DuringStmt>(p);
    CHECK_FALSE(d.kind.has_value());
    const auto* inner = std::get_if<ThreadNotifyStmt>(&d.inner);
    REQUIRE(inner != nullptr);
    CHECK(inner->remove);
    CHECK(d.inner_source == "PsRemoveCreateThreadNotifyRoutine av2");
  }
  check_syntax_error("during edr NtCreateProcess x\n", 1, 12,
                     "'during' runs a registration or removal");
  check_syntax_error("during edr\n", 1, 11, "expected a registration statement");
  // The inner statement's own syntax errors are reported at their place.
  check_syntax_error("during edr PsSetCreateProcessNotifyRoutine edr bogus\n", 1, 48,
                     "unexpected 'bogus'");
  check_syntax_error("during edr thread PsSetCreateProcessNotifyRoutineEx r veto=\n", 1, 60,
                     "expected a status name after 'veto='");
}

TEST_CASE("parser: dump takes cidtable, callbacks or process NAME") {
  CHECK(dump_of("dump cidtable\n").what == DumpStmt::What::CidTable);
  CHECK(dump_of("dump callbacks\n").what == DumpStmt::What::Callbacks);
  CHECK(dump_of("dump process System\n").process->text == "System");
  check_syntax_error("dump everything\n", 1, 6, "cannot dump 'everything'");
}

TEST_CASE("parser: kernel takes a known version and an optional arch") {
  {
    const Parsed p = parse_scenario("kernel xp arch=x64\n");
    const auto& b = only_statement<KernelStmt>(p);
    CHECK(b.parsed_version == KernelVersion::Xp);
    CHECK(b.parsed_arch == Arch::X64);
  }
  check_syntax_error("kernel win98\n", 1, 8, "unknown kernel version 'win98'");
  check_syntax_error("kernel win2000 arch=arm64\n", 1, 21, "unknown architecture 'arm64'");
  check_syntax_error("kernel win2000 arch=\n", 1, 21, "expected x86 or x64");
  check_syntax_error("kernel win2000 x64\n", 1, 16, "unexpected 'x64'");
}
