// SPDX-License-Identifier: MIT
// The WDK surface beyond the notify routines, called as a driver calls it: the ntdef basics,
// the kernel C run-time and ntstrsafe, the Rtl string functions, the formatter shared by
// DbgPrint and the printf family, the locks, resources, lookaside lists, events and waits, and
// the regressions of the measured reliability defects (each test names the defect).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstring>
#include <cwchar>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dbgprint.hpp"
#include "ntemu/harness.hpp"

namespace {

using ntemu::Harness;

int count(const std::vector<ntemu::Kernel::Finding>& findings, const std::string& kind) {
  int n = 0;
  for (const auto& f : findings)
    n += ntemu::verify::to_string(f.kind) == kind ? 1 : 0;
  return n;
}

std::string wdk_format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::string out = ntemu::wdk::format_wdk(format, args, 16);
  va_end(args);
  return out;
}

}  // namespace

TEST_CASE("wdk: the ntdef basics have the WDK's layout and values") {
  LARGE_INTEGER li;
  li.QuadPart = 0x1122334455667788LL;
  CHECK(li.LowPart == 0x55667788U);
  CHECK(li.HighPart == 0x11223344);
  CHECK(li.u.LowPart == li.LowPart);
  CHECK(sizeof(LARGE_INTEGER) == 8);
  UNICODE_STRING s = RTL_CONSTANT_STRING(L"abc");
  CHECK(s.Length == 3 * sizeof(WCHAR));
  CHECK(s.MaximumLength == 4 * sizeof(WCHAR));
  DECLARE_CONST_UNICODE_STRING(name, L"\\Device\\X");
  CHECK(name.Length == 9 * sizeof(WCHAR));
  ANSI_STRING a = RTL_CONSTANT_STRING("ansi");
  CHECK(a.Length == 4);
  OBJECT_ATTRIBUTES oa;
  InitializeObjectAttributes(&oa, &s, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, nullptr, nullptr);
  CHECK(oa.Length == sizeof(OBJECT_ATTRIBUTES));
  CHECK(oa.Attributes == 0x240U);
  CHECK(HandleToULong(ULongToHandle(0x1234U)) == 0x1234U);
  CHECK(PtrToUlong(UlongToPtr(77U)) == 77U);
  CHECK(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) == 0x222000);
  CHECK(PROCESS_ALL_ACCESS == 0x1FFFFFU);
  CHECK(STATUS_BUFFER_OVERFLOW == static_cast<NTSTATUS>(0x80000005U));
  CHECK_FALSE(NT_SUCCESS(STATUS_BUFFER_OVERFLOW));
  CHECK(NT_SUCCESS(STATUS_TIMEOUT));
  CHECK(NT_ERROR(STATUS_INVALID_DEVICE_REQUEST));
  CHECK(FIELD_OFFSET(UNICODE_STRING, Buffer) == 8);
  LONG v = 1;
  CHECK(InterlockedIncrement(&v) == 2);
  CHECK(InterlockedCompareExchange(&v, 5, 2) == 2);
  CHECK(InterlockedExchange(&v, 9) == 5);
  CHECK(v == 9);
}

TEST_CASE(
    "wdk: DbgPrint %C %td %jd %qd consume their argument (regression: the next %s read an "
    "integer)") {
  CHECK(wdk_format("%C|%s", static_cast<wint_t>(L'W'), "ok") == "W|ok");
  CHECK(wdk_format("%td|%s", static_cast<std::ptrdiff_t>(-3), "ok") == "-3|ok");
  CHECK(wdk_format("%jd|%s", static_cast<long long>(1) << 40, "ok") == "1099511627776|ok");
  CHECK(wdk_format("%qd|%s", static_cast<long long>(-5), "ok") == "-5|ok");
  CHECK(wdk_format("%hs|%ws|%S", "n", L"w", L"S") == "n|w|S");
  // An unknown conversion stops the reading of arguments: nothing after it is formatted.
  CHECK(wdk_format("%y %s", "never read") == "%y %s");
}

TEST_CASE("wdk: DbgPrint %.*d with a negative precision (regression: an invalid host format)") {
  CHECK(wdk_format("[%.*d]", -4, 42) == "[42]");
  CHECK(wdk_format("[%*d]", -4, 42) == "[42  ]");
  CHECK(wdk_format("[%.*s]", 2, "abcdef") == "[ab]");
  char unterminated[3] = {'x', 'y', 'z'};
  CHECK(wdk_format("[%.3s]", unterminated) == "[xyz]");  // the precision bounds the read
  CHECK(wdk_format("[%99999d]", 1).size() == 4096 + 2);  // widths are capped
}

TEST_CASE("wdk: the kernel C run-time's bounded copies and counted printf") {
  wchar_t w[6];
  CHECK(wcscpy_s(w, L"hello") == 0);
  CHECK(std::wcscmp(w, L"hello") == 0);
  CHECK(wcscpy_s(w, L"toolong") == ERANGE);
  CHECK(w[0] == 0);
  CHECK(wcsncpy_s(w, 6, L"truncated", _TRUNCATE) == STRUNCATE);
  CHECK(std::wcscmp(w, L"trunc") == 0);
  CHECK(wcscpy_s(w, L"ab") == 0);
  CHECK(wcscat_s(w, 6, L"cd") == 0);
  CHECK(std::wcscmp(w, L"abcd") == 0);
  char c[8];
  CHECK(strcpy_s(c, sizeof c, nullptr) == EINVAL);
  CHECK(strcpy_s(c, "abc") == 0);
  CHECK(_stricmp("Notepad.EXE", "notepad.exe") == 0);
  CHECK(_wcsicmp(L"ABC", L"abd") < 0);
  CHECK(_strnicmp("abcX", "ABCY", 3) == 0);
  CHECK(_wcsnicmp(L"abcX", L"ABCY", 4) != 0);
  char buffer[16];
  CHECK(_snprintf(buffer, sizeof buffer, "%lu-%ws", ULONG{7}, L"w") == 3);
  CHECK(std::string(buffer) == "7-w");
  CHECK(_snprintf(buffer, 4, "%s", "123456") == -1);
  wchar_t wide[16];
  CHECK(_snwprintf(wide, 16, L"%s %S %d", L"wide", "narrow", 5) == 13);
  CHECK(std::wcscmp(wide, L"wide narrow 5") == 0);
  CHECK(swprintf_s(wide, 4, L"%s", L"toolong") == -1);
  CHECK(wide[0] == 0);
  CHECK(_countof(wide) == 16);
}

TEST_CASE("wdk: ntstrsafe's statuses and truncation rules") {
  wchar_t d[5];
  CHECK(RtlStringCchCopyW(d, 5, L"abcd") == STATUS_SUCCESS);
  CHECK(RtlStringCchCopyW(d, 5, L"abcdef") == STATUS_BUFFER_OVERFLOW);
  CHECK(std::wcscmp(d, L"abcd") == 0);  // truncated and terminated
  CHECK(RtlStringCchCopyW(d, 0, L"x") == STATUS_INVALID_PARAMETER);
  CHECK(RtlStringCbCopyW(d, sizeof d, L"xy") == STATUS_SUCCESS);
  CHECK(RtlStringCchCatW(d, 5, L"zzz") == STATUS_BUFFER_OVERFLOW);
  CHECK(std::wcscmp(d, L"xyzz") == 0);
  CHECK(RtlStringCchPrintfW(d, 5, L"%d%s", 12, L"345") == STATUS_BUFFER_OVERFLOW);
  CHECK(std::wcscmp(d, L"1234") == 0);
  char a[8];
  CHECK(RtlStringCbPrintfA(a, sizeof a, "%lu %ws", ULONG{1}, L"ok") == STATUS_SUCCESS);
  CHECK(std::string(a) == "1 ok");
  size_t n = 99;
  CHECK(RtlStringCchLengthA(a, sizeof a, &n) == STATUS_SUCCESS);
  CHECK(n == 4);
  CHECK(RtlStringCchLengthA("abcdef", 3, &n) == STATUS_INVALID_PARAMETER);
  CHECK(n == 0);
  CHECK(RtlStringCbLengthW(L"ab", 16, &n) == STATUS_SUCCESS);
  CHECK(n == 2 * sizeof(wchar_t));
  WCHAR storage[4];
  UNICODE_STRING u;
  RtlInitEmptyUnicodeString(&u, storage, sizeof storage);
  CHECK(RtlUnicodeStringCopyString(&u, L"abcdef") == STATUS_BUFFER_OVERFLOW);
  CHECK(u.Length == sizeof storage);
}

TEST_CASE("wdk: the Rtl counted-string functions") {
  Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  WCHAR storage[8];
  UNICODE_STRING dest;
  RtlInitEmptyUnicodeString(&dest, storage, sizeof storage);
  UNICODE_STRING src;
  RtlInitUnicodeString(&src, L"Note");
  RtlCopyUnicodeString(&dest, &src);
  CHECK(dest.Length == src.Length);
  CHECK(RtlAppendUnicodeToString(&dest, L"pad") == STATUS_SUCCESS);
  CHECK(RtlAppendUnicodeToString(&dest, L"toolong") == STATUS_BUFFER_TOO_SMALL);
  CHECK(dest.Length == 7 * sizeof(WCHAR));
  UNICODE_STRING upper;
  RtlInitUnicodeString(&upper, L"NOTEPAD");
  CHECK(RtlCompareUnicodeString(&dest, &upper, TRUE) == 0);
  CHECK(RtlCompareUnicodeString(&dest, &upper, FALSE) > 0);
  CHECK(RtlPrefixUnicodeString(&src, &upper, TRUE) == TRUE);
  CHECK(RtlPrefixUnicodeString(&upper, &src, TRUE) == FALSE);
  CHECK(RtlUpcaseUnicodeChar(L'q') == L'Q');
  ANSI_STRING ansi;
  RtlInitAnsiString(&ansi, "calc.exe");
  UNICODE_STRING converted;
  REQUIRE(RtlAnsiStringToUnicodeString(&converted, &ansi, TRUE) == STATUS_SUCCESS);
  CHECK(converted.Length == 8 * sizeof(WCHAR));
  CHECK(h.pool_outstanding() == 1);
  RtlFreeUnicodeString(&converted);
  CHECK(h.pool_outstanding() == 0);
  ULONG value = 0;
  UNICODE_STRING number;
  RtlInitUnicodeString(&number, L"  0x1F");
  CHECK(RtlUnicodeStringToInteger(&number, 0, &value) == STATUS_SUCCESS);
  CHECK(value == 31);
  RtlInitUnicodeString(&number, L"-12");
  CHECK(RtlUnicodeStringToInteger(&number, 10, &value) == STATUS_SUCCESS);
  CHECK(value == 0U - 12U);
  CHECK(RtlUnicodeStringToInteger(&number, 7, &value) == STATUS_INVALID_PARAMETER);
  WCHAR digits[8];
  UNICODE_STRING text;
  RtlInitEmptyUnicodeString(&text, digits, sizeof digits);
  CHECK(RtlIntegerToUnicodeString(255, 16, &text) == STATUS_SUCCESS);
  CHECK(std::wstring(text.Buffer, text.Length / sizeof(WCHAR)) == L"FF");
  CHECK(RtlCompareMemory("abcd", "abXd", 4) == 2);
  RTL_OSVERSIONINFOEXW version{};
  version.dwOSVersionInfoSize = sizeof version;
  CHECK(RtlGetVersion(reinterpret_cast<PRTL_OSVERSIONINFOW>(&version)) == STATUS_SUCCESS);
  CHECK(version.dwMajorVersion == 5);
  CHECK(version.dwMinorVersion == 1);
  CHECK(version.dwBuildNumber == 2600);
  CHECK(IoIsWdmVersionAvailable(1, 0x20) == TRUE);
  CHECK(IoIsWdmVersionAvailable(1, 0x30) == FALSE);
  CHECK(h.audit().empty());
}

TEST_CASE(
    "wdk: NULL locks and a NULL string buffer are findings (regression: undefined behaviour)") {
  Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  KIRQL old = 0x33;
  KeInitializeSpinLock(nullptr);
  KeAcquireSpinLock(nullptr, &old);
  CHECK(old == 0x33);
  CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
  KeReleaseSpinLock(nullptr, PASSIVE_LEVEL);
  ExInitializeFastMutex(nullptr);
  ExAcquireFastMutex(nullptr);
  ExReleaseFastMutex(nullptr);
  UNICODE_STRING broken{8, 8, nullptr};
  UNICODE_STRING fine;
  RtlInitUnicodeString(&fine, L"abcd");
  CHECK(RtlEqualUnicodeString(&broken, &fine, TRUE) == FALSE);
  CHECK(count(h.audit(), "null-argument") == 7);
}

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
