// SPDX-License-Identifier: MIT
// The scenario runner, in process: breakpoints and their stacks, NtClose of recorded handles and
// stale closes, and the thought experiment on win2000 event by event.
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

TEST_CASE("runner: break stops in a routine and shows where it was called from") {
  const Run r =
      run("PsSetCreateProcessNotifyRoutine driver\n"
          "PsSetCreateThreadNotifyRoutine driver\n"
          "break driver process\n"
          "CreateProcess shell as shell_main\n"
          "context shell_main\n"
          "CreateProcess notepad\n");
  const auto breaks = r.named("break");
  REQUIRE(breaks.size() == 2);  // process calls only
  CHECK(str(*breaks[0], "symbol") == "driver!ProcessNotifyRoutine");
  const std::string kb = str(*breaks[1], "text");
  CAPTURE(kb);
  CHECK(kb.find("driver!ProcessNotifyRoutine: ParentId 0x10, ProcessId 0x18, Create TRUE") !=
        std::string::npos);
  // Innermost first: the routine, PspCreateThread, NtCreateThread, the user-mode gate.
  const auto routine = kb.find("driver!ProcessNotifyRoutine\n");
  const auto psp = kb.find("nt!PspCreateThread");
  const auto nt = kb.find("nt!NtCreateThread");
  const auto ntdll = kb.find("ntdll!ZwCreateThread");
  CHECK(routine != std::string::npos);
  CHECK(routine < psp);
  CHECK(psp < nt);
  CHECK(nt < ntdll);
  CHECK(ntdll != std::string::npos);
  // The break event comes right after the notify event of the same call.
  for (std::size_t i = 1; i < r.events.size(); ++i) {
    if (r.events[i].name == "break") CHECK(r.events[i - 1].name == "notify");
  }
}

namespace {

// The kernel's notify and cid events and the runner's call events, as short strings:
// "notify thread exit pid=0x10 tid=0xc on 10.c", "cid destroy 0xc", "call NtClose STATUS_SUCCESS".
std::vector<std::string> kernel_trace(const Run& r) {
  std::vector<std::string> out;
  for (const Event& e : r.events) {
    if (e.name == "notify") {
      const bool process = str(e, "kind") == "process";
      out.push_back(fmt::format("notify {} {} pid={:#x} {}={:#x} on {:x}.{:x}", str(e, "kind"),
                                flag(e, "create") ? "create" : "exit", num(e, "pid"),
                                process ? "parent" : "tid", num(e, process ? "parent" : "tid"),
                                num(e, "context_pid"), num(e, "context_tid")));
    } else if (e.name == "cid") {
      out.push_back(fmt::format("cid {} {:#x}", str(e, "op"), num(e, "handle")));
    } else if (e.name == "call") {
      out.push_back(fmt::format("call {} {}", str(e, "api"), str(e, "status")));
    }
  }
  return out;
}

// The trace from the first entry that starts with `from` on.
std::vector<std::string> trace_from(const Run& r, std::string_view from) {
  const std::vector<std::string> all = kernel_trace(r);
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const std::string& s) { return s.rfind(from, 0) == 0; });
  return {it, all.end()};
}

}  // namespace

TEST_CASE(
    "runner: the last thread's exit notifies thread then process, CIDs go at the last close") {
  const Run r =
      run("PsSetCreateProcessNotifyRoutine p\n"
          "PsSetCreateThreadNotifyRoutine t\n"
          "CreateProcess app as main\n"
          "NtCreateThread app as worker\n"
          "NtTerminateThread worker\n"
          "NtTerminateThread main\n"
          "NtClose worker\n"
          "NtClose main\n"
          "NtClose app\n");
  CHECK(trace_from(r, "notify thread exit") ==
        std::vector<std::string>{
            "notify thread exit pid=0x10 tid=0x14 on 10.14",
            "call NtTerminateThread STATUS_SUCCESS", "notify thread exit pid=0x10 tid=0xc on 10.c",
            "notify process exit pid=0x10 parent=0x8 on 10.c",
            "call NtTerminateThread STATUS_SUCCESS", "cid destroy 0x14",
            "call NtClose STATUS_SUCCESS", "cid destroy 0xc", "call NtClose STATUS_SUCCESS",
            "cid destroy 0x10", "call NtClose STATUS_SUCCESS"});
  const auto audits = r.named("audit");
  REQUIRE(audits.size() == 1);  // the automatic one
  CHECK(num(*audits[0], "line") == 0);
  CHECK(flag(*audits[0], "automatic"));
  CHECK(num(*audits[0], "findings") == 0);
  CHECK(r.events.back().name == "end");
  CHECK(r.events[r.events.size() - 2].name == "audit");
}

TEST_CASE("runner: NtClose closes the recorded handle in the table that received it, every time") {
  const Run r =
      run("CreateProcess shell as shell_main\n"
          "context shell_main\n"
          "CreateProcess app as main\n"
          "PsCreateSystemThread as worker\n"
          "NtClose app\n"
          "NtClose app\n"
          "NtClose worker\n");
  const auto calls = r.named("call");
  std::vector<const Event*> closes;
  for (const Event* e : calls) {
    if (str(*e, "api") == "NtClose") closes.push_back(e);
  }
  REQUIRE(closes.size() == 3);
  CHECK(str(*closes[0], "owner") == "shell");  // the creator's table
  CHECK(str(*closes[0], "type") == "process");
  CHECK(str(*closes[0], "status") == "STATUS_SUCCESS");
  CHECK(num(*closes[1], "handle") == num(*closes[0], "handle"));
  CHECK(str(*closes[1], "status") == "STATUS_INVALID_HANDLE");  // reached the kernel again
  CHECK(str(*closes[2], "owner") == "System");  // a system thread's handle is a kernel handle
  CHECK(str(*closes[2], "status") == "STATUS_SUCCESS");
}

TEST_CASE("runner: a stale close that now names another object is noted") {
  const Run r =
      run("NtCreateProcess a\n"
          "NtClose a\n"
          "NtCreateProcess b\n"
          "NtClose a\n"
          "NtClose b\n");
  const auto notes = r.named("note");
  REQUIRE(notes.size() == 1);
  CHECK(num(*notes[0], "line") == 4);
  CHECK(str(*notes[0], "message") ==
        "handle 0x8 in System's table was closed before and now names process b: this close "
        "closes that handle");
  const auto calls = r.named("call");
  CHECK(str(*calls.back(), "status") == "STATUS_INVALID_HANDLE");
}

TEST_CASE("runner: the thought experiment on win2000, notify by notify, entry by entry") {
  // scenario-format.md's example (semantics.md §7.1, §9.40).
  const Run r =
      run("kernel win2000\n"
          "PsSetCreateProcessNotifyRoutine edr\n"
          "PsSetCreateThreadNotifyRoutine edr_threads\n"
          "CreateProcess notepad as t1\n"
          "let old = notepad.pid\n"
          "poke notepad.UniqueProcessId = 0\n"
          "NtCreateThread notepad as t2\n"
          "PsLookupProcessByProcessId old\n"
          "NtTerminateProcess notepad\n"
          "NtClose t1\n"
          "NtClose t2\n"
          "NtClose notepad\n"
          "audit\n"
          "dump cidtable\n");
  CHECK(trace_from(r, "cid create 0xc") ==
        std::vector<std::string>{
            "cid create 0xc",
            "cid create 0x10",
            "notify process create pid=0x10 parent=0x8 on 8.4",
            "notify thread create pid=0x10 tid=0xc on 8.4",
            "call NtCreateThread STATUS_SUCCESS",
            // The zeroed PID: a second PID, and the process notify fires again.
            "cid create 0x14",
            "cid create 0x18",
            "notify process create pid=0x18 parent=0x8 on 8.4",
            "notify thread create pid=0x18 tid=0x14 on 8.4",
            "call NtCreateThread STATUS_SUCCESS",
            "call PsLookupProcessByProcessId STATUS_SUCCESS",
            // Exit: both threads report the current PID; one process exit, for 0x18 only.
            "notify thread exit pid=0x18 tid=0xc on 10.c",
            "notify thread exit pid=0x18 tid=0x14 on 18.14",
            "notify process exit pid=0x18 parent=0x8 on 18.14",
            "call NtTerminateProcess STATUS_SUCCESS",
            // Deletion: the TIDs and the current PID; nothing destroys 0x10.
            "cid destroy 0xc",
            "call NtClose STATUS_SUCCESS",
            "cid destroy 0x14",
            "call NtClose STATUS_SUCCESS",
            "cid destroy 0x18",
            "call NtClose STATUS_SUCCESS",
        });
  CHECK(audit_kinds(r, 0) == std::vector<std::string>{"dangling-cid", "unbalanced-notify",
                                                      "unbalanced-notify", "unbalanced-notify"});
  const auto findings = r.named("finding");
  REQUIRE_FALSE(findings.empty());
  CHECK(num(*findings[0], "id") == 0x10);
  CHECK(str(*findings[0], "step") == "line 12: NtClose notepad");
  const auto dumps = r.named("dump");
  REQUIRE(dumps.size() == 1);
  const std::string table = str(*dumps[0], "text");
  CAPTURE(table);
  CHECK(table.find("PspCidTable: HandleCount 3") != std::string::npos);
  CHECK(table.find("0x0010  89a019f0  process  notepad  UniqueProcessId 0x18  (deleted: a "
                   "tombstone)") != std::string::npos);
  // The automatic audit repeats the explicit one and says so.
  const auto audits = r.named("audit");
  REQUIRE(audits.size() == 2);
  CHECK(num(*audits[1], "same_as") == 13);
  CHECK(audit_kinds(r, 1) == audit_kinds(r, 0));
}
