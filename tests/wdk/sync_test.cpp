// SPDX-License-Identifier: MIT
// The WDK's synchronisation surface, called as a driver calls it: spin locks and mutexes
// released without being held, IRQL per harness, ERESOURCE recursion and lookaside lists,
// events and waits, assertions and breakpoints, and how the machine stops (a routine that grows
// the harness's handle list during exit_process, a scope outliving its harness, KeBugCheckEx),
// with the regressions of the measured reliability defects among them (each test names the
// defect). The data routines (ntdef, CRT, ntstrsafe, Rtl, the formatter) are in
// surface_test.cpp.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "finding_count.hpp"
#include "ntemu/harness.hpp"

namespace {

using ntemu::Harness;
using ntemu::test::count;

}  // namespace

TEST_CASE("wdk: releasing a lock never acquired is a finding (regression: silently accepted)") {
  Harness h(ntemu::Profile::vista());
  auto scope = h.enter();
  KSPIN_LOCK spin;
  KeInitializeSpinLock(&spin);
  KeReleaseSpinLock(&spin, PASSIVE_LEVEL);
  FAST_MUTEX fast;
  ExInitializeFastMutex(&fast);
  ExReleaseFastMutex(&fast);
  KGUARDED_MUTEX guarded;
  KeInitializeGuardedMutex(&guarded);
  KeReleaseGuardedMutex(&guarded);
  ERESOURCE resource;
  ExInitializeResourceLite(&resource);
  ExReleaseResourceLite(&resource);
  ExDeleteResourceLite(&resource);
  CHECK(count(h.audit(), "lock-not-held") == 4);
  // A correct sequence stays silent.
  Harness quiet(ntemu::Profile::vista());
  auto quiet_scope = quiet.enter();
  KIRQL old = 0;
  KeAcquireSpinLock(&spin, &old);
  KeReleaseSpinLock(&spin, old);
  KeAcquireGuardedMutex(&guarded);
  KeReleaseGuardedMutex(&guarded);
  KLOCK_QUEUE_HANDLE handle;
  KeAcquireInStackQueuedSpinLock(&spin, &handle);
  CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
  KeReleaseInStackQueuedSpinLock(&handle);
  CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
  CHECK(quiet.audit().empty());
}

TEST_CASE("wdk: IRQL is per harness (regression: a lock left held leaked into the next)") {
  KSPIN_LOCK leaked;
  {
    Harness first(ntemu::Profile::xp());
    auto scope = first.enter();
    KIRQL old = 0;
    KeInitializeSpinLock(&leaked);
    KeAcquireSpinLock(&leaked, &old);  // never released
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
  }
  Harness second(ntemu::Profile::xp());
  auto scope = second.enter();
  CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
  PEPROCESS p = nullptr;
  CHECK(PsLookupProcessByProcessId(ntemu::to_handle(second.kernel().system_process().pid()), &p) ==
        STATUS_SUCCESS);
  ObDereferenceObject(p);
  CHECK(second.audit().empty());  // no irql-too-high inherited from the first harness
}

TEST_CASE("wdk: ERESOURCE recursion, the shared-to-exclusive deadlock and lookaside lists") {
  Harness h(ntemu::Profile::server2003());
  auto scope = h.enter();
  ERESOURCE r;
  REQUIRE(ExInitializeResourceLite(&r) == STATUS_SUCCESS);
  KeEnterCriticalRegion();
  CHECK(ExAcquireResourceExclusiveLite(&r, TRUE) == TRUE);
  CHECK(ExAcquireResourceExclusiveLite(&r, TRUE) == TRUE);  // recursive: legal
  CHECK(ExAcquireResourceSharedLite(&r, TRUE) == TRUE);     // the owner's shared request
  CHECK(ExIsResourceAcquiredExclusiveLite(&r) == TRUE);
  ExReleaseResourceLite(&r);
  ExReleaseResourceLite(&r);
  ExReleaseResourceLite(&r);
  CHECK(ExIsResourceAcquiredExclusiveLite(&r) == FALSE);
  CHECK(h.audit().empty());
  CHECK(ExAcquireResourceSharedLite(&r, TRUE) == TRUE);
  CHECK(ExAcquireResourceExclusiveLite(&r, TRUE) == TRUE);  // would deadlock: reported
  CHECK(count(h.audit(), "lock-recursion") == 1);
  CHECK(ExIsResourceAcquiredSharedLite(&r) == 2);
  ExReleaseResourceLite(&r);
  ExReleaseResourceLite(&r);
  KeLeaveCriticalRegion();
  CHECK(ExDeleteResourceLite(&r) == STATUS_SUCCESS);

  NPAGED_LOOKASIDE_LIST list;
  ExInitializeNPagedLookasideList(&list, nullptr, nullptr, 0, 24, 0x6B6F6F4CU, 0);
  PVOID entry = ExAllocateFromNPagedLookasideList(&list);
  REQUIRE(entry != nullptr);
  CHECK(h.pool_outstanding() == 1);
  ExFreeToNPagedLookasideList(&list, entry);
  CHECK(h.pool_outstanding() == 0);
  ExDeleteNPagedLookasideList(&list);
  CHECK(ExAllocateFromNPagedLookasideList(&list) == nullptr);  // deleted: reported
  CHECK(count(h.audit(), "bad-object-pointer") == 1);
  PVOID zeroed = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 0x31636F50U);
  REQUIRE(zeroed != nullptr);
  CHECK(static_cast<unsigned char*>(zeroed)[31] == 0);
  CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, 1) == nullptr);
  ExFreePool2(zeroed, 0x31636F50U, nullptr, 0);
  CHECK(h.pool_outstanding() == 0);
}

TEST_CASE("wdk: events and waits never hang the model") {
  Harness h(ntemu::Profile::vista());
  auto scope = h.enter();
  KEVENT e;
  KeInitializeEvent(&e, NotificationEvent, FALSE);
  LARGE_INTEGER timeout;
  timeout.QuadPart = -10000;  // 1 ms, relative
  CHECK(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT);
  CHECK(h.audit().empty());
  CHECK(KeSetEvent(&e, IO_NO_INCREMENT, FALSE) == 0);
  CHECK(KeReadStateEvent(&e) == 1);
  CHECK(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, nullptr) == STATUS_SUCCESS);
  CHECK(KeReadStateEvent(&e) == 1);  // a notification event stays signalled
  KEVENT sync;
  KeInitializeEvent(&sync, SynchronizationEvent, TRUE);
  CHECK(KeWaitForSingleObject(&sync, Executive, KernelMode, FALSE, nullptr) == STATUS_SUCCESS);
  CHECK(KeReadStateEvent(&sync) == 0);  // auto-reset
  CHECK(KeWaitForSingleObject(&sync, Executive, KernelMode, FALSE, nullptr) ==
        STATUS_POSSIBLE_DEADLOCK);
  CHECK(count(h.audit(), "wait-deadlock") == 1);
  KMUTEX m;
  KeInitializeMutex(&m, 0);
  CHECK(KeWaitForSingleObject(&m, Executive, KernelMode, FALSE, nullptr) == STATUS_SUCCESS);
  CHECK(KeWaitForSingleObject(&m, Executive, KernelMode, FALSE, nullptr) == STATUS_SUCCESS);
  KeReleaseMutex(&m, FALSE);
  KeReleaseMutex(&m, FALSE);
  KeReleaseMutex(&m, FALSE);  // not owned any more
  CHECK(count(h.audit(), "lock-not-held") == 1);
  KSEMAPHORE sem;
  KeInitializeSemaphore(&sem, 1, 2);
  CHECK(KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, nullptr) == STATUS_SUCCESS);
  CHECK(KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT);

  // With other host threads allowed to signal, a wait blocks until one does.
  h.allow_blocking_waits(true);
  KeClearEvent(&e);
  std::thread setter([&] {
    auto setter_scope = h.enter();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
  });
  CHECK(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, nullptr) == STATUS_SUCCESS);
  setter.join();
}

TEST_CASE("wdk: assertions and breakpoints are debug-break findings") {
  Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  ASSERT(1 + 1 == 2);
  CHECK(h.audit().empty());
  ASSERT(1 + 1 == 3);
  CHECK(NT_VERIFY(false) == FALSE);
  DbgBreakPoint();
  const auto findings = h.audit();
  REQUIRE(count(findings, "debug-break") == 3);
  CHECK(findings.front().detail.find("1 + 1 == 3") != std::string::npos);
}

namespace {
Harness* g_spawning = nullptr;
VOID SpawnOnExit(HANDLE, HANDLE, BOOLEAN Create) {
  // A routine that makes the harness record handles while exit_process walks them.
  if (!Create && g_spawning != nullptr) {
    for (int i = 0; i < 16; ++i)
      static_cast<void>(g_spawning->create_process("spawned.exe"));
  }
}
}  // namespace

TEST_CASE(
    "wdk: exit_process survives a routine that grows the handle list (regression: "
    "use-after-free)") {
  Harness h(ntemu::Profile::xp());
  g_spawning = &h;
  {
    auto scope = h.enter();
    REQUIRE(PsSetCreateProcessNotifyRoutine(&SpawnOnExit, FALSE) == STATUS_SUCCESS);
  }
  auto started = h.start_process("victim.exe");
  REQUIRE(started.status.ok());
  CHECK(h.exit_process(*started.process).ok());
  g_spawning = nullptr;
  auto scope = h.enter();
  CHECK(PsSetCreateProcessNotifyRoutine(&SpawnOnExit, TRUE) == STATUS_SUCCESS);
}

TEST_CASE(
    "wdk: a scope outliving its harness aborts with a message (regression: dangling current "
    "kernel)") {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto* h = new Harness(ntemu::Profile::xp());
    auto* scope = new ntemu::Kernel::ContextScope(h->enter());
    delete h;  // aborts: the scope is still active
    delete scope;
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
}

TEST_CASE("wdk: KeBugCheckEx stops the machine: the host process aborts") {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    Harness h(ntemu::Profile::xp());
    auto scope = h.enter();
    KeBugCheckEx(0xDEADU, 1, 2, 3, 4);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
}
