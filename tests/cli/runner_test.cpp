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
#include "runner_support.hpp"

using namespace ntemu;
using namespace ntemu::cli;
using namespace ntemu::cli::test;

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
