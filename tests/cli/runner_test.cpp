// SPDX-License-Identifier: MIT
// The scenario runner and the recording routines, in process: which events a statement
// produces, in which order, with which fields; how names that failed to bind behave.
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

using namespace ntemu;
using namespace ntemu::cli;

namespace {

struct Run {
  std::vector<Event> events;
  RunOutcome outcome;

  std::vector<const Event*> named(std::string_view name) const {
    std::vector<const Event*> out;
    for (const Event& e : events) {
      if (e.name == name) out.push_back(&e);
    }
    return out;
  }
};

Run run(const std::string& text) {
  CAPTURE(text);
  Compiled c = compile_scenario(text, {});
  if (!c.errors.empty()) FAIL(c.errors[0].message);
  RecordingSink sink;
  Run r;
  r.outcome = run_script(c.script, "test.ntemu", sink);
  r.events = sink.events();
  return r;
}

std::string str(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  return std::get<std::string>(f->value);
}

std::uint64_t num(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  if (const auto* i = std::get_if<std::int64_t>(&f->value)) return static_cast<std::uint64_t>(*i);
  return std::get<std::uint64_t>(f->value);
}

bool flag(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  REQUIRE(f != nullptr);
  return std::get<bool>(f->value);
}

}  // namespace

TEST_CASE("routines: the pool holds distinct functions, one per index and kind") {
  std::set<const void*> seen;
  for (std::size_t i = 0; i < kRoutinePoolSize; ++i) {
    seen.insert(reinterpret_cast<const void*>(process_routine(i)));
    seen.insert(reinterpret_cast<const void*>(thread_routine(i)));
  }
  CHECK(seen.size() == 2 * kRoutinePoolSize);
  CHECK(reinterpret_cast<const void*>(process_routine(5)) ==
        reinterpret_cast<const void*>(process_routine(5)));
  CHECK(kRoutinePoolSize == kMaxRoutines);
}

TEST_CASE("routines: calls reach the listener of the calling host thread, scopes nest") {
  struct Counter : RoutineListener {
    std::vector<std::pair<ps::NotifyKind, std::size_t>> calls;
    void routine_invoked(const RoutineCall& call) override {
      calls.emplace_back(call.kind, call.index);
      last_first = call.first;
      last_second = call.second;
    }
    std::uint64_t last_first = 0;
    std::uint64_t last_second = 0;
  };
  Counter outer;
  Counter inner;
  process_routine(3)(ProcessId{8}, ProcessId{12}, true);  // no listener: ignored
  {
    ListenerScope a(outer);
    process_routine(3)(ProcessId{8}, ProcessId{12}, true);
    {
      ListenerScope b(inner);
      thread_routine(7)(ProcessId{12}, ThreadId{16}, false);
    }
    thread_routine(0)(ProcessId{12}, ThreadId{16}, true);
  }
  REQUIRE(outer.calls.size() == 2);
  CHECK(outer.calls[0] == std::pair{ps::NotifyKind::Process, std::size_t{3}});
  CHECK(outer.calls[1] == std::pair{ps::NotifyKind::Thread, std::size_t{0}});
  REQUIRE(inner.calls.size() == 1);
  CHECK(inner.calls[0] == std::pair{ps::NotifyKind::Thread, std::size_t{7}});
  CHECK(inner.last_first == 12);
  CHECK(inner.last_second == 16);
}

TEST_CASE("runner: a run is framed by begin and end, and the boot CIDs come first") {
  const Run r = run("");
  REQUIRE(r.events.size() >= 2);
  CHECK(r.events.front().name == "begin");
  CHECK(str(r.events.front(), "kernel") == "win2000");
  CHECK(str(r.events.front(), "arch") == "x86");
  CHECK(r.events.back().name == "end");
  const auto cids = r.named("cid");
  REQUIRE(cids.size() == 2);
  CHECK(num(*cids[0], "handle") == 4);  // win2000: the first system thread's TID
  CHECK(num(*cids[1], "handle") == 8);  // then System's PID
}

TEST_CASE("runner: a call event follows the kernel events of its call and carries its results") {
  const Run r =
      run("PsSetCreateProcessNotifyRoutine edr\n"
          "CreateProcess notepad as t1\n");
  std::vector<std::string> order;
  for (const Event& e : r.events) {
    if (e.name == "call" || e.name == "notify" || e.name == "cid") order.push_back(e.name);
  }
  // Boot cids; registration; NtCreateProcess; TID, PID; process notify; NtCreateThread.
  CHECK(order ==
        std::vector<std::string>{"cid", "cid", "call", "call", "cid", "cid", "notify", "call"});
  const auto calls = r.named("call");
  REQUIRE(calls.size() == 3);
  CHECK(num(*calls[0], "line") == 1);
  CHECK(str(*calls[0], "status") == "STATUS_SUCCESS");
  CHECK(str(*calls[0], "ntstatus") == "0x00000000");
  CHECK(str(*calls[1], "api") == "NtCreateProcess");
  CHECK(str(*calls[1], "via") == "CreateProcess");
  CHECK(num(*calls[1], "pid") == 0);  // win2000: no PID before the first thread
  CHECK(str(*calls[2], "api") == "NtCreateThread");
  CHECK(str(*calls[2], "name") == "t1");
  CHECK(num(*calls[2], "tid") == 0xc);
  CHECK(num(*calls[2], "pid") == 0x10);
}

TEST_CASE("runner: one routine name registered twice is called twice per event") {
  const Run r =
      run("PsSetCreateProcessNotifyRoutine edr\n"
          "PsSetCreateProcessNotifyRoutine edr\n"
          "PsSetCreateThreadNotifyRoutine edr\n"
          "CreateProcess a\n"
          "expect calls edr 3\n");
  CHECK(r.outcome.expects_passed == 1);
  CHECK(r.outcome.exit_code() == 0);
  const auto notifies = r.named("notify");
  REQUIRE(notifies.size() == 3);
  CHECK(num(*notifies[0], "slot") == 0);
  CHECK(num(*notifies[1], "slot") == 1);
  CHECK(str(*notifies[2], "routine") == "edr");
}

TEST_CASE("runner: routines run in the context of the current thread") {
  const Run r =
      run("PsSetCreateThreadNotifyRoutine r\n"
          "CreateProcess shell as shell_main\n"
          "context shell_main\n"
          "CreateProcess app\n");
  const auto notifies = r.named("notify");
  REQUIRE(notifies.size() == 2);
  CHECK(num(*notifies[0], "context_tid") == 4);  // the first system thread
  CHECK(num(*notifies[1], "context_pid") == 0x10);
  CHECK(num(*notifies[1], "context_tid") == 0xc);
  const auto contexts = r.named("context");
  REQUIRE(contexts.size() == 1);
  CHECK(str(*contexts[0], "name") == "shell_main");
}

TEST_CASE("runner: expect reports ok and detail, and a failure makes the exit status 1") {
  const Run r =
      run("PsLookupProcessByProcessId 0x1234\n"
          "expect status STATUS_INVALID_PARAMETER\n"
          "expect status STATUS_SUCCESS\n");
  const auto expects = r.named("expect");
  REQUIRE(expects.size() == 2);
  CHECK(flag(*expects[0], "ok"));
  CHECK_FALSE(flag(*expects[1], "ok"));
  CHECK(str(*expects[1], "detail") ==
        "expected STATUS_SUCCESS, got STATUS_INVALID_PARAMETER (line 1)");
  CHECK(r.outcome.expects_passed == 1);
  CHECK(r.outcome.expects_failed == 1);
  CHECK(r.outcome.exit_code() == 1);
}

TEST_CASE("runner: a name whose creation failed is skipped, and its IDs read as 0") {
  // A user-mode thread may not create a thread in System (STATUS_INVALID_HANDLE).
  const Run r =
      run("CreateProcess app as main\n"
          "context main\n"
          "NtCreateThread System as intruder\n"
          "expect status STATUS_INVALID_HANDLE\n"
          "context intruder\n"
          "let v = intruder.tid\n"
          "PsLookupThreadByThreadId intruder.tid\n");
  CHECK(r.outcome.exit_code() == 0);
  const auto skips = r.named("skip");
  REQUIRE(skips.size() == 1);
  CHECK(num(*skips[0], "line") == 5);
  CHECK(str(*skips[0], "reason") == "'intruder' does not exist: its creation at line 3 failed");
  const auto notes = r.named("note");
  REQUIRE(notes.size() == 2);
  CHECK(str(*notes[0], "message").find("so intruder.tid is 0") != std::string::npos);
  const auto lets = r.named("let");
  REQUIRE(lets.size() == 1);
  CHECK(num(*lets[0], "value") == 0);
}

TEST_CASE("runner: ID expressions read the current values, with + and |") {
  const Run r =
      run("CreateProcess a as t\n"
          "let before = a.pid\n"
          "poke a.UniqueProcessId = 0\n"
          "let zero = a.pid\n"
          "let copy = t.pid\n"
          "let tagged = System.pid|3\n"
          "let next = t.tid+1\n");
  const auto lets = r.named("let");
  REQUIRE(lets.size() == 5);
  CHECK(num(*lets[0], "value") == 0x10);
  CHECK(num(*lets[1], "value") == 0);     // the process field, now zeroed
  CHECK(num(*lets[2], "value") == 0x10);  // the thread's Cid copy is not refreshed
  CHECK(num(*lets[3], "value") == 0xb);
  CHECK(num(*lets[4], "value") == 0xd);
  const auto pokes = r.named("poke");
  REQUIRE(pokes.size() == 1);
  CHECK(num(*pokes[0], "old") == 0x10);
  CHECK(str(*pokes[0], "target") == "a.UniqueProcessId");
}

TEST_CASE("runner: dumps describe the CID table, the callbacks and a process") {
  const Run r =
      run("PsSetCreateProcessNotifyRoutine edr\n"
          "CreateProcess a as t\n"
          "poke process-notify[0] = 0\n"
          "dump cidtable\n"
          "dump callbacks\n"
          "dump process a\n");
  const auto dumps = r.named("dump");
  REQUIRE(dumps.size() == 3);
  CHECK(str(*dumps[0], "what") == "cidtable");
  CHECK(str(*dumps[0], "text").find("0x0010  ") != std::string::npos);
  CHECK(str(*dumps[1], "text").find("PspCreateProcessNotifyRoutineCount 1") != std::string::npos);
  // The cleared slot joins the run of empty slots after it: one line for slots 0 to 7.
  CHECK(str(*dumps[1], "text").find("[0..7] (empty)") != std::string::npos);
  CHECK(str(*dumps[1], "text").find("[1] (empty)") == std::string::npos);
  CHECK(str(*dumps[2], "name") == "a");
  CHECK(str(*dumps[2], "text").find("THREAD t  Cid 0010.000c") != std::string::npos);
  const auto pokes = r.named("poke");
  REQUIRE(pokes.size() == 1);
  CHECK(str(*pokes[0], "old_routine") == "edr!ProcessNotifyRoutine");
}

TEST_CASE("runner: two runs of one script give the same events") {
  const std::string text =
      "PsSetCreateProcessNotifyRoutine a\nPsSetCreateThreadNotifyRoutine b\n"
      "CreateProcess x as xt\ncontext xt\nCreateProcess y\ndump cidtable\ndump process y\n";
  const Run first = run(text);
  const Run second = run(text);
  REQUIRE(first.events.size() == second.events.size());
  for (std::size_t i = 0; i < first.events.size(); ++i) {
    CHECK(JsonlSink::to_json(first.events[i], i) == JsonlSink::to_json(second.events[i], i));
  }
}

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

// The kinds of the findings listed under the N-th audit event (0-based).
std::vector<std::string> audit_kinds(const Run& r, std::size_t n) {
  std::vector<std::string> kinds;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (r.events[i].name != "audit" || seen++ != n) continue;
    for (std::size_t j = i + 1; j < r.events.size() && r.events[j].name == "finding"; ++j)
      kinds.push_back(str(r.events[j], "kind"));
  }
  return kinds;
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

TEST_CASE("runner: a thread that terminates itself is noted, once") {
  const Run r =
      run("CreateProcess app as main\n"
          "NtCreateThread app as worker\n"
          "context worker\n"
          "NtTerminateThread worker\n"
          "NtTerminateProcess app\n");
  const auto notes = r.named("note");
  REQUIRE(notes.size() == 1);
  CHECK(num(*notes[0], "line") == 4);
  CHECK(str(*notes[0], "message").find("the current thread (worker) has exited") == 0);
}

// Regression (runner-audit-drops-race-routing): an audit used to swap the kernel's sink for a
// recording one and then restore the scenario's own sink rather than the race router, so after
// the first audit the events raised on CPU 1 went out from CPU 1's host thread, at a time that
// depends on scheduling. Every event must reach the output from the scenario's own thread.
TEST_CASE(
    "runner: after an audit, CPU 1's events still reach the output from the scenario's "
    "thread") {
  struct ThreadCheckingSink final : TraceSink {
    const std::thread::id owner = std::this_thread::get_id();
    std::mutex lock;
    std::vector<std::string> foreign;  // events emitted from another host thread
    std::vector<std::string> names;
    void emit(const Event& e) override {
      std::lock_guard hold(lock);
      names.push_back(e.name);
      if (std::this_thread::get_id() != owner) foreign.push_back(e.name);
    }
  } sink;
  // win2000: CPU 1's removal returns while edr runs, and the verifier raises call-after-remove
  // on CPU 1 — an event CPU 1 emits, after the audit at line 2.
  Compiled c = compile_scenario(
      "kernel win2000\n"
      "audit\n"
      "PsSetCreateProcessNotifyRoutine edr\n"
      "during edr process PsSetCreateProcessNotifyRoutine edr remove\n"
      "CreateProcess notepad\n",
      {});
  REQUIRE(c.errors.empty());
  run_script(c.script, "race.ntemu", sink);
  CHECK(std::count(sink.names.begin(), sink.names.end(), "finding") >= 1);
  CHECK(sink.foreign.empty());
}

// Issue 14 item 9: with 64-slot arrays (Vista on) a scenario must still be able to fill every
// array and try one more, with distinct routine names.
TEST_CASE("runner: every notify array of every version can be filled and overfilled") {
  for (KernelVersion v : {KernelVersion::Win2000, KernelVersion::Xp, KernelVersion::Server2003,
                          KernelVersion::Vista}) {
    CAPTURE(to_string(v));
    const Profile p = *Profile::make(v, Arch::X86);
    std::string text = fmt::format("kernel {}\n", to_string(v));
    for (std::uint32_t i = 0; i <= p.process_notify_slots; ++i)
      text += fmt::format("PsSetCreateProcessNotifyRoutine r{}\n", i);
    text += fmt::format("expect status {}\n", p.process_notify_full_status.name());
    for (std::uint32_t i = 0; i <= p.thread_notify_slots; ++i)
      text += fmt::format("PsSetCreateThreadNotifyRoutine r{}\n", i);  // one name, both kinds
    text += fmt::format("expect status {}\n", p.thread_notify_full_status.name());
    const Run r = run(text);
    CHECK(r.outcome.expects_failed == 0);
    CHECK(r.outcome.expects_passed == 2);
  }
}
