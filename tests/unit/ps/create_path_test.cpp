// SPDX-License-Identifier: MIT
// The Windows 2000 creation path: boot IDs, lazy PIDs, notify order and arguments, failure paths,
// registration, lookups and the debugger stack (semantics.md §2.4, §3.4, §4, §9; BLOG).
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

// What a recording routine saw.
struct Call {
  std::string routine;
  std::uint64_t a = 0;  // ParentId or ProcessId
  std::uint64_t b = 0;  // ProcessId or ThreadId
  bool create = false;
  ClientId context{};  // PsGetCurrentProcessId / PsGetCurrentThreadId inside the routine
  std::string stack;   // the kb stack, when asked for
};

std::vector<Call> g_calls;
bool g_capture_stack = false;

void record(const char* name, std::uint64_t a, std::uint64_t b, bool create) {
  Kernel* k = Kernel::current();
  REQUIRE(k != nullptr);
  g_calls.push_back({name,
                     a,
                     b,
                     create,
                     {k->PsGetCurrentProcessId(), k->PsGetCurrentThreadId()},
                     g_capture_stack ? k->format_stack_kb() : std::string{}});
}

void proc_a(ProcessId parent, ProcessId pid, bool create) {
  record("proc_a", parent.value(), pid.value(), create);
}
void proc_b(ProcessId parent, ProcessId pid, bool create) {
  record("proc_b", parent.value(), pid.value(), create);
}
void proc_c(ProcessId parent, ProcessId pid, bool create) {
  record("proc_c", parent.value(), pid.value(), create);
}
void thread_a(ProcessId pid, ThreadId tid, bool create) {
  record("thread_a", pid.value(), tid.value(), create);
}

struct Fixture {
  Fixture() : Fixture(Profile::win2000()) {}
  explicit Fixture(Profile p) : k(p, &sink) {
    g_calls.clear();
    g_capture_stack = false;
    k.name_routine(reinterpret_cast<const void*>(&proc_a), "drv", "ProcA");
    k.name_routine(reinterpret_cast<const void*>(&proc_b), "drv", "ProcB");
    k.name_routine(reinterpret_cast<const void*>(&proc_c), "drv", "ProcC");
    k.name_routine(reinterpret_cast<const void*>(&thread_a), "drv", "ThreadA");
  }
  // A user process with one thread, made from the first system thread (like `CreateProcess`).
  std::pair<ps::Process*, ps::Thread*> create_process(const std::string& name) {
    auto p = k.NtCreateProcess(name);
    REQUIRE(p.status == STATUS_SUCCESS);
    auto t = k.NtCreateThread(*p.process, CreateSuspended::No, name + "_t1");
    REQUIRE(t.status == STATUS_SUCCESS);
    return {p.process, t.thread};
  }
  RecordingSink sink;
  Kernel k;
};

std::vector<std::string> cid_ops(const RecordingSink& sink) {
  std::vector<std::string> out;
  for (const Event& e : sink.events()) {
    if (e.name != "cid") continue;
    out.push_back(std::get<std::string>(e.find("op")->value) + " " +
                  std::to_string(std::get<std::uint64_t>(e.find("handle")->value)) + " " +
                  std::get<std::string>(e.find("type")->value));
  }
  return out;
}

}  // namespace

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
    "registration [win2000]: 8 slots, full, remove, unknown, same routine twice, reuse of a slot") {
  Fixture f;
  for (int i = 0; i < 8; ++i) {
    CHECK(f.k.PsSetCreateProcessNotifyRoutine(i % 2 ? &proc_a : &proc_b, false) == STATUS_SUCCESS);
  }
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_c, false) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.process_notify_array().count() == 8);
  for (int i = 0; i < 8; ++i)
    CHECK(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  CHECK(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_INSUFFICIENT_RESOURCES);
  // Removal takes the first matching slot; removing something never registered fails.
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_b, true) == STATUS_SUCCESS);
  CHECK((f.k.process_notify_array().slot(0) == nullptr));
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_c, true) == STATUS_PROCEDURE_NOT_FOUND);
  CHECK(f.k.process_notify_array().count() == 7);
  // §9.28: C lands in the freed slot 0 and runs before everything else.
  CHECK(f.k.PsSetCreateProcessNotifyRoutine(&proc_c, false) == STATUS_SUCCESS);
  CHECK((f.k.process_notify_array().slot(0) == &proc_c));
  f.create_process("x.exe");
  REQUIRE(g_calls.size() == 8 + 8);
  CHECK(g_calls[0].routine == "proc_c");
  int a = 0;
  int b = 0;
  for (std::size_t i = 0; i < 8; ++i)
    (g_calls[i].routine == "proc_a" ? a : b) += 1;
  CHECK(a == 4);  // proc_a sits in four slots and is called four times
  CHECK(b == 4);  // proc_c once + proc_b three times
}

TEST_CASE("registration [win2000, DDK2K]: PsRemoveCreateThreadNotifyRoutine does not exist") {
  Fixture f;
  REQUIRE(f.k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
  CHECK(f.k.PsRemoveCreateThreadNotifyRoutine(&thread_a) == STATUS_NOT_IMPLEMENTED);
  CHECK(f.k.thread_notify_array().count() == 1);
}

TEST_CASE(
    "§3.4 lookups [win2000]: tag bits ignored, wrong type and unknown IDs fail, references taken") {
  Fixture f;
  auto [process, thread] = f.create_process("calc.exe");
  const std::uint64_t pid = process->pid().value();
  const std::uint64_t tid = thread->tid().value();
  const auto refs = process->pointer_count();
  for (std::uint64_t tag = 0; tag < 4; ++tag) {
    ps::Process* p = nullptr;
    REQUIRE(f.k.PsLookupProcessByProcessId(ProcessId{pid | tag}, &p) == STATUS_SUCCESS);
    CHECK(p == process);
    CHECK(process->pointer_count() == refs + 1);
    f.k.ObDereferenceObject(*p);
    ps::Thread* t = nullptr;
    REQUIRE(f.k.PsLookupThreadByThreadId(ThreadId{tid | tag}, &t) == STATUS_SUCCESS);
    CHECK(t == thread);
    f.k.ObDereferenceObject(*t);
  }
  CHECK(process->pointer_count() == refs);
  ps::Process* p = nullptr;
  ps::Thread* t = nullptr;
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{tid}, &p) == STATUS_INVALID_PARAMETER);  // a TID
  CHECK(p == nullptr);
  CHECK(f.k.PsLookupThreadByThreadId(ThreadId{pid}, &t) == STATUS_INVALID_PARAMETER);  // a PID
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0x7000}, &p) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0x800}, &p) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.PsLookupProcessByProcessId(ProcessId{0}, &p) == STATUS_INVALID_PARAMETER);
  // By CID: the pair must match the thread's Cid.UniqueProcess copy.
  CHECK(f.k.PsLookupProcessThreadByCid({ProcessId{pid}, ThreadId{tid}}, &p, &t) == STATUS_SUCCESS);
  CHECK(p == process);
  CHECK(t == thread);
  f.k.ObDereferenceObject(*p);
  f.k.ObDereferenceObject(*t);
  CHECK(f.k.PsLookupProcessThreadByCid({ProcessId{8}, ThreadId{tid}}, nullptr, &t) ==
        STATUS_INVALID_CID);
  CHECK(f.k.PsLookupProcessThreadByCid({ProcessId{pid}, ThreadId{pid}}, nullptr, &t) ==
        STATUS_INVALID_CID);
  CHECK(process->pointer_count() == refs);
}

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

TEST_CASE("lookups: System can be looked up by its PID, tag bits ignored") {
  Fixture f;
  for (std::uint64_t tag = 0; tag < 4; ++tag) {
    ps::Process* p = nullptr;
    REQUIRE(f.k.PsLookupProcessByProcessId(ProcessId{8 | tag}, &p) == STATUS_SUCCESS);
    CHECK(p == &f.k.system_process());
    f.k.ObDereferenceObject(*p);
  }
  CHECK(f.k.system_process().GrantedAccess.load() == ps::kProcessAllAccess);
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
