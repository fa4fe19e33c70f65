// SPDX-License-Identifier: MIT
// The same creation, registration and thought-experiment steps on the XP / Server 2003 / Vista
// profiles, with the differences from Windows 2000 that semantics.md §1, §2.1, §4, §7.2 and §9
// expect. Table-driven where the versions agree.
#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

std::vector<std::string> g_calls;
Kernel* g_lookup_kernel = nullptr;
Status g_lookup_status = STATUS_SUCCESS;

void proc(ProcessId parent, ProcessId pid, bool create) {
  g_calls.push_back(fmt::format("process {:#x} {:#x} {}", parent.value(), pid.value(),
                                create ? "create" : "exit"));
}
void thr(ProcessId pid, ThreadId tid, bool create) {
  g_calls.push_back(
      fmt::format("thread {:#x} {:#x} {}", pid.value(), tid.value(), create ? "create" : "exit"));
  if (create && g_lookup_kernel != nullptr) {
    ps::Thread* t = nullptr;
    g_lookup_status = g_lookup_kernel->PsLookupThreadByThreadId(tid, &t);
    if (t != nullptr) g_lookup_kernel->ObDereferenceObject(*t);
  }
}
std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v)
    out += x + "\n";
  return out;
}

constexpr KernelVersion kLater[] = {KernelVersion::Xp, KernelVersion::Server2003,
                                    KernelVersion::Vista};

struct Machine {
  explicit Machine(KernelVersion v, Arch a = Arch::X86) : k(*Profile::make(v, a)) {
    g_calls.clear();
    g_lookup_kernel = nullptr;
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&proc, false) == STATUS_SUCCESS);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
  }
  Kernel k;
};

}  // namespace

TEST_CASE(
    "§9.2 [2003, WRK:psinit] boot: System PID 4, first system thread TID 8, on every later "
    "profile") {
  for (KernelVersion v : kLater) {
    CAPTURE(to_string(v));
    Kernel k(*Profile::make(v, Arch::X86));
    CHECK(k.system_process().pid() == ProcessId{4});
    CHECK(k.first_system_thread().tid() == ThreadId{8});
    CHECK(k.system_process().ObjectTable->owner() == ProcessId{4});
  }
}

TEST_CASE(
    "§9.15, §9.16 [2003, WRK:create] the PID comes with the process, the notify with its first "
    "thread") {
  for (KernelVersion v : kLater) {
    CAPTURE(to_string(v));
    Machine m(v);
    auto p = m.k.NtCreateProcess("a.exe");
    REQUIRE(p.status == STATUS_SUCCESS);
    CHECK(p.process->pid() == ProcessId{0xC});
    ps::Process* found = nullptr;
    REQUIRE(m.k.PsLookupProcessByProcessId(ProcessId{0xC}, &found) == STATUS_SUCCESS);
    m.k.ObDereferenceObject(*found);
    CHECK(g_calls.empty());
    REQUIRE(m.k.NtCreateThread(*p.process).status == STATUS_SUCCESS);
    REQUIRE(m.k.NtCreateThread(*p.process).status == STATUS_SUCCESS);
    CHECK(join(g_calls) ==
          join({"process 0x4 0xc create", "thread 0xc 0x10 create", "thread 0xc 0x14 create"}));
  }
}

TEST_CASE(
    "§9.23 [2003, WRK:create] looking up the new thread from its create notify fails "
    "(GrantedAccess 0)") {
  for (KernelVersion v : kLater) {
    Machine m(v);
    g_lookup_kernel = &m.k;
    auto p = m.k.NtCreateProcess("a.exe");
    REQUIRE(m.k.NtCreateThread(*p.process).status == STATUS_SUCCESS);
    // The lookup's failure status is the version's (§10.1: INVALID_CID from Vista on).
    CHECK(g_lookup_status == m.k.profile().lookup_failure_status);
    g_lookup_kernel = nullptr;
  }
  // win2000's default gate lets it through (semantics.md §8.2, an option).
  Kernel k(Profile::win2000());
  REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
  g_lookup_kernel = &k;
  auto p = k.NtCreateProcess("a.exe");
  REQUIRE(k.NtCreateThread(*p.process).status == STATUS_SUCCESS);
  CHECK(g_lookup_status == STATUS_SUCCESS);
  g_lookup_kernel = nullptr;
}

TEST_CASE(
    "§10.1 [MSDOC PsLookupProcessByProcessId, Wine driver.c test_lookup_thread] an unknown ID is "
    "STATUS_INVALID_CID from Vista on, STATUS_INVALID_PARAMETER on XP and 2003") {
  for (KernelVersion v : kLater) {
    CAPTURE(to_string(v));
    Kernel k(*Profile::make(v, Arch::X86));
    const Status expected =
        v == KernelVersion::Vista ? STATUS_INVALID_CID : STATUS_INVALID_PARAMETER;
    ps::Thread* t = nullptr;
    ps::Process* p = nullptr;
    // Wine's test: PsLookupThreadByThreadId(NULL).
    CHECK(k.PsLookupThreadByThreadId(ThreadId{0}, &t) == expected);
    CHECK(k.PsLookupProcessByProcessId(ProcessId{0x7FFC}, &p) == expected);
    // A known ID of the other type fails the same way.
    CHECK(k.PsLookupThreadByThreadId(ThreadId{k.system_process().pid().value()}, &t) == expected);
    CHECK(k.PsLookupProcessByProcessId(ProcessId{k.system_process().pid().value()}, &p) ==
          STATUS_SUCCESS);
    k.ObDereferenceObject(*p);
  }
}

TEST_CASE(
    "§9.26, §9.27, §9.29 registration on the later profiles: limits, duplicates, unknown "
    "removals") {
  for (KernelVersion v : kLater) {
    CAPTURE(to_string(v));
    Kernel k(*Profile::make(v, Arch::X86));
    const bool vista = v == KernelVersion::Vista;
    CHECK(k.PsSetCreateProcessNotifyRoutine(&proc, false) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(&proc, false) ==
          (vista ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS));
    CHECK(k.PsRemoveCreateThreadNotifyRoutine(&thr) == STATUS_PROCEDURE_NOT_FOUND);
    // Fill the process array with one routine (vista refuses duplicates: count what fits).
    std::uint32_t ok = k.process_notify_array().count();
    while (k.PsSetCreateProcessNotifyRoutine(&proc, false) == STATUS_SUCCESS)
      ++ok;
    CHECK(ok == (vista ? 1u : 8u));
    CHECK(k.PsSetCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
    CHECK(k.PsRemoveCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
    CHECK(k.thread_notify_array().count() == 0);
    // §10.4 [I: MSDOC PsSetCreateThreadNotifyRoutine lists no duplicate failure]: a thread
    // routine registered twice succeeds twice, on Vista too; each removal takes one.
    CHECK(k.PsSetCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
    CHECK(k.thread_notify_array().count() == 2);
    CHECK(k.PsRemoveCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
    CHECK(k.PsRemoveCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
    CHECK(k.PsRemoveCreateThreadNotifyRoutine(&thr) == STATUS_PROCEDURE_NOT_FOUND);
  }
  // Vista: 64 process slots (distinct routines are needed there; use the thread array's size).
  CHECK(Profile::vista().process_notify_slots == 64);
}

TEST_CASE("§9.33 [x86] a registered routine's slot holds its block with 7 cached references") {
  Kernel k(Profile::server2003());
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&proc, false) == STATUS_SUCCESS);
  const auto* block = k.process_notify_array().block(0);
  REQUIRE(block != nullptr);
  CHECK(k.process_notify_array().raw(0) == (block->address() | 7));
  CHECK(block->RundownProtect.holders() == 8);
  CHECK((k.process_notify_array().slot(0) == &proc));
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&proc, true) == STATUS_SUCCESS);
  CHECK(k.process_notify_array().raw(0) == 0);
  CHECK(block->RundownProtect.is_active());  // §9.36
  CHECK(block->is_freed());
}

TEST_CASE(
    "§9.37, §9.38 [xp/2003, I] zeroing the PID: no new PID, PID 0 in the thread notify and at "
    "every exit") {
  for (KernelVersion v : {KernelVersion::Xp, KernelVersion::Server2003}) {
    CAPTURE(to_string(v));
    Machine m(v);
    auto p = m.k.NtCreateProcess("notepad");
    auto t1 = m.k.NtCreateThread(*p.process);  // PID 0xc, TID 0x10
    const auto before = m.k.cid_table().handle_count();
    g_calls.clear();
    m.k.poke_unique_process_id(*p.process, ProcessId{0});
    auto t2 = m.k.NtCreateThread(*p.process);
    REQUIRE(t2.status == STATUS_SUCCESS);
    CHECK(m.k.cid_table().handle_count() == before + 1);  // the TID only
    CHECK(join(g_calls) == join({"thread 0x0 0x14 create"}));
    CHECK(t2.cid.UniqueProcess == ProcessId{0});
    CHECK(t1.cid.UniqueProcess == ProcessId{0xC});
    CHECK(p.process->ObjectTable->owner() == ProcessId{0xC});
    ps::Process* found = nullptr;
    REQUIRE(m.k.PsLookupProcessByProcessId(ProcessId{0xC}, &found) == STATUS_SUCCESS);
    m.k.ObDereferenceObject(*found);
    ps::Thread* ft = nullptr;
    CHECK(m.k.PsLookupProcessThreadByCid({ProcessId{0xC}, t2.cid.UniqueThread}, nullptr, &ft) ==
          STATUS_INVALID_CID);
    g_calls.clear();
    REQUIRE(m.k.NtTerminateProcess(*p.process) == STATUS_SUCCESS);
    CHECK(join(g_calls) ==
          join({"thread 0x0 0x10 exit", "thread 0x0 0x14 exit", "process 0x4 0x0 exit"}));
    REQUIRE(m.k.NtClose(m.k.system_process(), t1.handle) == STATUS_SUCCESS);
    REQUIRE(m.k.NtClose(m.k.system_process(), t2.handle) == STATUS_SUCCESS);
    REQUIRE(m.k.NtClose(m.k.system_process(), p.handle) == STATUS_SUCCESS);
    // Nothing destroyed the PID: 0xc dangles, and is never handed out again.
    std::vector<std::string> kinds;
    for (const auto& f : m.k.audit())
      kinds.push_back(std::string(verify::to_string(f.kind)) + " " + std::to_string(f.id));
    CHECK(std::find(kinds.begin(), kinds.end(), "dangling-cid 12") != kinds.end());
    for (int i = 0; i < 3; ++i) {
      auto q = m.k.NtCreateProcess("later");
      CHECK(q.process->pid() != ProcessId{0xC});
    }
  }
}

TEST_CASE(
    "§9.39 [2003, F+I] zero the PID before the first thread: the process notify fires with PID 0") {
  Machine m(KernelVersion::Server2003);
  auto p = m.k.NtCreateProcess("early");
  m.k.poke_unique_process_id(*p.process, ProcessId{0});
  REQUIRE(m.k.NtCreateThread(*p.process).status == STATUS_SUCCESS);
  CHECK(join(g_calls) == join({"process 0x4 0x0 create", "thread 0x0 0x10 create"}));
}

namespace {
Kernel* g_remover_kernel = nullptr;
Status g_self_removal = STATUS_SUCCESS;
void removes_itself(ProcessId, ProcessId, bool create) {
  if (create && g_remover_kernel != nullptr) {
    g_self_removal = g_remover_kernel->PsSetCreateProcessNotifyRoutine(&removes_itself, true);
  }
}
}  // namespace

TEST_CASE(
    "removal from inside the routine [2003]: refused with STATUS_POSSIBLE_DEADLOCK, not hung") {
  Kernel k(Profile::server2003());
  g_remover_kernel = &k;
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&removes_itself, false) == STATUS_SUCCESS);
  auto p = k.NtCreateProcess("x");
  REQUIRE(k.NtCreateThread(*p.process).status == STATUS_SUCCESS);
  g_remover_kernel = nullptr;
  CHECK(g_self_removal == STATUS_POSSIBLE_DEADLOCK);
  CHECK(k.process_notify_array().count() == 1);  // still registered
  const auto findings = k.audit();
  REQUIRE(!findings.empty());
  CHECK(verify::to_string(findings[0].kind) == "removal-deadlock");
  CHECK(k.PsSetCreateProcessNotifyRoutine(&removes_itself, true) == STATUS_SUCCESS);
}

namespace {
std::vector<std::string> g_ex_calls;
Status g_veto = STATUS_SUCCESS;
void ex_routine(ps::Process* process, ProcessId pid, PS_CREATE_NOTIFY_INFO* info) {
  if (info == nullptr) {
    g_ex_calls.push_back(fmt::format("exit {} {:#x}", process->ImageFileName, pid.value()));
    return;
  }
  g_ex_calls.push_back(fmt::format(
      "create {} {:#x} parent {:#x} by {} image {}", process->ImageFileName, pid.value(),
      info->ParentProcessId.value(), info->CreatingThreadId, info->ImageFileName));
  if (!g_veto.ok()) info->CreationStatus = g_veto;
}
}  // namespace

TEST_CASE(
    "§2.6 [vista, MSDOC] PsSetCreateProcessNotifyRoutineEx: the process, its PID, the create info, "
    "NULL at exit") {
  Kernel k(Profile::vista());
  g_ex_calls.clear();
  g_veto = STATUS_SUCCESS;
  REQUIRE(k.PsSetCreateProcessNotifyRoutineEx(&ex_routine, false) == STATUS_SUCCESS);
  CHECK(k.PsSetCreateProcessNotifyRoutineEx(&ex_routine, false) ==
        STATUS_INVALID_PARAMETER);  // duplicate
  auto p = k.NtCreateProcess("calc.exe");
  REQUIRE(k.NtCreateThread(*p.process).status == STATUS_SUCCESS);
  REQUIRE(k.NtTerminateProcess(*p.process) == STATUS_SUCCESS);
  CHECK(join(g_ex_calls) == join({"create calc.exe 0xc parent 0x4 by 0004.0008 image "
                                  "\\Device\\HarddiskVolume1\\Windows\\System32\\calc.exe",
                                  "exit calc.exe 0xc"}));
  CHECK(k.PsSetCreateProcessNotifyRoutineEx(&ex_routine, true) == STATUS_SUCCESS);
  CHECK(k.process_notify_array().count() == 0);
  // Not exported before Vista.
  Kernel old(Profile::server2003());
  CHECK(old.PsSetCreateProcessNotifyRoutineEx(&ex_routine, false) == STATUS_NOT_IMPLEMENTED);
}

TEST_CASE(
    "§2.6 [vista, U] a CreationStatus veto fails the creation with that status and no thread "
    "notify") {
  Kernel k(Profile::vista());
  g_ex_calls.clear();
  g_calls.clear();
  g_veto = STATUS_ACCESS_DENIED;
  REQUIRE(k.PsSetCreateProcessNotifyRoutineEx(&ex_routine, false) == STATUS_SUCCESS);
  REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thr) == STATUS_SUCCESS);
  auto p = k.NtCreateProcess("malware.exe");
  const auto before = k.cid_table().handle_count();
  auto t = k.NtCreateThread(*p.process);
  CHECK(t.status == STATUS_ACCESS_DENIED);
  CHECK(t.thread == nullptr);
  CHECK(g_calls.empty());  // no thread notify at all
  CHECK(join(g_ex_calls) == join({"create malware.exe 0xc parent 0x4 by 0004.0008 image "
                                  "\\Device\\HarddiskVolume1\\Windows\\System32\\malware.exe",
                                  "exit malware.exe 0xc"}));
  CHECK(k.cid_table().handle_count() == before);  // the TID went back
  CHECK(k.NtCreateThread(*p.process).status == STATUS_PROCESS_IS_TERMINATING);
  g_veto = STATUS_SUCCESS;
}
