// SPDX-License-Identifier: MIT
// The Windows 2000 creation path: boot IDs, lazy PIDs, notify order and arguments, failure paths
// and re-entry (semantics.md §2.4, §4, §9; BLOG). Registration, lookups and the context and
// stack the routines run on are in create_path_registration_test.cpp,
// create_path_lookup_test.cpp and create_path_context_test.cpp; the fixture is
// create_path_fixture.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "create_path_fixture.hpp"
#include "ntemu/kernel.hpp"

using namespace ntemu;
using namespace ntemu::create_path_test;

TEST_CASE(
    "§9.2 [win2000, I] boot: first system thread TID 4, then System PID 8, Idle 0 not in the "
    "table") {
  Fixture f;
  CHECK(f.k.first_system_thread().tid() == ThreadId{4});
  CHECK(f.k.system_process().pid() == ProcessId{8});
  CHECK(f.k.first_system_thread().Cid().UniqueProcess == ProcessId{8});
  CHECK(f.k.idle_process().pid() == ProcessId{0});
  CHECK(f.k.idle_thread().tid() == ThreadId{0});
  CHECK(f.k.cid_table().handle_count() == 2);
  // The kernel handle table is owned by System once System has its PID.
  CHECK(f.k.system_process().ObjectTable->owner() == ProcessId{8});
  CHECK(cid_ops(f.sink) == std::vector<std::string>{"create 4 thread", "create 8 process"});
  CHECK(&f.k.current_thread() == &f.k.first_system_thread());
  CHECK(f.k.PsGetCurrentProcessId() == ProcessId{8});
}

TEST_CASE(
    "§9.17 [win2000, BLOG] a new process has no PID, the first thread's TID comes before its PID") {
  Fixture f;
  REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&proc_a, false) == STATUS_SUCCESS);
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  auto p = f.k.NtCreateProcess("notepad.exe");
  REQUIRE(p.status == STATUS_SUCCESS);
  CHECK(p.process->pid() == ProcessId{0});
  CHECK(f.k.cid_table().handle_count() == 2);  // nothing new in PspCidTable
  CHECK(g_calls.empty());
  CHECK(p.process->InheritedFromUniqueProcessId == ProcessId{8});
  // Its object table starts owned by the creator (System, 8).
  CHECK(p.process->ObjectTable->owner() == ProcessId{8});
  ps::Process* found = nullptr;
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0}, &found) == STATUS_INVALID_PARAMETER);

  auto t = f.k.NtCreateThread(*p.process);
  REQUIRE(t.status == STATUS_SUCCESS);
  const std::uint64_t tid = t.cid.UniqueThread.value();
  const std::uint64_t pid = p.process->pid().value();
  CHECK(tid == 0xC);
  CHECK(pid == 0x10);
  CHECK(pid > tid);
  CHECK(t.cid.UniqueProcess == ProcessId{pid});
  CHECK(p.process->ObjectTable->owner() == ProcessId{pid});
  REQUIRE(g_calls.size() == 2);
  CHECK(g_calls[0].routine == "proc_a");
  CHECK(g_calls[0].a == 8);  // InheritedFromUniqueProcessId
  CHECK(g_calls[0].b == pid);
  CHECK(g_calls[0].create);
  CHECK(g_calls[1].routine == "thread_a");
  CHECK(g_calls[1].a == pid);
  CHECK(g_calls[1].b == tid);
  CHECK(g_calls[1].create);
  CHECK(cid_ops(f.sink).back() == "create 16 process");
}

TEST_CASE("create path: the process notify fires once per process, never for later threads") {
  Fixture f;
  REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&proc_a, false) == STATUS_SUCCESS);
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  auto [process, first] = f.create_process("a.exe");
  for (int i = 0; i < 3; ++i)
    REQUIRE(f.k.NtCreateThread(*process).status == STATUS_SUCCESS);
  int process_calls = 0;
  int thread_calls = 0;
  for (const Call& c : g_calls)
    (c.routine == "proc_a" ? process_calls : thread_calls)++;
  CHECK(process_calls == 1);
  CHECK(thread_calls == 4);
  CHECK(g_calls.front().routine == "proc_a");
  {
    MutexLocker hold(process->ProcessLock);
    CHECK(process->ActiveThreads == 4);
    CHECK(process->ThreadListHead.size() == 4);
  }
  CHECK(first->Cid().UniqueProcess == process->pid());
}

TEST_CASE(
    "§9.18 [win2000, BLOG] PID allocation failure: STATUS_UNSUCCESSFUL, TID released, no "
    "callbacks") {
  Profile p = Profile::win2000();
  p.cid_table_page_limit = 1;  // 511 CIDs in all
  Fixture f(p);
  // Fill PspCidTable to one free entry: 2 boot IDs + 508 system threads.
  for (int i = 0; i < 508; ++i)
    REQUIRE(f.k.PsCreateSystemThread().status == STATUS_SUCCESS);
  REQUIRE(f.k.cid_table().handle_count() == 510);
  REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&proc_a, false) == STATUS_SUCCESS);
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  auto proc = f.k.NtCreateProcess("late.exe");
  REQUIRE(proc.status == STATUS_SUCCESS);
  auto t = f.k.NtCreateThread(*proc.process);
  CHECK(t.status == STATUS_UNSUCCESSFUL);
  CHECK(t.thread == nullptr);
  CHECK(g_calls.empty());
  CHECK(proc.process->pid() == ProcessId{0});
  CHECK(f.k.cid_table().handle_count() == 510);  // the TID went back
  const auto ops = cid_ops(f.sink);
  REQUIRE(ops.size() >= 2);
  CHECK(ops[ops.size() - 2].starts_with("create "));
  std::string destroyed = ops[ops.size() - 2];
  destroyed.replace(0, 6, "destroy");
  CHECK(ops.back() == destroyed);
  {
    MutexLocker hold(proc.process->ProcessLock);
    CHECK(proc.process->ActiveThreads == 0);
  }
  // With the table full, the TID allocation itself fails: the profile's status, no callbacks.
  REQUIRE(f.k.PsCreateSystemThread().status == STATUS_SUCCESS);  // takes the last entry
  CHECK(f.k.PsCreateSystemThread().status == STATUS_INSUFFICIENT_RESOURCES);
  CHECK(f.k.NtCreateThread(*proc.process).status == STATUS_INSUFFICIENT_RESOURCES);
  CHECK(g_calls.size() == 1);  // only the thread notify of the successful system thread
}

TEST_CASE(
    "create path: a user-mode caller cannot create a thread in System (STATUS_INVALID_HANDLE)") {
  Fixture f;
  auto [explorer, explorer_t] = f.create_process("explorer.exe");
  Kernel::ContextScope as(f.k, *explorer_t);
  const auto before = f.k.cid_table().handle_count();
  CHECK(f.k.NtCreateThread(f.k.system_process()).status == STATUS_INVALID_HANDLE);
  CHECK(f.k.cid_table().handle_count() == before);
}

namespace {
Kernel* g_reenter_kernel = nullptr;
Status g_reenter_status = STATUS_SUCCESS;
// A process routine that creates another thread in the process it is told about.
void reentering_routine(ProcessId, ProcessId pid, bool create) {
  if (!create || g_reenter_kernel == nullptr) return;
  Kernel& k = *g_reenter_kernel;
  ps::Process* p = nullptr;
  REQUIRE(k.PsLookupProcessByProcessId(pid, &p) == STATUS_SUCCESS);
  g_reenter_status = k.NtCreateThread(*p).status;
  k.ObDereferenceObject(*p);
}
}  // namespace

TEST_CASE(
    "create path [win2000, U]: re-entering under the held process lock fails instead of hanging") {
  for (auto lock : {ProcessLockDuringNotify::Held, ProcessLockDuringNotify::Released}) {
    Profile p = Profile::win2000();
    p.process_lock_during_process_notify = lock;
    Fixture f(p);
    g_reenter_kernel = &f.k;
    REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&reentering_routine, false) == STATUS_SUCCESS);
    f.create_process("r.exe");
    CHECK(g_reenter_status ==
          (lock == ProcessLockDuringNotify::Held ? STATUS_POSSIBLE_DEADLOCK : STATUS_SUCCESS));
    g_reenter_kernel = nullptr;
  }
}

TEST_CASE(
    "§9.40 [win2000, I] zeroing UniqueProcessId: the next thread gets a new PID and a second "
    "process notify") {
  Fixture f;
  auto [process, t1] = f.create_process("notepad.exe");
  REQUIRE(f.k.PsSetCreateProcessNotifyRoutine(&proc_a, false) == STATUS_SUCCESS);
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  const ProcessId old = process->pid();
  f.k.poke_unique_process_id(*process, ProcessId{0});
  auto t2 = f.k.NtCreateThread(*process);
  REQUIRE(t2.status == STATUS_SUCCESS);
  const ProcessId fresh = process->pid();
  CHECK(fresh != old);
  CHECK(fresh.value() > t2.cid.UniqueThread.value());
  REQUIRE(g_calls.size() == 2);
  CHECK(g_calls[0].routine == "proc_a");
  CHECK(g_calls[0].b == fresh.value());
  CHECK(g_calls[1].a == fresh.value());
  CHECK(process->ObjectTable->owner() == fresh);
  CHECK(t1->Cid().UniqueProcess == old);
  CHECK(t2.thread->Cid().UniqueProcess == fresh);
  for (ProcessId id : {old, fresh}) {
    ps::Process* found = nullptr;
    REQUIRE(f.k.PsLookupProcessByProcessId(id, &found) == STATUS_SUCCESS);
    CHECK(found == process);
    f.k.ObDereferenceObject(*found);
  }
}
