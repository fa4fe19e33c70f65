// SPDX-License-Identifier: MIT
// Where the Windows 2000 create notifications run: on the creating thread (PsGetCurrent* read
// its Cid), or on the new thread under the DDK2K reading; and the kb stack a routine sees, through
// PspCreateThread and the version's system-call gate or PsCreateSystemThread (semantics.md §10.2;
// BLOG). Fixture: create_path_fixture.hpp.
#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <doctest/doctest.h>

#include "create_path_fixture.hpp"
#include "ntemu/kernel.hpp"

using namespace ntemu;
using namespace ntemu::create_path_test;

TEST_CASE("context [win2000]: routines run on the creating thread, PsGetCurrent* read its Cid") {
  Fixture f;
  auto [explorer, explorer_t] = f.create_process("explorer.exe");
  REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&proc_a, false) == STATUS_SUCCESS);
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  {
    Kernel::ContextScope as(f.k, *explorer_t);
    CHECK(f.k.PsGetCurrentProcessId() == explorer->pid());
    auto notepad = f.k.NtCreateProcess("notepad.exe");
    CHECK(notepad.process->InheritedFromUniqueProcessId == explorer->pid());
    CHECK(notepad.process->ObjectTable->owner() == explorer->pid());
    REQUIRE(f.k.NtCreateThread(*notepad.process).status == STATUS_SUCCESS);
    // The process handle lives in explorer's object table.
    CHECK(explorer->ObjectTable->handle_count() == 2);
  }
  REQUIRE(g_calls.size() == 2);
  for (const Call& c : g_calls) {
    CHECK(c.context.UniqueProcess == explorer->pid());
    CHECK(c.context.UniqueThread == explorer_t->tid());
  }
  CHECK(&f.k.current_thread() == &f.k.first_system_thread());  // the scope restored it
  CHECK(Kernel::current() == nullptr);
}

TEST_CASE(
    "context [win2000, U]: the DDK2K reading runs the create notifications on the new thread") {
  Profile p = Profile::win2000();
  p.create_notify_context = CreateNotifyContext::NewThread;
  Fixture f(p);
  REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&proc_a, false) == STATUS_SUCCESS);
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  auto [process, thread] = f.create_process("n.exe");
  REQUIRE(g_calls.size() == 2);
  for (const Call& c : g_calls) {
    CHECK(c.context.UniqueProcess == process->pid());
    CHECK(c.context.UniqueThread == thread->tid());
  }
  CHECK(&f.k.current_thread() == &f.k.first_system_thread());
}

TEST_CASE(
    "stack [BLOG, semantics.md §10.2]: from a user-mode CreateProcess the routine is reached "
    "through PspCreateThread and the version's system-call gate") {
  struct Row {
    Profile profile;
    const char* pids;                // the routine's arguments: ParentId, ProcessId
    std::vector<const char*> below;  // the frames under NtCreateThread, innermost first
  };
  const Row rows[] = {
      // Windows 2000: int 2Eh into KiSystemService (Eilam, Reversing, ch. 3).
      {Profile::win2000(), "00000010 00000018", {"nt!KiSystemService", "ntdll!ZwCreateThread"}},
      // XP x86: sysenter, as the founding article's kb shows it.
      {Profile::xp(),
       "0000000c 00000014",
       {"nt!KiFastCallEntry", "ntdll!KiFastSystemCallRet", "ntdll!ZwCreateThread"}},
      // x64: syscall into KiSystemCall64.
      {Profile::xp(Arch::X64),
       "000000000000000c 0000000000000014",
       {"nt!KiSystemCall64", "ntdll!ZwCreateThread"}},
  };
  for (const Row& row : rows) {
    CAPTURE(to_string(row.profile.version));
    CAPTURE(to_string(row.profile.arch));
    Fixture f(row.profile);
    auto [explorer, explorer_t] = f.create_process("explorer.exe");
    REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&proc_a, false) == STATUS_SUCCESS);
    g_capture_stack = true;
    {
      Kernel::ContextScope as(f.k, *explorer_t);
      auto notepad = f.k.NtCreateProcess("notepad.exe");
      REQUIRE(f.k.NtCreateThread(*notepad.process).status == STATUS_SUCCESS);
    }
    REQUIRE(g_calls.size() == 1);
    const std::size_t width = row.profile.arch == Arch::X86 ? 8 : 16;
    const std::string dashes(width, '-');
    const std::string none = dashes + " " + dashes + " " + dashes;
    std::string expected =
        fmt::format(" # {:<{}} Call Site\n", "Args to Child", 3 * (width + 1) - 1);
    expected += fmt::format("00 {} {:0{}x} drv!ProcA\n", row.pids, 1, width);
    expected += fmt::format("01 {} nt!PspCreateThread\n02 {} nt!NtCreateThread\n", none, none);
    int n = 3;
    for (const char* frame : row.below)
      expected += fmt::format("{:02x} {} {}\n", n++, none, frame);
    CHECK(g_calls[0].stack == expected);
  }
}

TEST_CASE("stack: a system thread's notify is reached through PsCreateSystemThread") {
  Fixture f;
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  g_capture_stack = true;
  auto t = f.k.PsCreateSystemThread("worker");
  REQUIRE(t.status == STATUS_SUCCESS);
  REQUIRE(g_calls.size() == 1);
  CHECK(g_calls[0].stack.find("01 -------- -------- -------- nt!PspCreateThread\n"
                              "02 -------- -------- -------- nt!PsCreateSystemThread\n") !=
        std::string::npos);
  CHECK(g_calls[0].a == 8);
  CHECK(t.thread->is_system());
  // Kernel handles, in System's table: the boot thread's and this one.
  CHECK(f.k.system_process().ObjectTable->handle_count() == 2);
}
