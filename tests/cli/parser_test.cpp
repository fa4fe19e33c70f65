// SPDX-License-Identifier: MIT
// The scenario parser (syntax): every statement form, and every syntax error class with the
// exact line and column it is reported at.
#include "parser.hpp"

#include <string>

#include <doctest/doctest.h>

#include "parser_support.hpp"

using namespace ntemu;
using namespace ntemu::cli;
using namespace ntemu::cli::test;

TEST_CASE("parser: blank lines and comments make no statements") {
  const Parsed p = parse_scenario("\n   \n# a comment\n\t# another\n\n");
  CHECK(p.errors.empty());
  CHECK(p.statements.empty());
}

TEST_CASE("parser: a statement keeps its position, keyword and source without the comment") {
  const Parsed p = parse_scenario("# header\n  NtCreateProcess  notepad   # the victim\r\n");
  REQUIRE(p.errors.empty());
  REQUIRE(p.statements.size() == 1);
  const Statement& s = p.statements[0];
  CHECK(s.pos == Pos{2, 3});
  CHECK(s.keyword == "NtCreateProcess");
  CHECK(s.source == "NtCreateProcess  notepad");
  const auto& b = std::get<CreateProcessStmt>(s.body);
  CHECK(b.name.text == "notepad");
  CHECK(b.name.pos == Pos{2, 20});
  CHECK_FALSE(b.with_thread);
}

TEST_CASE("parser: unknown statements are reported at the statement word") {
  check_syntax_error("NtCreateProcess a\n  Frobnicate x\n", 2, 3, "unknown statement 'Frobnicate'");
  check_syntax_error("ntcreateprocess a\n", 1, 1, "did you mean 'NtCreateProcess'?");
  check_syntax_error("Audit\n", 1, 1, "did you mean 'audit'?");
}

TEST_CASE("parser: a missing argument is reported just past the last word") {
  check_syntax_error("NtCreateProcess\n", 1, 16, "expected a process name");
  check_syntax_error("PsSetCreateProcessNotifyRoutine\n", 1, 32, "expected a routine name");
  check_syntax_error("PsLookupProcessThreadByCid 8\n", 1, 29, "expected a thread ID");
  check_syntax_error("let x =\n", 1, 8, "expected an ID");
  check_syntax_error("let x\n", 1, 6, "expected '='");
  check_syntax_error("NtCreateThread p as\n", 1, 20, "expected a thread name after 'as'");
  check_syntax_error("expect calls edr\n", 1, 17, "expected a call count");
  check_syntax_error("dump process\n", 1, 13, "expected a process name");
  check_syntax_error("kernel\n", 1, 7, "expected a kernel version");
  check_syntax_error("context\n", 1, 8, "expected a thread name");
}

TEST_CASE("parser: an extra argument is reported with the statement's usage") {
  check_syntax_error("PsSetCreateThreadNotifyRoutine a b\n", 1, 34,
                     "unexpected 'b'; usage: PsSetCreateThreadNotifyRoutine ROUTINE");
  check_syntax_error("NtCreateProcess a parnt=b\n", 1, 19,
                     "unexpected 'parnt=b'; usage: NtCreateProcess NAME [parent=NAME]");
  check_syntax_error("NtCreateProcess a as t\n", 1, 19, "unexpected 'as'");
  check_syntax_error("PsCreateSystemThread suspended\n", 1, 22, "unexpected 'suspended'");
  check_syntax_error("PsLookupProcessByProcessId 8 12\n", 1, 30, "unexpected '12'");
  check_syntax_error("audit now\n", 1, 7, "unexpected 'now'");
  check_syntax_error("dump cidtable all\n", 1, 15, "unexpected 'all'");
  check_syntax_error("PsSetCreateProcessNotifyRoutine a veto=STATUS_ACCESS_DENIED\n", 1, 35,
                     "unexpected 'veto=STATUS_ACCESS_DENIED'");
}

TEST_CASE("parser: an option given twice is an error at its second use") {
  check_syntax_error("NtCreateThread p as a as b\n", 1, 23, "'as' given twice");
  check_syntax_error("NtCreateThread p suspended suspended\n", 1, 28, "'suspended' given twice");
  check_syntax_error("PsSetCreateProcessNotifyRoutine r remove remove\n", 1, 42, "given twice");
  check_syntax_error("NtCreateProcess a parent=b parent=c\n", 1, 28, "given twice");
}

TEST_CASE("parser: numbers are decimal or 0x hexadecimal, and must fit 64 bits") {
  {
    const Parsed p = parse_scenario("PsLookupProcessByProcessId 0x1F\n");
    const auto& b = only_statement<LookupStmt>(p);
    CHECK(b.first.kind == IdExpr::Kind::Number);
    CHECK(b.first.number == 31);
  }
  {
    const Parsed p = parse_scenario("expect calls r 12\n");
    const auto& b = only_statement<ExpectCallsStmt>(p);
    CHECK(b.count == 12);
  }
  check_syntax_error("PsLookupProcessByProcessId 12abc\n", 1, 28, "invalid number '12abc'");
  check_syntax_error("PsLookupProcessByProcessId 0x\n", 1, 28, "invalid number '0x'");
  check_syntax_error("PsLookupProcessByProcessId 0xG1\n", 1, 28, "invalid number '0xG1'");
  check_syntax_error("expect calls r -1\n", 1, 16, "invalid number '-1'");
  check_syntax_error("expect calls r 99999999999999999999\n", 1, 16, "out of range");
  check_syntax_error("PsLookupProcessByProcessId 0x10000000000000000\n", 1, 28, "out of range");
  check_syntax_error("poke process-notify[x] = 0\n", 1, 21, "invalid number 'x'");
}

TEST_CASE("parser: names must match [A-Za-z_][A-Za-z0-9_]*") {
  check_syntax_error("NtCreateProcess notepad.exe\n", 1, 17, "invalid name 'notepad.exe'");
  check_syntax_error("NtCreateProcess 9lives\n", 1, 17, "invalid name '9lives'");
  check_syntax_error("NtCreateProcess a parent=\n", 1, 26, "expected a name after 'parent='");
  check_syntax_error("NtCreateProcess a parent=x-y\n", 1, 26, "invalid name 'x-y'");
  check_syntax_error("PsSetCreateThreadNotifyRoutine my-driver\n", 1, 32, "invalid name");
  const Parsed p = parse_scenario("NtCreateProcess _a9 parent=B_\n");
  const auto& b = only_statement<CreateProcessStmt>(p);
  CHECK(b.name.text == "_a9");
  REQUIRE(b.parent);
  CHECK(b.parent->text == "B_");
  CHECK(b.parent->pos == Pos{1, 28});
}

TEST_CASE("parser: ID expressions are numbers, variables, NAME.pid or NAME.tid, with +N or |N") {
  const Parsed p = parse_scenario(
      "PsLookupProcessByProcessId old\n"
      "PsLookupProcessByProcessId notepad.pid\n"
      "PsLookupThreadByThreadId t1.tid+3\n"
      "PsLookupProcessThreadByCid System.pid|1 0x4\n");
  REQUIRE(p.errors.empty());
  REQUIRE(p.statements.size() == 4);
  const IdExpr& var = std::get<LookupStmt>(p.statements[0].body).first;
  CHECK(var.kind == IdExpr::Kind::Variable);
  CHECK(var.name.text == "old");
  const IdExpr& pid = std::get<LookupStmt>(p.statements[1].body).first;
  CHECK(pid.kind == IdExpr::Kind::Pid);
  CHECK(pid.name.text == "notepad");
  CHECK(pid.field_pos == Pos{2, 36});
  const IdExpr& tid = std::get<LookupStmt>(p.statements[2].body).first;
  CHECK(tid.kind == IdExpr::Kind::Tid);
  CHECK(tid.op == IdExpr::Op::Plus);
  CHECK(tid.operand == 3);
  const auto& cid = std::get<LookupStmt>(p.statements[3].body);
  CHECK(cid.api == LookupStmt::Api::ProcessThreadByCid);
  CHECK(cid.first.op == IdExpr::Op::Or);
  CHECK(cid.first.operand == 1);
  CHECK(cid.second.number == 4);

  check_syntax_error("PsLookupProcessByProcessId notepad.UniqueProcessId\n", 1, 36,
                     "unknown field '.UniqueProcessId'");
  check_syntax_error("PsLookupProcessByProcessId a.pid+\n", 1, 34, "expected a number after");
  check_syntax_error("PsLookupProcessByProcessId a.pid+x\n", 1, 34, "invalid number 'x'");
  check_syntax_error("PsLookupProcessByProcessId +1\n", 1, 28, "expected an ID");
  check_syntax_error("let v = .pid\n", 1, 9, "expected a name");
}

TEST_CASE("parser: poke writes UniqueProcessId or clears a notify slot") {
  {
    const Parsed p = parse_scenario("poke notepad.UniqueProcessId = 0\n");
    const auto& b = only_statement<PokePidStmt>(p);
    CHECK(b.process.text == "notepad");
    CHECK(b.value.number == 0);
  }
  {
    const Parsed p = parse_scenario("poke thread-notify[3] = 0\n");
    const auto& b = only_statement<PokeSlotStmt>(p);
    CHECK(b.kind == ps::NotifyKind::Thread);
    CHECK(b.slot == 3);
    CHECK(b.slot_pos == Pos{1, 20});
  }
  check_syntax_error("poke notepad = 0\n", 1, 6, "cannot poke 'notepad'");
  check_syntax_error("poke notepad.Flags = 0\n", 1, 14, "cannot poke field 'Flags'");
  check_syntax_error("poke process-notify[] = 0\n", 1, 21, "expected a slot number");
  check_syntax_error("poke process-notify[1 = 0\n", 1, 21, "expected a slot number");
  check_syntax_error("poke notepad.UniqueProcessId 0\n", 1, 30, "expected '='");
  check_syntax_error("poke notepad.UniqueProcessId =0\n", 1, 30,
                     "expected '=' (separated by blanks)");
}

TEST_CASE("parser: expect takes a status name or value, or a routine and a count") {
  {
    const Parsed p = parse_scenario("expect status STATUS_INVALID_CID\n");
    const auto& b = only_statement<ExpectStatusStmt>(p);
    CHECK(b.status == STATUS_INVALID_CID);
  }
  {
    const Parsed p = parse_scenario("expect status 0xC000000D\n");
    const auto& b = only_statement<ExpectStatusStmt>(p);
    CHECK(b.status == STATUS_INVALID_PARAMETER);
  }
  check_syntax_error("expect status STATUS_BOGUS\n", 1, 15, "unknown status 'STATUS_BOGUS'");
  check_syntax_error("expect status 0x100000000\n", 1, 15, "unknown status");
  check_syntax_error("expect nothing\n", 1, 8, "unknown expectation 'nothing'");
  check_syntax_error("expect calls r 1 2\n", 1, 18, "unexpected '2'");
}

TEST_CASE("parser: every statement of the contract parses") {
  const Parsed p = parse_scenario(
      "kernel win2000 arch=x86\n"
      "PsSetCreateProcessNotifyRoutine edr\n"
      "PsSetCreateProcessNotifyRoutine null remove\n"
      "PsSetCreateProcessNotifyRoutineEx edr remove veto=STATUS_ACCESS_DENIED\n"
      "PsSetCreateThreadNotifyRoutine edr\n"
      "PsRemoveCreateThreadNotifyRoutine edr\n"
      "NtCreateProcess a parent=System\n"
      "NtCreateThread a as t suspended\n"
      "PsCreateSystemThread as w\n"
      "CreateProcess b parent=a as bt\n"
      "NtTerminateThread t\n"
      "NtTerminateProcess a\n"
      "NtClose a\n"
      "PsLookupProcessByProcessId 8\n"
      "PsLookupThreadByThreadId 4\n"
      "PsLookupProcessThreadByCid 8 4\n"
      "context t\n"
      "let v = t.tid\n"
      "poke a.UniqueProcessId = 0\n"
      "poke process-notify[0] = 0\n"
      "poke thread-notify[7] = 0\n"
      "audit\n"
      "expect status STATUS_SUCCESS\n"
      "expect calls edr 0\n"
      "dump cidtable\n"
      "dump callbacks\n"
      "dump process a\n"
      "break edr\n"
      "break edr thread\n");
  CHECK(p.errors.empty());
  CHECK(p.statements.size() == 29);
  const auto& ex = std::get<ProcessNotifyStmt>(p.statements[3].body);
  CHECK(ex.ex);
  CHECK(ex.remove);
  CHECK(ex.veto == STATUS_ACCESS_DENIED);
  const auto& thread = std::get<CreateThreadStmt>(p.statements[7].body);
  CHECK(thread.suspended);
  CHECK(thread.name->text == "t");
}

TEST_CASE("parser: every line with an error is reported, at most once") {
  const Parsed p = parse_scenario("foo\nNtCreateProcess\nNtCreateProcess ok\nbar baz\n");
  REQUIRE(p.errors.size() == 3);
  CHECK(p.errors[0].pos == Pos{1, 1});
  CHECK(p.errors[1].pos == Pos{2, 16});
  CHECK(p.errors[2].pos == Pos{4, 1});
  CHECK(p.statements.size() == 1);
}

TEST_CASE("parser: control characters are errors, tabs are blanks") {
  check_syntax_error(std::string("NtCreateProcess a\x01\n"), 1, 18, "control character 0x01");
  check_syntax_error(std::string("NtCreateProcess \0a\n", 19), 1, 17, "control character 0x00");
  const Parsed p = parse_scenario("\tNtCreateProcess\ta\n");
  CHECK(p.errors.empty());
  CHECK(p.statements.size() == 1);
}

TEST_CASE("parser: load-image statements, and image= and cmdline= on the creation statements") {
  const Parsed reg = parse_scenario("PsSetLoadImageNotifyRoutine mon\n");
  CHECK_FALSE(only_statement<ImageNotifyStmt>(reg).remove);
  const Parsed rem = parse_scenario("PsRemoveLoadImageNotifyRoutine mon\n");
  CHECK(only_statement<ImageNotifyStmt>(rem).remove);

  const Parsed dll = parse_scenario("LoadImage notepad \\x\\kernel32.dll size=0x20000\n");
  const auto& l = only_statement<LoadImageStmt>(dll);
  CHECK_FALSE(l.driver);
  REQUIRE(l.process);
  CHECK(l.process->text == "notepad");
  CHECK(l.image.text == "\\x\\kernel32.dll");
  CHECK(l.image.pos.column == 19);
  CHECK(l.size == 0x20000);
  const Parsed drv = parse_scenario("LoadDriver \"my driver.sys\"\n");
  const auto& d = only_statement<LoadImageStmt>(drv);
  CHECK(d.driver);
  CHECK_FALSE(d.process);
  CHECK(d.image.text == "my driver.sys");
  CHECK_FALSE(d.size);

  const Parsed cp = parse_scenario(
      "CreateProcess np image=\\a\\np.exe cmdline=\"np.exe \"\"b c.txt\"\" #x\" as t # comment\n");
  const auto& c = only_statement<CreateProcessStmt>(cp);
  REQUIRE(c.image);
  CHECK(c.image->text == "\\a\\np.exe");
  REQUIRE(c.command_line);
  CHECK(c.command_line->text == "np.exe \"b c.txt\" #x");
  CHECK(c.command_line->pos.column == 42);
  REQUIRE(c.thread);
  CHECK(c.thread->text == "t");
  CHECK(parse_scenario("NtCreateProcess np cmdline=\"\"\"\"\n").errors.empty());

  check_syntax_error("NtCreateProcess np cmdline=\"open\n", 1, 28, "unterminated '\"'");
  check_syntax_error("NtCreateProcess np cmdline=\n", 1, 28, "expected a command line");
  check_syntax_error("NtCreateProcess np cmdline=\"\"\n", 1, 28, "expected a command line");
  check_syntax_error("NtCreateProcess np image=a image=b\n", 1, 28, "'image=b' given twice");
  check_syntax_error("LoadImage np\n", 1, 13, "expected an image name or path");
  check_syntax_error("LoadImage np a.dll size=\n", 1, 25, "expected a size in bytes");
  check_syntax_error("LoadImage np a.dll size=12k\n", 1, 25, "invalid number '12k'");
  check_syntax_error("LoadDriver a.sys big\n", 1, 18, "unexpected 'big'");
  check_syntax_error("LoadImage 3np a.dll\n", 1, 11, "invalid name '3np'");
}

TEST_CASE("parser: break, during and poke know the image kind") {
  const Parsed b = parse_scenario("break mon image\n");
  CHECK(only_statement<BreakStmt>(b).kind == ps::NotifyKind::Image);
  const Parsed d = parse_scenario("during mon image PsRemoveLoadImageNotifyRoutine mon\n");
  const auto& ds = only_statement<DuringStmt>(d);
  CHECK(ds.kind == ps::NotifyKind::Image);
  REQUIRE(std::holds_alternative<ImageNotifyStmt>(ds.inner));
  CHECK(std::get<ImageNotifyStmt>(ds.inner).remove);
  const Parsed p = parse_scenario("poke image-notify[3] = 0\n");
  const auto& ps = only_statement<PokeSlotStmt>(p);
  CHECK(ps.kind == ps::NotifyKind::Image);
  CHECK(ps.slot == 3);
  check_syntax_error("during mon image LoadImage np a.dll\n", 1, 18,
                     "'during' runs a registration or removal");
}
