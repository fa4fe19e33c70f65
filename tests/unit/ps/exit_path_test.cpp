// SPDX-License-Identifier: MIT
// Termination, deletion and the verifier on the Windows 2000 model (semantics.md §3, §7.1, §9
// items 13, 20, 24, 25, 40).
#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

std::vector<std::string> g_log;

// One line per entry, so a failed comparison prints both sides readably.
std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v)
    out += x + "\n";
  return out;
}

void edr(ProcessId parent, ProcessId pid, bool create) {
  Kernel& k = *Kernel::current();
  g_log.push_back(fmt::format("process {:#x} {:#x} {} on {}", parent.value(), pid.value(),
                              create ? "create" : "exit",
                              ClientId{k.PsGetCurrentProcessId(), k.PsGetCurrentThreadId()}));
}
void edr_threads(ProcessId pid, ThreadId tid, bool create) {
  Kernel& k = *Kernel::current();
  g_log.push_back(fmt::format("thread {:#x} {:#x} {} on {}", pid.value(), tid.value(),
                              create ? "create" : "exit",
                              ClientId{k.PsGetCurrentProcessId(), k.PsGetCurrentThreadId()}));
}

// Logs cid events into g_log too, so their order against the notifications is visible.
struct LogSink : TraceSink {
  void emit(const Event& e) override {
    if (e.name == "cid") {
      g_log.push_back(fmt::format("cid {} {:#x}", std::get<std::string>(e.find("op")->value),
                                  std::get<std::uint64_t>(e.find("handle")->value)));
    }
  }
};

struct Fixture {
  explicit Fixture(Profile p = Profile::win2000()) : k(p, &sink) {
    g_log.clear();
    k.name_routine(reinterpret_cast<const void*>(&edr), "edr", "ProcessNotify");
    k.name_routine(reinterpret_cast<const void*>(&edr_threads), "edr", "ThreadNotify");
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&edr, false) == STATUS_SUCCESS);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&edr_threads) == STATUS_SUCCESS);
  }
  Kernel::ProcessCreated process(const std::string& name) {
    auto p = k.NtCreateProcess(name);
    REQUIRE(p.status == STATUS_SUCCESS);
    return p;
  }
  Kernel::ThreadCreated thread(ps::Process& p) {
    auto t = k.NtCreateThread(p);
    REQUIRE(t.status == STATUS_SUCCESS);
    return t;
  }
  std::vector<std::string> kinds() {
    std::vector<std::string> out;
    for (const auto& f : k.audit())
      out.push_back(std::string(verify::to_string(f.kind)));
    return out;
  }
  LogSink sink;
  Kernel k;
};

}  // namespace

TEST_CASE("§9.24 [win2000] last thread: thread exit, then process exit, both before the CIDs go") {
  Fixture f;
  auto p = f.process("a.exe");
  auto t = f.thread(*p.process);  // TID 0xc, PID 0x10
  g_log.clear();
  CHECK(f.k.NtTerminateThread(*t.thread) == STATUS_SUCCESS);
  CHECK(join(g_log) ==
        join({"thread 0x10 0xc exit on 0010.000c", "process 0x8 0x10 exit on 0010.000c"}));
  // Exited, but referenced by the creator's handles: both IDs still resolve (§3.3).
  ps::Process* found = nullptr;
  REQUIRE(f.k.PsLookupProcessByProcessId(ProcessId{0x10}, &found) == STATUS_SUCCESS);
  f.k.ObDereferenceObject(*found);
  ps::Thread* ft = nullptr;
  REQUIRE(f.k.PsLookupThreadByThreadId(ThreadId{0xc}, &ft) == STATUS_SUCCESS);
  f.k.ObDereferenceObject(*ft);
  CHECK(f.k.cid_table().handle_count() == 4);
  g_log.clear();
  CHECK(f.k.NtClose(f.k.system_process(), t.handle) == STATUS_SUCCESS);
  CHECK(join(g_log) == join({"cid destroy 0xc"}));
  CHECK(f.k.NtClose(f.k.system_process(), p.handle) == STATUS_SUCCESS);
  CHECK(join(g_log) == join({"cid destroy 0xc", "cid destroy 0x10"}));
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0x10}, &found) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.PsLookupThreadByThreadId(ThreadId{0xc}, &ft) == STATUS_INVALID_PARAMETER);
  CHECK(p.process->is_deleted());
  CHECK(t.thread->is_deleted());
  CHECK(f.kinds().empty());  // a clean lifecycle leaves nothing for the verifier
}

TEST_CASE("exit [win2000]: terminate twice, close twice, and a dying process takes no thread") {
  Fixture f;
  auto p = f.process("b.exe");
  auto t1 = f.thread(*p.process);
  auto t2 = f.thread(*p.process);
  g_log.clear();
  CHECK(f.k.NtTerminateProcess(*p.process) == STATUS_SUCCESS);
  CHECK(join(g_log) ==
        join({"thread 0x10 0xc exit on 0010.000c", "thread 0x10 0x14 exit on 0010.0014",
              "process 0x8 0x10 exit on 0010.0014"}));
  CHECK(f.k.NtTerminateProcess(*p.process) == STATUS_PROCESS_IS_TERMINATING);
  CHECK(f.k.NtTerminateThread(*t1.thread) == STATUS_THREAD_IS_TERMINATING);
  // §9.20: creation in a dying process: the TID is allocated and destroyed, no callback.
  g_log.clear();
  auto late = f.k.NtCreateThread(*p.process);
  CHECK(late.status == STATUS_PROCESS_IS_TERMINATING);
  CHECK(join(g_log) == join({"cid create 0x18", "cid destroy 0x18"}));
  CHECK(f.k.NtClose(f.k.system_process(), t1.handle) == STATUS_SUCCESS);
  CHECK(f.k.NtClose(f.k.system_process(), t1.handle) == STATUS_INVALID_HANDLE);
  CHECK(f.k.NtClose(f.k.system_process(), Handle{0x7ffc}) == STATUS_INVALID_HANDLE);
  CHECK(f.k.NtTerminateProcess(f.k.system_process()) == STATUS_ACCESS_DENIED);
  CHECK(f.k.NtTerminateThread(f.k.first_system_thread()) == STATUS_ACCESS_DENIED);
  static_cast<void>(t2);
}

TEST_CASE(
    "§9.25 exit [profile]: a process that never had a thread, per threadless_process_exit_notify") {
  for (auto option :
       {ThreadlessProcessExitNotify::AtDeletion, ThreadlessProcessExitNotify::Never}) {
    Profile prof = Profile::win2000();
    prof.threadless_process_exit_notify = option;
    Fixture f(prof);
    auto p = f.process("empty.exe");
    g_log.clear();
    CHECK(f.k.NtClose(f.k.system_process(), p.handle) == STATUS_SUCCESS);
    CHECK(p.process->is_deleted());
    if (option == ThreadlessProcessExitNotify::AtDeletion) {
      // win2000 default: an exit for a process nobody saw created, and with PID 0.
      CHECK(join(g_log) == join({"process 0x8 0x0 exit on 0008.0004"}));
      CHECK(join(f.kinds()) == join({"unbalanced-notify"}));
    } else {
      CHECK(g_log.empty());
      CHECK(f.kinds().empty());
    }
  }
}

TEST_CASE("§9.40 [win2000] the thought experiment: zero the PID, a new thread, exit and delete") {
  Fixture f;
  auto p = f.process("notepad");
  auto t1 = f.thread(*p.process);  // TID 0xc, PID 0x10
  const ProcessId old = p.process->pid();
  f.k.set_step("poke notepad.UniqueProcessId = 0");
  f.k.poke_unique_process_id(*p.process, ProcessId{0});
  g_log.clear();
  f.k.set_step("NtCreateThread notepad as t2");
  auto t2 = f.thread(*p.process);
  CHECK(join(g_log) ==
        join({"cid create 0x14", "cid create 0x18", "process 0x8 0x18 create on 0008.0004",
              "thread 0x18 0x14 create on 0008.0004"}));
  // While it runs: two entries for one process, the old one no longer its own; and no live
  // process has 0x10 any more, so the routines' books for it can never balance.
  CHECK(join(f.kinds()) ==
        join({"leaked-cid", "duplicate-cid", "unbalanced-notify", "unbalanced-notify"}));
  g_log.clear();
  CHECK(f.k.NtTerminateProcess(*p.process) == STATUS_SUCCESS);
  // Every exit carries the new PID: the drivers never hear of 0x10 again.
  CHECK(join(g_log) ==
        join({"thread 0x18 0xc exit on 0010.000c", "thread 0x18 0x14 exit on 0018.0014",
              "process 0x8 0x18 exit on 0018.0014"}));
  g_log.clear();
  f.k.set_step("NtClose notepad");
  CHECK(f.k.NtClose(f.k.system_process(), t1.handle) == STATUS_SUCCESS);
  CHECK(f.k.NtClose(f.k.system_process(), t2.handle) == STATUS_SUCCESS);
  CHECK(f.k.NtClose(f.k.system_process(), p.handle) == STATUS_SUCCESS);
  CHECK(g_log ==
        std::vector<std::string>{"cid destroy 0xc", "cid destroy 0x14", "cid destroy 0x18"});
  // The old PID is left pointing at the deleted process: a lookup is a reported use-after-free.
  ps::Process* found = nullptr;
  f.k.set_step("PsLookupProcessByProcessId old");
  CHECK(f.k.PsLookupProcessByProcessId(old, &found) == STATUS_INVALID_PARAMETER);
  CHECK(found == nullptr);
  const auto findings = f.k.audit();
  std::vector<std::string> kinds;
  for (const auto& x : findings)
    kinds.push_back(std::string(verify::to_string(x.kind)));
  CHECK(join(kinds) == join({"use-after-free", "dangling-cid", "unbalanced-notify",
                             "unbalanced-notify", "unbalanced-notify"}));
  CHECK(findings[0].step == "PsLookupProcessByProcessId old");
  CHECK(findings[1].id == old.value());
  CHECK(findings[1].step == "NtClose notepad");
  CHECK(findings[1].detail.find("deleted at 'NtClose notepad'") != std::string::npos);
  // The process routine saw 0x10 created and never exit; the thread routine's per-PID books
  // are off both ways (t1 created under 0x10, exited under 0x18).
  CHECK(findings[2].detail ==
        "edr!ProcessNotify saw 1 create(s) and 0 exit(s) for process ID 0x10");
  CHECK(findings[3].detail ==
        "edr!ThreadNotify saw 1 create(s) and 0 exit(s) for threads of process ID 0x10");
  CHECK(findings[4].detail ==
        "edr!ThreadNotify saw 1 create(s) and 2 exit(s) for threads of process ID 0x18");
  CHECK(f.k.cid_table().handle_count() == 3);  // boot 2 + the leaked 0x10
}

TEST_CASE(
    "§9.13 [win2000] a CID destroy that fails at deletion is BugCheck 0x17, the kernel stays "
    "inspectable") {
  Fixture f;
  auto p = f.process("victim");
  auto t = f.thread(*p.process);
  f.k.poke_unique_process_id(*p.process, ProcessId{0x1234});  // an ID that was never allocated
  CHECK(f.k.NtTerminateProcess(*p.process) == STATUS_SUCCESS);
  CHECK(f.k.NtClose(f.k.system_process(), t.handle) == STATUS_SUCCESS);
  try {
    static_cast<void>(f.k.NtClose(f.k.system_process(), p.handle));
    FAIL("no bugcheck");
  } catch (const BugCheck& b) {
    CHECK(b.code() == CID_HANDLE_DELETION);
    CHECK(b.parameters()[0] == 0x1234);
    CHECK(std::string(b.what()).find("CID_HANDLE_DELETION") != std::string::npos);
  }
  REQUIRE(f.k.bugcheck() != nullptr);
  CHECK(f.k.bugcheck()->code() == 0x17);
  CHECK(p.process->is_deleted());  // a tombstone, still readable
  CHECK(p.process->ImageFileName == "victim");
  const auto kinds = f.kinds();
  CHECK(std::find(kinds.begin(), kinds.end(), "dangling-cid") != kinds.end());  // 0x10 left behind
}

namespace {
Kernel* g_self_kernel = nullptr;
void removes_itself(ProcessId, ProcessId, bool create) {
  if (create && g_self_kernel != nullptr) {
    CHECK(g_self_kernel->PsSetCreateProcessNotifyRoutine(&removes_itself, true) == STATUS_SUCCESS);
  }
}
}  // namespace

TEST_CASE(
    "§9.31 [win2000] removal returns at once while the routine still runs: call-after-remove") {
  Fixture f;
  g_self_kernel = &f.k;
  REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&removes_itself, false) == STATUS_SUCCESS);
  auto p = f.process("x");
  f.thread(*p.process);
  g_self_kernel = nullptr;
  const auto findings = f.k.audit();
  REQUIRE(!findings.empty());
  CHECK(verify::to_string(findings[0].kind) == "call-after-remove");
  CHECK(findings[0].detail.find("returned while 1 call(s) of it were still running") !=
        std::string::npos);
}

TEST_CASE("exit [win2000, U]: the thread-exit PID can come from the thread's Cid copy instead") {
  Profile prof = Profile::win2000();
  prof.thread_exit_notify_pid = ThreadExitNotifyPid::ThreadCidCopy;
  Fixture f(prof);
  auto p = f.process("n");
  auto t1 = f.thread(*p.process);
  f.k.poke_unique_process_id(*p.process, ProcessId{0});
  f.thread(*p.process);
  g_log.clear();
  CHECK(f.k.NtTerminateThread(*t1.thread) == STATUS_SUCCESS);
  CHECK(join(g_log) == join({"thread 0x10 0xc exit on 0010.000c"}));
}
