// SPDX-License-Identifier: MIT
// The WDK surface beyond the notify routines, called as a driver calls it: the ntdef basics,
// the kernel C run-time and ntstrsafe, the Rtl string functions, the formatter shared by
// DbgPrint and the printf family, and the regressions of the measured reliability defects
// among them (each test names the defect). Locks, resources, events and how the machine stops
// are in sync_test.cpp.
#include <doctest/doctest.h>

#include <cstdarg>
#include <cstring>
#include <cwchar>
#include <string>
#include <vector>

#include "dbgprint.hpp"
#include "finding_count.hpp"
#include "ntemu/harness.hpp"

namespace {

using ntemu::Harness;
using ntemu::test::count;

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
