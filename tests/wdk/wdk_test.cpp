// SPDX-License-Identifier: MIT
// The WDK-compatible C interface (ntemu/wdk.h) and the harness (ntemu/harness.hpp): a C driver's
// routines are called with the kernel's arguments and semantics on every profile, and the
// harness names what goes wrong on the driver's side.
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "finding_count.hpp"
#include "ntemu/harness.hpp"
#include "probe_driver.h"

namespace {

using ntemu::Harness;

std::vector<ntemu::Profile> every_profile() {
  std::vector<ntemu::Profile> out;
  for (auto v : {ntemu::KernelVersion::Win2000, ntemu::KernelVersion::Xp,
                 ntemu::KernelVersion::Server2003, ntemu::KernelVersion::Vista}) {
    for (auto a : {ntemu::Arch::X86, ntemu::Arch::X64})
      out.push_back(*ntemu::Profile::make(v, a));
  }
  return out;
}

std::string label(const ntemu::Profile& p) {
  return fmt::format("{} {}", ntemu::to_string(p.version), ntemu::to_string(p.arch));
}

std::uint64_t num(HANDLE h) {
  return static_cast<std::uint64_t>(reinterpret_cast<ULONG_PTR>(h));
}

using ntemu::test::count;

}  // namespace

TEST_CASE("wdk: with no current kernel every call answers without touching a kernel") {
  CHECK(ntemu::Kernel::current() == nullptr);
  CHECK(PsSetCreateProcessNotifyRoutine(&ProbeProcessNotify, FALSE) == STATUS_INVALID_DEVICE_STATE);
  CHECK(PsSetCreateThreadNotifyRoutine(&ProbeThreadNotify) == STATUS_INVALID_DEVICE_STATE);
  PEPROCESS p = reinterpret_cast<PEPROCESS>(ULONG_PTR{1});
  CHECK(PsLookupProcessByProcessId(reinterpret_cast<HANDLE>(ULONG_PTR{8}), &p) ==
        STATUS_INVALID_DEVICE_STATE);
  CHECK(PsGetCurrentProcessId() == nullptr);
  CHECK(PsGetCurrentThreadId() == nullptr);
  CHECK(ExAllocatePoolWithTag(NonPagedPool, 16, 0x74736554U) == nullptr);
  CHECK(DbgPrint("nobody listens %lu\n", ULONG{1}) ==
        static_cast<ULONG>(STATUS_INVALID_DEVICE_STATE));
}

TEST_CASE("wdk: the C routines get the kernel's IDs and run in the creator's context") {
  for (const auto& profile : every_profile()) {
    INFO(label(profile));
    ProbeReset();
    Harness h(profile);
    REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
    CHECK(ProbeRecord.EntryRegisterStatus[0] == STATUS_SUCCESS);
    CHECK(ProbeRecord.EntryRegisterStatus[2] == STATUS_SUCCESS);
    auto started = h.start_process("notepad.exe");
    REQUIRE(started.status.ok());
    const auto pid = started.process->pid().value();
    const auto system_pid = h.kernel().system_process().pid().value();
    CHECK(ProbeRecord.ProcessCalls == 1);
    CHECK(num(ProbeRecord.ProcessId) == pid);
    CHECK(num(ProbeRecord.ParentId) == system_pid);
    CHECK(ProbeRecord.Create == TRUE);
    // Called on the creating thread (System's first thread here).
    CHECK(num(ProbeRecord.CurrentProcessId) == system_pid);
    CHECK(num(ProbeRecord.CurrentThreadId) == h.kernel().first_system_thread().tid().value());
    // The routine's lookup: the process, its PID and its parent.
    CHECK(ProbeRecord.LookupStatus == STATUS_SUCCESS);
    CHECK(ProbeRecord.LookedUp == ntemu::to_peprocess(*started.process));
    CHECK(num(ProbeRecord.LookedUpId) == pid);
    CHECK(num(ProbeRecord.LookedUpParent) == system_pid);
    CHECK(ProbeRecord.ThreadCalls == 1);
    CHECK(num(ProbeRecord.ThreadProcessId) == pid);
    CHECK(num(ProbeRecord.ThreadId) == started.thread->tid().value());
    CHECK(ProbeRecord.ThreadCreate == TRUE);

    CHECK(h.exit_process(*started.process).ok());
    CHECK(ProbeRecord.ProcessCalls == 2);
    CHECK(ProbeRecord.Create == FALSE);
    CHECK(num(ProbeRecord.ProcessId) == pid);
    CHECK(ProbeRecord.ThreadCreate == FALSE);
    // The exit notify runs in the exiting thread's context.
    CHECK(num(ProbeRecord.CurrentThreadId) == started.thread->tid().value());
    CHECK(started.process->is_deleted());

    const NTSTATUS unloaded = h.unload();
    if (profile.has_remove_thread_notify_routine) {
      CHECK(unloaded == STATUS_SUCCESS);
      CHECK(ProbeRecord.UnloadRemoveStatus[2] == STATUS_SUCCESS);
      CHECK(h.audit().empty());
    } else {
      // win2000: no PsRemoveCreateThreadNotifyRoutine, so the thread routine stays registered.
      CHECK(ProbeRecord.UnloadRemoveStatus[2] == STATUS_NOT_IMPLEMENTED);
      CHECK(count(h.audit(), "routine-after-unload") == 1);
    }
  }
}

TEST_CASE("wdk: MmGetSystemRoutineAddress follows what each profile exports") {
  for (const auto& profile : every_profile()) {
    INFO(label(profile));
    Harness h(profile);
    auto scope = h.enter();
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, L"PsRemoveCreateThreadNotifyRoutine");
    CHECK((MmGetSystemRoutineAddress(&name) != nullptr) ==
          profile.has_remove_thread_notify_routine);
    RtlInitUnicodeString(&name, L"PsSetCreateProcessNotifyRoutineEx");
    CHECK((MmGetSystemRoutineAddress(&name) != nullptr) == profile.has_process_notify_routine_ex);
    RtlInitUnicodeString(&name, L"PsSetCreateProcessNotifyRoutine");
    CHECK(MmGetSystemRoutineAddress(&name) ==
          reinterpret_cast<PVOID>(&PsSetCreateProcessNotifyRoutine));
    RtlInitUnicodeString(&name, L"NoSuchRoutine");
    CHECK(MmGetSystemRoutineAddress(&name) == nullptr);
  }
}

TEST_CASE("wdk: registration statuses are the kernel's for each version") {
  for (const auto& profile : every_profile()) {
    INFO(label(profile));
    Harness h(profile);
    auto scope = h.enter();
    REQUIRE(PsSetCreateProcessNotifyRoutine(&ProbeProcessNotify, FALSE) == STATUS_SUCCESS);
    const NTSTATUS duplicate = PsSetCreateProcessNotifyRoutine(&ProbeProcessNotify, FALSE);
    if (profile.process_duplicate_registration == ntemu::DuplicateRegistration::Rejected) {
      CHECK(duplicate == STATUS_INVALID_PARAMETER);
      CHECK(h.kernel().process_notify_array().count() == 1);
    } else {
      CHECK(duplicate == STATUS_SUCCESS);
      CHECK(h.kernel().process_notify_array().count() == 2);
      CHECK(PsSetCreateProcessNotifyRoutine(&ProbeProcessNotify, TRUE) == STATUS_SUCCESS);
    }
    CHECK(PsSetCreateProcessNotifyRoutine(&ProbeProcessNotify, TRUE) == STATUS_SUCCESS);
    CHECK(PsSetCreateProcessNotifyRoutine(&ProbeProcessNotify, TRUE) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(PsRemoveCreateThreadNotifyRoutine(&ProbeThreadNotify) ==
          (profile.has_remove_thread_notify_routine ? STATUS_PROCEDURE_NOT_FOUND
                                                    : STATUS_NOT_IMPLEMENTED));
    CHECK(PsSetCreateProcessNotifyRoutineEx(&ProbeProcessNotifyEx, FALSE) ==
          (profile.has_process_notify_routine_ex ? STATUS_SUCCESS : STATUS_NOT_IMPLEMENTED));
  }
}

TEST_CASE("wdk: the Ex routine gets the documented PS_CREATE_NOTIFY_INFO and can veto [vista]") {
  for (auto arch : {ntemu::Arch::X86, ntemu::Arch::X64}) {
    ProbeReset();
    ProbeConfig.RegisterProcess = FALSE;
    ProbeConfig.RegisterThread = FALSE;
    ProbeConfig.RegisterProcessEx = TRUE;
    Harness h(ntemu::Profile::vista(arch));
    REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
    REQUIRE(ProbeRecord.EntryRegisterStatus[1] == STATUS_SUCCESS);
    auto started = h.start_process("calc.exe");
    REQUIRE(started.status.ok());
    CHECK(ProbeRecord.ExCalls == 1);
    CHECK(ProbeRecord.ExHadInfo == TRUE);
    CHECK(ProbeRecord.ExProcess == ntemu::to_peprocess(*started.process));
    CHECK(num(ProbeRecord.ExProcessId) == started.process->pid().value());
    CHECK(ProbeRecord.InfoSize == sizeof(PS_CREATE_NOTIFY_INFO));
    CHECK(num(ProbeRecord.InfoParent) == h.kernel().system_process().pid().value());
    CHECK(num(ProbeRecord.InfoCreator.UniqueThread) ==
          h.kernel().first_system_thread().tid().value());
    CHECK(ProbeRecord.InfoFileObjectNull == TRUE);
    // The command line as the creator gave it; by default the image name (MSDOC CommandLine).
    CHECK(ProbeRecord.InfoCommandLineNull == FALSE);
    CHECK(std::string(ProbeRecord.InfoCommandLine) == "calc.exe");
    // The full image path (MSDOC PS_CREATE_NOTIFY_INFO.ImageFileName; FileOpenNameAvailable).
    CHECK(std::string(ProbeRecord.InfoImage) ==
          "\\Device\\HarddiskVolume1\\Windows\\System32\\calc.exe");
    CHECK(h.exit_process(*started.process).ok());
    CHECK(ProbeRecord.ExCalls == 2);
    CHECK(ProbeRecord.ExHadInfo == FALSE);  // CreateInfo is NULL at exit

    // A veto: the first thread's creation fails with the routine's status.
    auto given =
        h.start_process("calc.exe", nullptr, {"\\??\\C:\\calc.exe", "calc.exe /x \"a b\""});
    REQUIRE(given.status.ok());
    CHECK(std::string(ProbeRecord.InfoCommandLine) == "calc.exe /x \"a b\"");
    CHECK(std::string(ProbeRecord.InfoImage) == "\\??\\C:\\calc.exe");
    CHECK(h.exit_process(*given.process).ok());

    ProbeConfig.VetoStatus = STATUS_ACCESS_DENIED;
    auto vetoed = h.start_process("evil.exe");
    CHECK(vetoed.status == ntemu::STATUS_ACCESS_DENIED);
    CHECK(vetoed.thread == nullptr);
    CHECK(NT_SUCCESS(h.unload()));
    CHECK(ProbeRecord.UnloadRemoveStatus[1] == STATUS_SUCCESS);
  }
}

TEST_CASE("wdk: DbgPrint formats with the WDK's size rules into the log and the trace") {
  ProbeReset();
  Harness h(ntemu::Profile::xp(ntemu::Arch::X86));
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  const auto out = h.debug_output();
  REQUIRE(out.size() == 1);
  CHECK(out[0] ==
        "probe: entry \\Driver\\probe at "
        "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\probe, 42 0x0000BEEF "
        "1099511627776 89A01000");
  const auto events = h.events("dbgprint");
  REQUIRE(events.size() == 1);
  CHECK(std::get<std::string>(events[0].find("text")->value) == out[0]);
  // DriverEntry runs in the System process.
  CHECK(events[0].number("context_pid") == h.kernel().system_process().pid().value());
  // The same call on x64 prints 16 pointer digits.
  auto scope = h.enter();
  Harness h64(ntemu::Profile::xp(ntemu::Arch::X64));
  auto scope64 = h64.enter();
  DbgPrint("%p|%ws|%5.2s|%c|%Iu|%hd", reinterpret_cast<PVOID>(ULONG_PTR{0x10}), L"wide", "abc", 'z',
           SIZE_T{7}, 65537);
  CHECK(h64.debug_output().at(0) == "0000000000000010|wide|   ab|z|7|1");
}

TEST_CASE("wdk: unload must remove the routines - leftovers and calls into the unloaded driver") {
  for (const auto& profile : every_profile()) {
    INFO(label(profile));
    ProbeReset();
    ProbeConfig.RegisterThread = FALSE;
    ProbeConfig.ForgetRemove = TRUE;
    Harness h(profile);
    REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
    NTEMU_NAME_ROUTINE(h, ProbeProcessNotify);
    CHECK(NT_SUCCESS(h.unload()));
    auto findings = h.audit();
    REQUIRE(count(findings, "routine-after-unload") == 1);
    CHECK(findings.back().detail.find("probe!ProbeProcessNotify") != std::string::npos);
    // The kernel still calls the slot; the harness reports it and skips the unmapped code.
    REQUIRE(h.start_process("late.exe").status.ok());
    CHECK(ProbeRecord.ProcessCalls == 0);
    CHECK(count(h.audit(), "call-into-unloaded-driver") == 1);
  }
}

TEST_CASE("wdk: a failed DriverEntry is not unloaded and its registrations are reported") {
  ProbeReset();
  ProbeConfig.EntryStatus = STATUS_INSUFFICIENT_RESOURCES;
  Harness h(ntemu::Profile::server2003());
  CHECK(h.load(&ProbeDriverEntry, "probe") == STATUS_INSUFFICIENT_RESOURCES);
  CHECK_FALSE(h.loaded());
  CHECK(h.unload() == STATUS_INVALID_DEVICE_STATE);
  CHECK(count(h.audit(), "routine-after-unload") == 2);  // process and thread routines
}

TEST_CASE("wdk: a driver without DriverUnload cannot be unloaded") {
  ProbeReset();
  ProbeConfig.SetUnload = FALSE;
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  CHECK(h.unload() == STATUS_NOT_SUPPORTED);
  CHECK(h.loaded());
  CHECK(h.load(&ProbeDriverEntry, "again") == STATUS_INVALID_DEVICE_STATE);
}

TEST_CASE("wdk: a lookup never dereferenced keeps the process object alive") {
  for (const auto& profile : every_profile()) {
    INFO(label(profile));
    ProbeReset();
    ProbeConfig.LeakReference = TRUE;
    Harness h(profile);
    REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
    auto started = h.start_process("held.exe");
    REQUIRE(started.status.ok());
    CHECK(h.exit_process(*started.process).ok());
    CHECK_FALSE(started.process->is_deleted());  // the driver's reference holds it
    {
      auto scope = h.enter();
      ObDereferenceObject(ProbeRecord.LookedUp);  // the missing dereference
    }
    CHECK(started.process->is_deleted());
    // Once deleted, the pointer is stale: using it is reported, not undefined.
    auto scope = h.enter();
    CHECK(PsGetProcessId(ProbeRecord.LookedUp) == nullptr);
    CHECK(count(h.audit(), "use-after-free") == 1);
  }
}

TEST_CASE("wdk: pool leaks bad frees tag mismatches and injected failures are caught") {
  ProbeReset();
  ProbeConfig.LeakPool = TRUE;
  Harness h(ntemu::Profile::vista());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  REQUIRE(h.start_process("leaky.exe").status.ok());
  CHECK(h.pool_outstanding() == 1);
  {
    auto scope = h.enter();
    PVOID a = ExAllocatePoolWithTag(NonPagedPool, 8, 0x41414141U);
    REQUIRE(a != nullptr);
    ExFreePoolWithTag(a, 0x42424242U);  // wrong tag: reported, still freed
    ExFreePoolWithTag(a, 0x41414141U);  // freed twice: reported, nothing freed
    h.fail_pool_allocations(1, 1);
    PVOID b = ExAllocatePoolWithTag(NonPagedPool, 8, 0x41414141U);
    CHECK(b != nullptr);
    CHECK(ExAllocatePoolWithTag(NonPagedPool, 8, 0x41414141U) == nullptr);
    PVOID c = ExAllocatePool(NonPagedPool, 8);
    CHECK(c != nullptr);
    ExFreePool(b);
    ExFreePool(c);
  }
  CHECK(NT_SUCCESS(h.unload()));
  const auto findings = h.audit();
  CHECK(count(findings, "pool-tag-mismatch") == 1);
  CHECK(count(findings, "bad-pool-free") == 1);
  REQUIRE(count(findings, "pool-leak") == 1);
  CHECK(findings.back().detail.find("'Prob'") != std::string::npos);
}

TEST_CASE("wdk: a routine returning with a spin lock held is reported and IRQL restored") {
  ProbeReset();
  ProbeConfig.HoldSpinLock = TRUE;
  Harness h(ntemu::Profile::win2000());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  REQUIRE(h.start_process("spin.exe").status.ok());
  CHECK(count(h.audit(), "irql-not-restored") == 1);
  CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
  // A lookup made at DISPATCH_LEVEL is reported.
  auto scope = h.enter();
  KSPIN_LOCK lock;
  KIRQL old = 0;
  KeInitializeSpinLock(&lock);
  KeAcquireSpinLock(&lock, &old);
  CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
  PEPROCESS p = nullptr;
  CHECK(PsLookupProcessByProcessId(ntemu::to_handle(h.kernel().system_process().pid()), &p) ==
        STATUS_SUCCESS);
  KIRQL again = 0x5A;
  KeAcquireSpinLock(&lock, &again);  // recursion: reported instead of hanging
  CHECK(again == 0x5A);              // refused: OldIrql is not written
  KeReleaseSpinLock(&lock, old);
  CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
  ObDereferenceObject(p);
  CHECK(count(h.audit(), "irql-too-high") == 1);
  CHECK(count(h.audit(), "lock-recursion") == 1);
}

TEST_CASE("wdk: the list helpers and fast mutex behave as documented") {
  LIST_ENTRY head;
  LIST_ENTRY a;
  LIST_ENTRY b;
  InitializeListHead(&head);
  CHECK(IsListEmpty(&head) == TRUE);
  InsertTailList(&head, &a);
  InsertHeadList(&head, &b);
  CHECK(head.Flink == &b);
  CHECK(head.Blink == &a);
  CHECK(RemoveHeadList(&head) == &b);
  CHECK(RemoveEntryList(&a) == TRUE);  // the list is now empty
  CHECK(IsListEmpty(&head) == TRUE);
  FAST_MUTEX m;
  ExInitializeFastMutex(&m);
  ExAcquireFastMutex(&m);
  CHECK(KeGetCurrentIrql() == APC_LEVEL);
  CHECK(m.Count == 0);
  ExReleaseFastMutex(&m);
  CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
  CHECK(m.Count == 1);
  UNICODE_STRING x;
  UNICODE_STRING y;
  RtlInitUnicodeString(&x, L"Notepad.EXE");
  RtlInitUnicodeString(&y, L"notepad.exe");
  CHECK(x.Length == 11 * sizeof(WCHAR));
  CHECK(RtlEqualUnicodeString(&x, &y, TRUE) == TRUE);
  CHECK(RtlEqualUnicodeString(&x, &y, FALSE) == FALSE);
}

TEST_CASE("wdk: the zero-PID poke reaches a C driver as on the kernel [win2000]") {
  ProbeReset();
  ProbeConfig.RegisterThread = FALSE;
  Harness h(ntemu::Profile::win2000());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  auto started = h.start_process("victim.exe");
  const auto first = started.process->pid().value();
  h.poke_pid(*started.process, ntemu::ProcessId{0});
  REQUIRE(h.create_thread(*started.process).status.ok());
  CHECK(ProbeRecord.ProcessCalls == 2);  // announced a second time
  CHECK(num(ProbeRecord.ProcessId) == started.process->pid().value());
  CHECK(num(ProbeRecord.ProcessId) != first);
}
