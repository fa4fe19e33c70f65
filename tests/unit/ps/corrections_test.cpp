// SPDX-License-Identifier: MIT
// The second fidelity audit's corrections (semantics.md §10), each on every version it names,
// with the source it comes from.
#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "ntemu/ob/obhandle.hpp"

using namespace ntemu;

namespace {

constexpr KernelVersion kAll[] = {KernelVersion::Win2000, KernelVersion::Xp,
                                  KernelVersion::Server2003, KernelVersion::Vista};

int g_notifies = 0;
void count_process(ProcessId, ProcessId, bool) {
  ++g_notifies;
}
void count_thread(ProcessId, ThreadId, bool) {
  ++g_notifies;
}

std::vector<std::string> cid_ops(const RecordingSink& sink, std::size_t from) {
  std::vector<std::string> out;
  const auto events = sink.events();
  for (std::size_t i = from; i < events.size(); ++i) {
    if (events[i].name == "cid") {
      out.push_back(fmt::format("{} {:#x}", events[i].text("op"), events[i].number("handle")));
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "§10.6 [WRK:create PspCreateThread step 10] a terminated creating thread cannot create a user "
    "thread in its own process: PROCESS_IS_TERMINATING, its TID destroyed again, no routine") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    RecordingSink sink;
    Kernel k(*Profile::make(v, Arch::X86), &sink);
    auto app = k.NtCreateProcess("app.exe");
    auto main = k.NtCreateThread(*app.process);
    auto worker = k.NtCreateThread(*app.process);
    REQUIRE(worker.status == STATUS_SUCCESS);
    REQUIRE(k.NtTerminateThread(*main.thread) == STATUS_SUCCESS);  // app still runs (worker)
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&count_process, false) == STATUS_SUCCESS);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&count_thread) == STATUS_SUCCESS);
    g_notifies = 0;
    const std::size_t before = sink.events().size();
    {
      Kernel::ContextScope as(k, *main.thread);
      const auto t = k.NtCreateThread(*app.process);
      CHECK(t.status == STATUS_PROCESS_IS_TERMINATING);
      CHECK(t.thread == nullptr);
    }
    const auto ops = cid_ops(sink, before);
    REQUIRE(ops.size() == 2);  // the TID came first (step 6), then went with the thread object
    CHECK(ops[0].rfind("create ", 0) == 0);
    CHECK(ops[1] == "destroy " + ops[0].substr(7));
    CHECK(g_notifies == 0);
    // A live thread of the same process still creates, and so may the terminated thread into
    // another process (the rule is for its own).
    {
      Kernel::ContextScope as(k, *worker.thread);
      CHECK(k.NtCreateThread(*app.process).status == STATUS_SUCCESS);
    }
    auto other = k.NtCreateProcess("other.exe");
    {
      Kernel::ContextScope as(k, *main.thread);
      CHECK(k.NtCreateThread(*other.process).status == STATUS_SUCCESS);
    }
  }
}

TEST_CASE(
    "§10.7 [ReactOS kmtests ntos_ob/ObHandle.c] a system thread's handle is a kernel handle: the "
    "high bit set, in System's table, and NtClose of 0 is STATUS_INVALID_HANDLE") {
  for (KernelVersion v : kAll) {
    for (Arch a : {Arch::X86, Arch::X64}) {
      CAPTURE(to_string(v));
      CAPTURE(to_string(a));
      Kernel k(*Profile::make(v, a));
      const std::uint64_t mark = a == Arch::X86 ? 0x80000000ULL : 0xFFFFFFFF80000000ULL;
      const std::uint32_t before = k.system_process().ObjectTable->handle_count();
      auto t = k.PsCreateSystemThread("worker");
      REQUIRE(t.status == STATUS_SUCCESS);
      CHECK((t.handle.value() & mark) == mark);
      CHECK(ob::is_kernel_handle(t.handle, a));
      CHECK(k.system_process().ObjectTable->handle_count() == before + 1);
      // Not a handle of a user process's table, even with the same index.
      auto app = k.NtCreateProcess("app.exe");  // its handle goes to System's table too
      CHECK(k.NtClose(*app.process, t.handle) == STATUS_INVALID_HANDLE);
      CHECK(k.NtClose(k.system_process(), t.handle) == STATUS_SUCCESS);
      CHECK(k.system_process().ObjectTable->handle_count() == before + 1);
      CHECK(k.NtClose(k.system_process(), t.handle) == STATUS_INVALID_HANDLE);
      CHECK(k.NtClose(k.system_process(), Handle{0}) == STATUS_INVALID_HANDLE);
      // A user thread's handle, in its creator's table, carries no mark.
      auto u = k.NtCreateThread(*app.process);
      REQUIRE(u.status == STATUS_SUCCESS);
      CHECK_FALSE(ob::is_kernel_handle(u.handle, a));
    }
  }
}

TEST_CASE(
    "§10.8 [F] Idle is never in PspCidTable: no thread can be created in it, from kernel or user "
    "mode") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(*Profile::make(v, Arch::X86));
    const std::uint32_t entries = k.cid_table().handle_count();
    CHECK(k.NtCreateThread(k.idle_process()).status == STATUS_INVALID_HANDLE);  // kernel mode
    auto app = k.NtCreateProcess("app.exe");
    auto t = k.NtCreateThread(*app.process);
    {
      Kernel::ContextScope as(k, *t.thread);  // user mode
      CHECK(k.NtCreateThread(k.idle_process()).status == STATUS_INVALID_HANDLE);
    }
    CHECK(k.idle_process().pid().value() == 0);
    CHECK(k.cid_table().handle_count() == entries + 2);  // app and its thread: nothing for Idle
    CHECK(k.audit().empty());
  }
}

namespace {
// What a win2000 process routine does to the process it is told of, which PspCreateThread keeps
// locked around the loop (ProcessLockDuringNotify::Held).
enum class Reentry : std::uint8_t {
  CreateChild,
  TerminateIt,
  TerminateItsThread,
  CreateThreadInIt,
  OverDereference,
  CloseItsHandle,
};
Kernel* g_kernel = nullptr;
Reentry g_reentry = Reentry::CreateChild;
Handle g_handle;  // the creator's handle to the process, for CloseItsHandle
std::vector<Status> g_statuses;

void reentering_routine(ProcessId, ProcessId pid, bool create) {
  if (!create || g_kernel == nullptr) return;
  Kernel& k = *g_kernel;
  ps::Process* p = nullptr;
  REQUIRE(k.PsLookupProcessByProcessId(pid, &p) == STATUS_SUCCESS);
  switch (g_reentry) {
    case Reentry::CreateChild:
      g_statuses.push_back(k.NtCreateProcess("child.exe", p).status);
      break;
    case Reentry::TerminateIt:
      g_statuses.push_back(k.NtTerminateProcess(*p));
      break;
    case Reentry::TerminateItsThread: {
      // win2000: the TID came first, 4 below the PID (and the lookup has no access gate).
      ps::Thread* t = nullptr;
      REQUIRE(k.PsLookupThreadByThreadId(ThreadId{pid.value() - 4}, &t) == STATUS_SUCCESS);
      g_statuses.push_back(k.NtTerminateThread(*t));
      k.ObDereferenceObject(*t);
      break;
    }
    case Reentry::CreateThreadInIt:
      g_statuses.push_back(k.NtCreateThread(*p).status);
      break;
    case Reentry::OverDereference:
      k.ObDereferenceObject(*p);  // one too many: the handle's reference, which it does not own
      break;
    case Reentry::CloseItsHandle:
      g_statuses.push_back(k.NtClose(k.system_process(), g_handle));
      break;
  }
  k.ObDereferenceObject(*p);
}
}  // namespace

TEST_CASE(
    "regression (win2000-reentry-hang): a process routine acting on the process whose lock it "
    "runs under is answered, never hung") {
  struct Row {
    Reentry what;
    Status status;  // what the call inside the routine returns
    bool finding;   // whether the verifier names a process-lock-reentry
  };
  const Row rows[] = {
      {Reentry::CreateChild, STATUS_SUCCESS, false},  // the parent's lock is not needed
      {Reentry::TerminateIt, STATUS_POSSIBLE_DEADLOCK, true},
      {Reentry::TerminateItsThread, STATUS_POSSIBLE_DEADLOCK, true},
      {Reentry::CreateThreadInIt, STATUS_POSSIBLE_DEADLOCK, true},
      {Reentry::OverDereference, STATUS_SUCCESS, false},  // the deletion waits for the lock
      {Reentry::CloseItsHandle, STATUS_SUCCESS, false},   // likewise
  };
  for (const Row& row : rows) {
    CAPTURE(static_cast<int>(row.what));
    Kernel k(Profile::win2000());
    g_kernel = &k;
    g_reentry = row.what;
    g_statuses.clear();
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&reentering_routine, false) == STATUS_SUCCESS);
    auto app = k.NtCreateProcess("app.exe");
    g_handle = app.handle;
    const auto t = k.NtCreateThread(*app.process);  // the process notify runs under its lock
    g_kernel = nullptr;
    CHECK(t.status == STATUS_SUCCESS);
    if (row.what != Reentry::OverDereference) {
      REQUIRE(g_statuses.size() == 1);
      CHECK(g_statuses[0] == row.status);
    }
    std::size_t reentries = 0;
    for (const auto& f : k.audit()) {
      if (f.kind == verify::FindingKind::ProcessLockReentry) ++reentries;
    }
    CHECK(reentries == (row.finding ? 1u : 0u));
    if (row.what == Reentry::OverDereference || row.what == Reentry::CloseItsHandle) {
      // The thread still references its process; after the thread's exit and close the
      // process goes, deleted once the lock was released rather than inside the loop.
      CHECK_FALSE(app.process->is_deleted());
      REQUIRE(k.NtTerminateThread(*t.thread) == STATUS_SUCCESS);
      REQUIRE(k.NtClose(k.system_process(), t.handle) == STATUS_SUCCESS);
      CHECK(app.process->is_deleted());
    }
  }
}

TEST_CASE(
    "regression (win2000-reentry-hang): a deletion caused inside a locked process-notify loop "
    "waits for the lock's release (ObpDeferObjectDeletion)") {
  // The routine drops the last reference of another process, whose deletion takes that
  // process's lock — fine — and of a thread of the locked process, whose deletion needs the
  // locked one: both are deleted once PspCreateThread releases the lock.
  Kernel k(Profile::win2000());
  auto other = k.NtCreateProcess("other.exe");
  REQUIRE(k.NtClose(k.system_process(), other.handle) == STATUS_SUCCESS);  // PID-less: gone
  CHECK(other.process->is_deleted());
  struct Local {
    static void routine(ProcessId, ProcessId pid, bool create) {
      if (!create || g_kernel == nullptr) return;
      Kernel& k = *g_kernel;
      ps::Thread* t = nullptr;
      REQUIRE(k.PsLookupThreadByThreadId(ThreadId{pid.value() - 4}, &t) == STATUS_SUCCESS);
      // Over-dereference the new thread twice: its handle does not exist yet, so only its own
      // reference and this lookup's hold it.
      k.ObDereferenceObject(*t);
      k.ObDereferenceObject(*t);
      CHECK_FALSE(t->is_deleted());  // deferred: its process's lock is held
    }
  };
  g_kernel = &k;
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&Local::routine, false) == STATUS_SUCCESS);
  auto app = k.NtCreateProcess("app.exe");
  const auto t = k.NtCreateThread(*app.process);
  g_kernel = nullptr;
  CHECK(t.status == STATUS_SUCCESS);
  CHECK(t.thread->is_deleted());  // deleted right after the lock's release
}

namespace {
Kernel* g_terminator = nullptr;
ps::Process* g_victim = nullptr;  // terminated by the routine, when set
std::vector<std::string> g_log;
void terminating_routine(ProcessId, ProcessId pid, bool create) {
  g_log.push_back(fmt::format("process {:#x} {}", pid.value(), create ? "create" : "exit"));
  if (!create || g_terminator == nullptr) return;
  Kernel& k = *g_terminator;
  if (g_victim != nullptr) {
    g_log.push_back(fmt::format("terminate {}", k.NtTerminateProcess(*g_victim).name()));
    return;
  }
  ps::Process* p = nullptr;
  REQUIRE(k.PsLookupProcessByProcessId(pid, &p) == STATUS_SUCCESS);
  g_log.push_back(fmt::format("terminate {}", k.NtTerminateProcess(*p).name()));
  k.ObDereferenceObject(*p);
}
void logging_thread_routine(ProcessId pid, ThreadId tid, bool create) {
  g_log.push_back(
      fmt::format("thread {:#x} {:#x} {}", pid.value(), tid.value(), create ? "create" : "exit"));
}
}  // namespace

TEST_CASE(
    "§2.1 step 15 [WRK:create]: a thread terminated by a routine while it is being created runs "
    "and exits once its creation completes, and the creation succeeds") {
  for (KernelVersion v : {KernelVersion::Xp, KernelVersion::Server2003, KernelVersion::Vista}) {
    CAPTURE(to_string(v));
    Kernel k(*Profile::make(v, Arch::X86));
    g_terminator = &k;
    g_victim = nullptr;
    g_log.clear();
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&terminating_routine, false) == STATUS_SUCCESS);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&logging_thread_routine) == STATUS_SUCCESS);
    auto app = k.NtCreateProcess("app.exe");
    const auto t = k.NtCreateThread(*app.process);
    g_terminator = nullptr;
    REQUIRE(t.status == STATUS_SUCCESS);
    CHECK_FALSE(t.handle.is_null());
    const std::string pid = fmt::format("{:#x}", app.process->pid().value());
    const std::string tid = fmt::format("{:#x}", t.cid.UniqueThread.value());
    // The termination marks it; the thread notify still sees its creation, then it exits.
    const std::vector<std::string> expected = {
        "process " + pid + " create", "terminate STATUS_SUCCESS",
        "thread " + pid + " " + tid + " create", "thread " + pid + " " + tid + " exit",
        "process " + pid + " exit"};
    CHECK(g_log == expected);
    CHECK((t.thread->CrossThreadFlags.load() & ps::Thread::kFlagTerminated) != 0);
    CHECK_FALSE(t.thread->is_deleted());  // the creator's handle holds it
    CHECK(k.NtClose(k.current_process(), t.handle) == STATUS_SUCCESS);
    CHECK(t.thread->is_deleted());
  }
}

TEST_CASE(
    "§2.1 step 17 [WRK:create]: when a routine ends the creator's own process meanwhile, no "
    "handle can be made: the creation fails, and the thread, past the point of no return, exits") {
  Kernel k(Profile::xp());
  auto shell = k.NtCreateProcess("shell.exe");
  auto shell_t = k.NtCreateThread(*shell.process);
  REQUIRE(shell_t.status == STATUS_SUCCESS);
  g_terminator = &k;
  g_victim = shell.process;  // the routine terminates the creator's process
  g_log.clear();
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&terminating_routine, false) == STATUS_SUCCESS);
  Kernel::ProcessCreated app;
  {
    Kernel::ContextScope as(k, *shell_t.thread);
    app = k.NtCreateProcess("app.exe");
    REQUIRE(app.status == STATUS_SUCCESS);
    const auto t = k.NtCreateThread(*app.process);
    CHECK(t.status == STATUS_PROCESS_IS_TERMINATING);
    CHECK(t.thread == nullptr);
  }
  g_terminator = nullptr;
  g_victim = nullptr;
  // The new thread ran its exit: app had only it, so app exited too.
  CHECK((app.process->Flags.load() & ps::Process::kFlagProcessExiting) != 0);
  CHECK(std::find(g_log.begin(), g_log.end(),
                  fmt::format("process {:#x} exit", app.process->pid().value())) != g_log.end());
  CHECK(k.audit().empty());
}
