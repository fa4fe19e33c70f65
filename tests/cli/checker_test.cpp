// SPDX-License-Identifier: MIT
// The scenario checker (semantics): names bound in order, kinds, redefinitions, predefined and
// automatic names, the routine pool, the kernel version and what it supports. Each error class
// is checked with its exact line and column.
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "parser.hpp"

using namespace ntemu;
using namespace ntemu::cli;

namespace {

void check_error(const std::string& text, int line, int column, const std::string& needle,
                 const CheckOptions& options = {}) {
  CAPTURE(text);
  const Compiled c = compile_scenario(text, options);
  REQUIRE(c.errors.size() == 1);
  CHECK(c.errors[0].pos.line == line);
  CHECK(c.errors[0].pos.column == column);
  CAPTURE(c.errors[0].message);
  CHECK(c.errors[0].message.find(needle) != std::string::npos);
}

Script checked(const std::string& text, const CheckOptions& options = {}) {
  CAPTURE(text);
  Compiled c = compile_scenario(text, options);
  if (!c.errors.empty()) FAIL(c.errors[0].message);
  return std::move(c.script);
}

const Symbol* find_symbol(const Script& s, const std::string& name) {
  for (const Symbol& sym : s.symbols) {
    if (sym.name == name) return &sym;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("checker: the predefined names are System, system_thread, Idle and idle_thread") {
  const Script s = checked(
      "context system_thread\ncontext idle_thread\n"
      "PsLookupProcessByProcessId System.pid\nPsLookupProcessByProcessId Idle.pid\n");
  REQUIRE(find_symbol(s, "System") != nullptr);
  CHECK(find_symbol(s, "System")->boot == Symbol::Boot::SystemProcess);
  CHECK(find_symbol(s, "system_thread")->boot == Symbol::Boot::SystemThread);
  CHECK(find_symbol(s, "Idle")->boot == Symbol::Boot::IdleProcess);
  CHECK(find_symbol(s, "idle_thread")->kind == Symbol::Kind::Thread);
  check_error("NtCreateProcess System\n", 1, 17, "redefinition of 'System' (it is predefined)");
}

TEST_CASE("checker: an unknown name is reported where it is spelled") {
  check_error("NtCreateThread notepad\n", 1, 16, "unknown name 'notepad'");
  check_error("NtCreateProcess a parent=nobody\n", 1, 26, "unknown name 'nobody'");
  check_error("PsLookupProcessByProcessId ghost.pid\n", 1, 28, "unknown name 'ghost'");
  check_error("let x = y\n", 1, 9, "unknown name 'y'");
  check_error("dump process ghost\n", 1, 14, "unknown name 'ghost'");
  check_error("context t\n", 1, 9, "unknown name 't'");
}

TEST_CASE("checker: a name used before the statement that defines it is unknown") {
  check_error("NtCreateThread notepad as t\nNtCreateProcess notepad\n", 1, 16,
              "unknown name 'notepad'");
  check_error("let x = x\n", 1, 9, "unknown name 'x'");
  checked("NtCreateProcess notepad\nNtCreateThread notepad as t\ncontext t\n");
}

TEST_CASE("checker: a name of the wrong kind is an error naming both kinds") {
  check_error("context System\n", 1, 9, "'System' is a process, not a thread");
  check_error("NtCreateThread system_thread\n", 1, 16,
              "'system_thread' is a thread, not a process");
  check_error("let v = 8\nNtCreateThread v\n", 2, 16, "'v' is a variable, not a process");
  check_error("PsSetCreateProcessNotifyRoutine edr\nNtCreateThread edr\n", 2, 16,
              "'edr' is a routine, not a process");
  check_error("PsLookupProcessByProcessId System\n", 1, 28,
              "'System' is a process, not an ID: write System.pid");
  check_error("PsLookupThreadByThreadId system_thread\n", 1, 26, "write system_thread.tid");
  check_error("let v = 8\nPsLookupProcessByProcessId v.pid\n", 2, 30,
              "'v' is a variable: write v, without a field");
  check_error("PsLookupThreadByThreadId System.tid\n", 1, 33,
              "'System' is a process: it has no .tid");
  check_error("poke system_thread.UniqueProcessId = 0\n", 1, 6, "is a thread, not a process");
}

TEST_CASE("checker: names are defined once, in one namespace for objects and variables") {
  check_error("NtCreateProcess a\nNtCreateProcess a\n", 2, 17,
              "redefinition of 'a' (first defined at line 1)");
  check_error("NtCreateProcess a\nlet a = 4\n", 2, 5, "redefinition of 'a'");
  check_error("NtCreateProcess a\nNtCreateThread a as a\n", 2, 21, "redefinition of 'a'");
  check_error("let v = 1\nlet v = 2\n", 2, 5, "redefinition of 'v'");
  check_error("CreateProcess a as t\nCreateProcess b as t\n", 2, 20, "redefinition of 't'");
  // Routines have their own namespace.
  checked("PsSetCreateProcessNotifyRoutine a\nNtCreateProcess a\n");
}

TEST_CASE("checker: unnamed threads get PROCESS_tN, the smallest N not in use") {
  const Script s = checked(
      "CreateProcess notepad\n"
      "NtCreateThread notepad\n"
      "NtCreateThread notepad as notepad_t3\n"
      "NtCreateThread notepad\n"
      "PsCreateSystemThread\n");
  CHECK(std::get<CreateProcessStmt>(s.statements[0].body).thread_symbol != kNoSymbol);
  const Symbol* t1 = find_symbol(s, "notepad_t1");
  REQUIRE(t1 != nullptr);
  CHECK(t1->kind == Symbol::Kind::Thread);
  CHECK(find_symbol(s, "notepad_t2") != nullptr);
  CHECK(find_symbol(s, "notepad_t4") != nullptr);
  CHECK(find_symbol(s, "System_t1") != nullptr);
  check_error("NtCreateProcess p\nNtCreateThread p\nNtCreateThread p as p_t1\n", 3, 21,
              "redefinition of 'p_t1' (it names the thread created at line 2)");
}

TEST_CASE(
    "checker: NtTerminateThread takes a thread, NtTerminateProcess a process, NtClose either") {
  const Script s = checked(
      "CreateProcess a as t\nNtTerminateThread t\nNtTerminateProcess a\nNtClose t\nNtClose a\n"
      "NtTerminateProcess System\nNtTerminateThread system_thread\n");
  CHECK(std::get<ObjectOpStmt>(s.statements[3].body).symbol ==
        std::get<ObjectOpStmt>(s.statements[1].body).symbol);
  check_error("CreateProcess a as t\nNtTerminateThread a\n", 2, 19,
              "'a' is a process, not a thread");
  check_error("CreateProcess a as t\nNtTerminateProcess t\n", 2, 20,
              "'t' is a thread, not a process");
  check_error("let v = 8\nNtClose v\n", 2, 9, "'v' is a variable, not a process or thread");
  check_error("NtClose ghost\n", 1, 9, "unknown name 'ghost'");
  check_error("  NtClose a\nNtCreateProcess a\n", 1, 11, "unknown name 'a'");
}

TEST_CASE("checker: the boot objects have no handle to close, and Idle cannot be terminated") {
  check_error("NtClose System\n", 1, 9,
              "'System' is predefined: the scenario holds no handle to it to close");
  check_error("NtClose system_thread\n", 1, 9, "'system_thread' is predefined");
  check_error("NtTerminateProcess Idle\n", 1, 20,
              "'Idle' belongs to the Idle process, which is not a real process");
  check_error("NtTerminateThread idle_thread\n", 1, 19, "belongs to the Idle process");
  check_error("NtClose idle_thread\n", 1, 9, "belongs to the Idle process");
}

TEST_CASE("checker: expect findings needs an audit before it, expect bugcheck goes anywhere") {
  check_error("CreateProcess a\nexpect findings 0\n", 2, 1,
              "'expect findings' needs an 'audit' statement before it");
  checked("audit\nexpect findings 0\nexpect findings dangling-cid 0\n");
  checked("expect bugcheck 0x17\nCreateProcess a\nexpect bugcheck 23\n");
}

TEST_CASE("checker: PsRemoveCreateThreadNotifyRoutine does not exist in win2000") {
  check_error("PsSetCreateThreadNotifyRoutine r\nPsRemoveCreateThreadNotifyRoutine r\n", 2, 1,
              "PsRemoveCreateThreadNotifyRoutine does not exist in win2000: a driver importing it "
              "would not load");
}

TEST_CASE("checker: PsSetCreateProcessNotifyRoutineEx is vista only") {
  check_error("PsSetCreateProcessNotifyRoutineEx r\n", 1, 1,
              "PsSetCreateProcessNotifyRoutineEx does not exist in win2000");
  check_error("kernel server2003\nPsSetCreateProcessNotifyRoutineEx r\n", 2, 1,
              "PsSetCreateProcessNotifyRoutineEx does not exist in server2003");
  checked(
      "kernel vista\nPsSetCreateProcessNotifyRoutineEx r veto=STATUS_ACCESS_DENIED\n"
      "PsSetCreateProcessNotifyRoutineEx r remove\nPsSetCreateProcessNotifyRoutineEx null\n");
}

TEST_CASE("checker: NtCreateUserProcess exists from Vista on [semantics.md §10.3]") {
  check_error("NtCreateUserProcess a\n", 1, 1, "NtCreateUserProcess does not exist in win2000");
  check_error("kernel server2003\nNtCreateUserProcess a as t\n", 2, 1,
              "NtCreateUserProcess does not exist in server2003 (it was added in Windows Vista)");
  for (const char* k : {"vista", "win7", "win10"}) {
    CAPTURE(k);
    checked(
        fmt::format("kernel {}\nNtCreateUserProcess a as t\nNtTerminateThread t\n"
                    "NtOpenProcess a.pid\nNtOpenThread a.pid t.tid\nNtOpenThread t.tid\n",
                    k));
  }
}

TEST_CASE("checker: the open statements resolve the IDs they use") {
  check_error("NtOpenProcess nope.pid\n", 1, 15, "nope");
  check_error("NtOpenThread System.pid nope.tid\n", 1, 25, "nope");
  checked("NtOpenThread 0x8\nNtOpenProcess 4 8\n");
}

TEST_CASE("checker: a veto is an error status given at registration") {
  check_error(
      "kernel vista\nPsSetCreateProcessNotifyRoutineEx r remove veto=STATUS_ACCESS_DENIED\n", 2, 1,
      "veto= describes the registered routine: it has no meaning with 'remove'");
  check_error("kernel vista\nPsSetCreateProcessNotifyRoutineEx r veto=STATUS_SUCCESS\n", 2, 1,
              "veto=STATUS_SUCCESS is not an error status");
  check_error("kernel vista\nPsSetCreateProcessNotifyRoutineEx r veto=0x40000000\n", 2, 1,
              "veto=0x40000000 is not an error status");
  checked("kernel vista\nPsSetCreateProcessNotifyRoutineEx r veto=0xC0000022\n");
}

TEST_CASE("checker: during checks its inner statement against the version") {
  checked(
      "PsSetCreateProcessNotifyRoutine edr\nduring edr PsSetCreateProcessNotifyRoutine edr "
      "remove\n");
  check_error("during edr PsRemoveCreateThreadNotifyRoutine edr\n", 1, 12,
              "PsRemoveCreateThreadNotifyRoutine does not exist in win2000");
  check_error("during null PsSetCreateProcessNotifyRoutine edr remove\n", 1, 8,
              "'null' is not a routine");
  checked("kernel xp\nduring edr thread PsRemoveCreateThreadNotifyRoutine edr\n");
}

TEST_CASE("checker: kernel must come first, and every modeled version runs") {
  check_error("NtCreateProcess a\nkernel win2000\n", 2, 1, "'kernel' must be the first statement");
  CHECK(checked("# comment first is fine\nkernel xp\n").version == KernelVersion::Xp);
  CHECK(checked("kernel server2003\n").version == KernelVersion::Server2003);
  CHECK(checked("kernel vista arch=x64\n").version == KernelVersion::Vista);
  // The 2003 lineage exports PsRemoveCreateThreadNotifyRoutine.
  checked("kernel xp\nPsSetCreateThreadNotifyRoutine r\nPsRemoveCreateThreadNotifyRoutine r\n");
  const Script s = checked("kernel win2000 arch=x64\n");
  CHECK(s.version == KernelVersion::Win2000);
  CHECK(s.arch == Arch::X64);
  CHECK(checked("").arch == Arch::X86);
  // The command line overrides the file's kernel statement (and its arch).
  const Script over =
      checked("kernel xp arch=x64\n", CheckOptions{KernelVersion::Win2000, Arch::X86});
  CHECK(over.version == KernelVersion::Win2000);
  CHECK(over.arch == Arch::X86);
  CHECK(checked("kernel win2000\n", CheckOptions{std::nullopt, Arch::X64}).arch == Arch::X64);
}

TEST_CASE("checker: poked notify slots must exist and can only be cleared") {
  checked("poke process-notify[7] = 0\npoke thread-notify[0] = 0x0\n");
  check_error("poke process-notify[8] = 0\n", 1, 21,
              "slot 8 is out of range: process-notify has 8 slots (0 to 7) in win2000");
  check_error("poke thread-notify[0x10] = 0\n", 1, 20, "thread-notify has 8 slots");
  check_error("poke thread-notify[1] = 5\n", 1, 25, "only 0 can be written to a notify slot");
}

TEST_CASE("checker: a file may name kMaxRoutines (128) routines, not one more") {
  static_assert(kMaxRoutines == 128);
  std::string text;
  for (std::size_t i = 0; i < kMaxRoutines; ++i)
    text += "PsSetCreateProcessNotifyRoutine r" + std::to_string(i) + "\n";
  // Naming one again, or null, does not use up the pool.
  text += "PsSetCreateThreadNotifyRoutine r0\nPsSetCreateProcessNotifyRoutine null\n";
  const Script s = checked(text);
  CHECK(s.routines.size() == kMaxRoutines);
  check_error(text + "PsSetCreateThreadNotifyRoutine r128\n", 131, 32,
              "too many routines: a file may name at most 128 distinct routines");
}

TEST_CASE("checker: one routine name is one pool index across both kinds") {
  const Script s = checked(
      "PsSetCreateProcessNotifyRoutine a\nPsSetCreateThreadNotifyRoutine b\n"
      "PsSetCreateThreadNotifyRoutine a\nPsSetCreateProcessNotifyRoutine a remove\n"
      "PsSetCreateProcessNotifyRoutine null\n");
  REQUIRE(s.routines.size() == 2);
  CHECK(std::get<ProcessNotifyStmt>(s.statements[0].body).routine.index == 0);
  CHECK(std::get<ThreadNotifyStmt>(s.statements[1].body).routine.index == 1);
  CHECK(std::get<ThreadNotifyStmt>(s.statements[2].body).routine.index == 0);
  CHECK(std::get<ProcessNotifyStmt>(s.statements[3].body).routine.index == 0);
  CHECK(std::get<ProcessNotifyStmt>(s.statements[4].body).routine.index == kNoSymbol);
}

TEST_CASE("checker: expect status needs an API call before it") {
  check_error("expect status STATUS_SUCCESS\n", 1, 1, "'expect status' needs an API statement");
  check_error("let v = 4\nexpect status STATUS_SUCCESS\n", 2, 1, "needs an API statement");
  checked("PsLookupProcessByProcessId 8\ndump cidtable\nexpect status STATUS_SUCCESS\n");
}

TEST_CASE("checker: expect calls names a routine mentioned before") {
  check_error("expect calls edr 0\n", 1, 14, "unknown routine 'edr'");
  check_error("PsSetCreateProcessNotifyRoutine null\nexpect calls null 0\n", 2, 14,
              "'null' is not a routine");
  checked("PsSetCreateProcessNotifyRoutine edr remove\nexpect calls edr 0\n");
}

TEST_CASE("checker: break names a routine, never null") {
  const Script s = checked("break edr\nPsSetCreateProcessNotifyRoutine edr\n");
  CHECK(s.routines.size() == 1);
  check_error("break null\n", 1, 7, "'null' is not a routine");
}

TEST_CASE("checker: semantic errors are all reported, one per statement, in line order") {
  const Compiled c = compile_scenario(
      "NtCreateThread a\nNtCreateProcess b parent=c\nNtClose System\ncontext b\n", {});
  REQUIRE(c.errors.size() == 4);
  CHECK(c.errors[0].pos == Pos{1, 16});
  CHECK(c.errors[1].pos == Pos{2, 26});
  CHECK(c.errors[2].pos == Pos{3, 9});
  CHECK(c.errors[3].pos == Pos{4, 9});
  CHECK(c.errors[3].message == "'b' is a process, not a thread");
}

TEST_CASE("checker: a file with a syntax error is not checked") {
  const Compiled c = compile_scenario("NtCreateThread a\nfoo\n", {});
  REQUIRE(c.errors.size() == 1);
  CHECK(c.errors[0].pos == Pos{2, 1});
}

TEST_CASE("checker: load-image statements against the version and the names") {
  check_error("kernel win2000\nPsRemoveLoadImageNotifyRoutine mon\n", 2, 1,
              "PsRemoveLoadImageNotifyRoutine does not exist in win2000");
  (void)checked("kernel xp\nPsRemoveLoadImageNotifyRoutine mon\n");
  check_error("LoadImage ghost a.dll\n", 1, 11, "unknown name 'ghost'");
  check_error("NtCreateThread System as t\nLoadImage t a.dll\n", 2, 11,
              "'t' is a thread, not a process");
  check_error("poke image-notify[8] = 0\n", 1, 19,
              "slot 8 is out of range: image-notify has 8 slots (0 to 7) in win2000");
  const Script s = checked("PsSetLoadImageNotifyRoutine mon\nbreak mon image\nLoadDriver x.sys\n");
  REQUIRE(s.routines.size() == 1);
  CHECK(s.routines[0] == "mon");
}

TEST_CASE("checker: the object-callback statements exist from Vista on, with a routine") {
  check_error("ObRegisterCallbacks guard\n", 1, 1,
              "ObRegisterCallbacks does not exist in win2000 (it was added in Windows Vista SP1)");
  check_error("kernel xp\nObUnRegisterCallbacks guard\n", 2, 1,
              "ObUnRegisterCallbacks does not exist in xp");
  check_error("kernel vista\nObRegisterCallbacks null\n", 2, 21,
              "object callbacks need a routine, not null");
  for (const char* k : {"vista", "win7", "win10"}) {
    CAPTURE(k);
    const Script s = checked(fmt::format(
        "kernel {}\nObRegisterCallbacks guard altitude=385200 process create strip=0x21\n"
        "ObUnRegisterCallbacks guard\n",
        k));
    const auto* reg = std::get_if<ObCallbackStmt>(&s.statements[1].body);
    REQUIRE(reg != nullptr);
    CHECK(reg->process);
    CHECK_FALSE(reg->thread);
    CHECK(reg->create);
    CHECK_FALSE(reg->duplicate);
    CHECK(reg->strip == 0x21U);
    REQUIRE(reg->altitude);
    CHECK(reg->altitude->text == "385200");
    CHECK(std::get<ObCallbackStmt>(s.statements[2].body).remove);
  }
}

TEST_CASE("checker: the object-callback and open options are checked where they are spelled") {
  check_error("kernel vista\nObRegisterCallbacks g strip=0x100000000\n", 2, 29,
              "an access mask has 32 bits");
  check_error("kernel vista\nObRegisterCallbacks g process process\n", 2, 31,
              "'process' given twice");
  check_error("kernel vista\nObUnRegisterCallbacks g strip=1\n", 2, 25, "unexpected 'strip=1'");
  check_error("kernel vista\nObRegisterCallbacks g altitude=\n", 2, 32, "expected an altitude");
  check_error("kernel vista\nCreateProcess a\nNtOpenProcess a.pid access=0x1000 7\n", 3, 35,
              "unexpected '7'");
  const Script s =
      checked("kernel vista\nCreateProcess a\nNtOpenThread a.pid a_t1.tid access=0x40\n");
  const auto& open = std::get<LookupStmt>(s.statements[2].body);
  CHECK(open.both);
  CHECK(open.access == 0x40U);
}

TEST_CASE("checker: release= names a Windows 10 release, win10 only") {
  const Script s = checked("kernel win10 release=1703\n");
  CHECK(s.version == KernelVersion::Win10);
  CHECK(s.release == 1703);
  REQUIRE(profile_of(s));
  CHECK((*profile_of(s)).release == 1703);
  CHECK(checked("kernel win10\n").release == 0);
  check_error("kernel xp release=1703\n", 1, 19, "release= is for win10, not xp");
  check_error("kernel win10 release=1000\n", 1, 22, "unknown Windows 10 release 1000");
  check_error("kernel win10 release=\n", 1, 22, "expected a Windows 10 release");
  check_error("kernel win10 release=1703 release=1709\n", 1, 27, "'release=1709' given twice");
  // --kernel replaces the file's whole choice, its release included.
  CheckOptions xp;
  xp.kernel = KernelVersion::Xp;
  CHECK(checked("kernel win10 release=1703\n", xp).release == 0);
}
