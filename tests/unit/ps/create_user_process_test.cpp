// SPDX-License-Identifier: MIT
// NtCreateUserProcess (semantics.md §10.3, Windows Internals 5e/6e "Flow of CreateProcess"): the
// process and its initial thread in one call from Vista on, the notifies from the thread's
// insertion with the PID already there, the notify-order option, and a veto failing the call.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

Kernel* g_kernel = nullptr;
std::vector<std::string> g_events;

void process_routine(ProcessId parent, ProcessId pid, bool create) {
  // What the routine can see of the new process: its PID maps to it already.
  ps::Process* found = nullptr;
  const Status st = g_kernel->PsLookupProcessByProcessId(pid, &found);
  if (found != nullptr) g_kernel->ObDereferenceObject(*found);
  g_events.push_back(fmt::format("process {:#x} {:#x} {} lookup {}", parent.value(), pid.value(),
                                 create ? "create" : "exit", st.ok() ? "ok" : "fails"));
}
void thread_routine(ProcessId pid, ThreadId tid, bool create) {
  g_events.push_back(
      fmt::format("thread {:#x} {:#x} {}", pid.value(), tid.value(), create ? "create" : "exit"));
}
void veto_routine(ps::Process*, ProcessId pid, PS_CREATE_NOTIFY_INFO* info) {
  g_events.push_back(fmt::format("ex {:#x} {}", pid.value(), info != nullptr ? "create" : "exit"));
  if (info != nullptr) info->CreationStatus = STATUS_ACCESS_DENIED;
}

struct Fixture {
  explicit Fixture(const Profile& p) : kernel(p) {
    g_kernel = &kernel;
    g_events.clear();
  }
  ~Fixture() { g_kernel = nullptr; }
  Kernel kernel;
};

}  // namespace

TEST_CASE("§10.3 [F WI5e/6e] NtCreateUserProcess does not exist before Vista") {
  for (KernelVersion v : {KernelVersion::Win2000, KernelVersion::Xp, KernelVersion::Server2003}) {
    CAPTURE(to_string(v));
    Fixture f(*Profile::make(v, Arch::X86));
    const auto before = f.kernel.cid_table().handle_count();
    const auto r = f.kernel.NtCreateUserProcess("app.exe");
    CHECK(r.status == STATUS_NOT_IMPLEMENTED);
    CHECK(r.process == nullptr);
    CHECK(f.kernel.cid_table().handle_count() == before);
  }
}

TEST_CASE(
    "§10.3 [F WI5e/6e] Vista, 7, 10: NtCreateUserProcess makes the process and its first thread "
    "in one call, the process notify (PID already looked up) then the thread notify run inside "
    "it, from PspInsertThread") {
  for (KernelVersion v : {KernelVersion::Vista, KernelVersion::Win7, KernelVersion::Win10}) {
    for (Arch arch : {Arch::X86, Arch::X64}) {
      CAPTURE(to_string(v));
      Fixture f(*Profile::make(v, arch));
      auto& k = f.kernel;
      REQUIRE(k.PsSetCreateProcessNotifyRoutine(&process_routine, false).ok());
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thread_routine).ok());
      static std::string stack;
      stack.clear();
      k.name_routine(reinterpret_cast<const void*>(&thread_routine), "drv", "ThreadNotify");
      // The stack a routine sees: the insertion inside NtCreateUserProcess, below the gate.
      void (*const capture)(ProcessId, ThreadId, bool) = [](ProcessId, ThreadId, bool create) {
        if (create) stack = g_kernel->format_stack_kb();
      };
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(capture).ok());
      const auto r = k.NtCreateUserProcess("app.exe");
      REQUIRE(r.status == STATUS_SUCCESS);
      REQUIRE(r.process != nullptr);
      REQUIRE(r.thread != nullptr);
      CHECK(r.thread->ThreadsProcess == r.process);
      CHECK(r.cid.UniqueProcess == r.process->pid());
      CHECK_FALSE(r.process->pid().is_null());
      {
        MutexLocker hold(r.process->ProcessLock);
        CHECK(r.process->ActiveThreads == 1);
      }
      const auto parent = k.system_process().pid().value();
      CHECK(g_events == std::vector<std::string>{
                            fmt::format("process {:#x} {:#x} create lookup ok", parent,
                                        r.cid.UniqueProcess.value()),
                            fmt::format("thread {:#x} {:#x} create", r.cid.UniqueProcess.value(),
                                        r.cid.UniqueThread.value())});
      CHECK(stack.find("nt!PspInsertThread") != std::string::npos);
      CHECK(stack.find("nt!NtCreateUserProcess") != std::string::npos);
      CHECK(stack.find("ZwCreateUserProcess") != std::string::npos);
      CHECK(stack.find("PspCreateThread") == std::string::npos);
      CHECK(k.NtClose(k.current_process(), r.thread_handle).ok());
      CHECK(k.NtClose(k.current_process(), r.process_handle).ok());
    }
  }
}

TEST_CASE(
    "§10.3 [U] first_thread_notify_order: ThreadThenProcess runs the first thread's notify "
    "before its process's, through NtCreateUserProcess and NtCreateThread alike") {
  Profile p = Profile::win7();
  p.first_thread_notify_order = FirstThreadNotifyOrder::ThreadThenProcess;
  Fixture f(p);
  auto& k = f.kernel;
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&process_routine, false).ok());
  REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thread_routine).ok());
  const auto r = k.NtCreateUserProcess("app.exe");
  REQUIRE(r.status.ok());
  REQUIRE(g_events.size() == 2);
  CHECK(g_events[0].rfind("thread ", 0) == 0);
  CHECK(g_events[1].rfind("process ", 0) == 0);
  g_events.clear();
  auto second = k.NtCreateThread(*r.process);  // not the first: the thread notify only
  REQUIRE(second.status.ok());
  CHECK(g_events.size() == 1);
  CHECK(k.audit().empty());
}

TEST_CASE(
    "§10.3 [F WI6e, MSDOC PS_CREATE_NOTIFY_INFO] a vetoing Ex routine fails the "
    "NtCreateUserProcess "
    "call itself: no handles, the process gone, its PID and TID freed, routines told of the "
    "exit") {
  for (FirstThreadNotifyOrder order :
       {FirstThreadNotifyOrder::ProcessThenThread, FirstThreadNotifyOrder::ThreadThenProcess}) {
    Profile p = Profile::vista();
    p.first_thread_notify_order = order;
    Fixture f(p);
    auto& k = f.kernel;
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thread_routine).ok());
    REQUIRE(k.PsSetCreateProcessNotifyRoutineEx(&veto_routine, false).ok());
    const auto handles_before = k.current_process().ObjectTable->handle_count();
    const auto cids_before = k.cid_table().handle_count();
    const auto r = k.NtCreateUserProcess("blocked.exe");
    CHECK(r.status == STATUS_ACCESS_DENIED);
    CHECK(r.process == nullptr);
    CHECK(r.thread == nullptr);
    CHECK(k.current_process().ObjectTable->handle_count() == handles_before);
    CHECK(k.cid_table().handle_count() == cids_before);
    REQUIRE_FALSE(g_events.empty());
    CHECK(g_events.back().find(" exit") != std::string::npos);  // the exit was heard
    if (order == FirstThreadNotifyOrder::ProcessThenThread) {
      CHECK(g_events.size() == 2);  // ex create, ex exit: no thread notify
    } else {
      CHECK(g_events.size() == 4);  // thread create, ex create, thread exit, ex exit
    }
    CHECK(k.audit().empty());
  }
}
