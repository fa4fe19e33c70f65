// SPDX-License-Identifier: MIT
// The run-time library's counted strings (ntemu/wdk/rtl.h): initialisation, copying and
// appending within MaximumLength, comparison (optionally case-insensitive, by the host's
// towupper), prefixes, case mapping, ANSI (Latin-1) <-> Unicode conversion into the caller's
// buffer or a tracked pool block ('Strg'), and RtlCompareMemory. A NULL buffer with a non-zero
// length, which the real functions would dereference, is a `null-argument` finding and a safe
// answer. Integers <-> strings are in rtl_integer.cpp, RtlGetVersion in version.cpp.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <cwchar>
#include <cwctype>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "ntemu/wdk.h"
#include "rtl_string.hpp"

using ntemu::wdk::kStringTag;
using ntemu::wdk::readable;
using ntemu::wdk::store;

namespace {

WCHAR up(WCHAR c) {
  return static_cast<WCHAR>(std::towupper(static_cast<std::wint_t>(c)));
}
WCHAR down(WCHAR c) {
  return static_cast<WCHAR>(std::towlower(static_cast<std::wint_t>(c)));
}
CHAR up(CHAR c) {
  return (c >= 'a' && c <= 'z') ? static_cast<CHAR>(c - 'a' + 'A') : c;
}

template <class S>
std::size_t chars(const S* s) {
  return s->Length / sizeof(*s->Buffer);
}

template <class S>
LONG compare(const S* a, const S* b, BOOLEAN insensitive) {
  const std::size_t n = std::min(chars(a), chars(b));
  for (std::size_t i = 0; i < n; ++i) {
    auto x = a->Buffer[i];
    auto y = b->Buffer[i];
    if (insensitive) {
      x = up(x);
      y = up(y);
    }
    if (x != y) return static_cast<LONG>(x) - static_cast<LONG>(y) < 0 ? -1 : 1;
  }
  if (chars(a) == chars(b)) return 0;
  return chars(a) < chars(b) ? -1 : 1;
}

template <class S>
BOOLEAN prefix(const S* p, const S* s, BOOLEAN insensitive) {
  if (chars(p) > chars(s)) return FALSE;
  for (std::size_t i = 0; i < chars(p); ++i) {
    auto x = p->Buffer[i];
    auto y = s->Buffer[i];
    if (insensitive) {
      x = up(x);
      y = up(y);
    }
    if (x != y) return FALSE;
  }
  return TRUE;
}

template <class S, class C>
void init(S* dest, const C* src) {
  if (dest == nullptr) return;
  dest->Buffer = const_cast<C*>(src);
  if (src == nullptr) {
    dest->Length = 0;
    dest->MaximumLength = 0;
    return;
  }
  constexpr std::size_t kMaxChars = (std::numeric_limits<USHORT>::max() / sizeof(C)) - 1;
  std::size_t n = 0;
  while (n < kMaxChars && src[n] != 0)
    ++n;
  dest->Length = static_cast<USHORT>(n * sizeof(C));
  dest->MaximumLength = static_cast<USHORT>((n + 1) * sizeof(C));
}

}  // namespace

SIZE_T RtlCompareMemory(const VOID* Source1, const VOID* Source2, SIZE_T Length) {
  const auto* a = static_cast<const unsigned char*>(Source1);
  const auto* b = static_cast<const unsigned char*>(Source2);
  SIZE_T i = 0;
  while (i < Length && a[i] == b[i])
    ++i;
  return i;
}

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
  init(DestinationString, SourceString);
}
NTSTATUS RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
  if (SourceString != nullptr &&
      std::wcslen(SourceString) > std::numeric_limits<USHORT>::max() / sizeof(WCHAR) - 1)
    return ::STATUS_NAME_TOO_LONG;
  init(DestinationString, SourceString);
  return ::STATUS_SUCCESS;
}
VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString) {
  init(DestinationString, SourceString);
}
VOID RtlInitString(PSTRING DestinationString, PCSTR SourceString) {
  init(DestinationString, SourceString);
}

VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
  if (DestinationString == nullptr) return;
  if (SourceString == nullptr || !readable(SourceString, "RtlCopyUnicodeString")) {
    DestinationString->Length = 0;
    return;
  }
  const std::size_t n =
      std::min<std::size_t>(SourceString->Length, DestinationString->MaximumLength) / sizeof(WCHAR);
  if (n > 0 && DestinationString->Buffer == nullptr) return;
  if (n > 0) std::memmove(DestinationString->Buffer, SourceString->Buffer, n * sizeof(WCHAR));
  DestinationString->Length = static_cast<USHORT>(n * sizeof(WCHAR));
  if (DestinationString->Length + sizeof(WCHAR) <= DestinationString->MaximumLength)
    DestinationString->Buffer[n] = 0;
}
VOID RtlCopyString(PSTRING DestinationString, const STRING* SourceString) {
  if (DestinationString == nullptr) return;
  if (SourceString == nullptr || !readable(SourceString, "RtlCopyString")) {
    DestinationString->Length = 0;
    return;
  }
  const std::size_t n = std::min(SourceString->Length, DestinationString->MaximumLength);
  if (n > 0 && DestinationString->Buffer == nullptr) return;
  if (n > 0) std::memmove(DestinationString->Buffer, SourceString->Buffer, n);
  DestinationString->Length = static_cast<USHORT>(n);
  if (n < DestinationString->MaximumLength) DestinationString->Buffer[n] = 0;
}

namespace {
NTSTATUS append(PUNICODE_STRING dest, const WCHAR* src, std::size_t n) {
  const std::size_t bytes = n * sizeof(WCHAR);
  if (dest->Length + bytes > dest->MaximumLength) return ::STATUS_BUFFER_TOO_SMALL;
  if (n == 0) return ::STATUS_SUCCESS;
  std::memmove(reinterpret_cast<char*>(dest->Buffer) + dest->Length, src, bytes);
  dest->Length = static_cast<USHORT>(dest->Length + bytes);
  if (dest->Length + sizeof(WCHAR) <= dest->MaximumLength)
    dest->Buffer[dest->Length / sizeof(WCHAR)] = 0;
  return ::STATUS_SUCCESS;
}
}  // namespace

NTSTATUS RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source) {
  if (Destination == nullptr || !readable(Destination, "RtlAppendUnicodeToString"))
    return ::STATUS_INVALID_PARAMETER;
  if (Source == nullptr) return ::STATUS_SUCCESS;
  return append(Destination, Source, std::wcslen(Source));
}
NTSTATUS RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source) {
  if (Destination == nullptr || Source == nullptr ||
      !readable(Destination, "RtlAppendUnicodeStringToString") ||
      !readable(Source, "RtlAppendUnicodeStringToString"))
    return ::STATUS_INVALID_PARAMETER;
  return append(Destination, Source->Buffer, Source->Length / sizeof(WCHAR));
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive) {
  if (!readable(String1, "RtlEqualUnicodeString") || !readable(String2, "RtlEqualUnicodeString"))
    return FALSE;
  if (String1->Length != String2->Length) return FALSE;
  return compare(String1, String2, CaseInSensitive) == 0 ? TRUE : FALSE;
}
BOOLEAN RtlEqualString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive) {
  if (!readable(String1, "RtlEqualString") || !readable(String2, "RtlEqualString")) return FALSE;
  if (String1->Length != String2->Length) return FALSE;
  return compare(String1, String2, CaseInSensitive) == 0 ? TRUE : FALSE;
}
LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                             BOOLEAN CaseInSensitive) {
  if (!readable(String1, "RtlCompareUnicodeString") ||
      !readable(String2, "RtlCompareUnicodeString"))
    return 0;
  return compare(String1, String2, CaseInSensitive);
}
LONG RtlCompareString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive) {
  if (!readable(String1, "RtlCompareString") || !readable(String2, "RtlCompareString")) return 0;
  return compare(String1, String2, CaseInSensitive);
}
BOOLEAN RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                               BOOLEAN CaseInSensitive) {
  if (!readable(String1, "RtlPrefixUnicodeString") || !readable(String2, "RtlPrefixUnicodeString"))
    return FALSE;
  return prefix(String1, String2, CaseInSensitive);
}
BOOLEAN RtlPrefixString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive) {
  if (!readable(String1, "RtlPrefixString") || !readable(String2, "RtlPrefixString")) return FALSE;
  return prefix(String1, String2, CaseInSensitive);
}

WCHAR RtlUpcaseUnicodeChar(WCHAR SourceCharacter) {
  return up(SourceCharacter);
}
WCHAR RtlDowncaseUnicodeChar(WCHAR SourceCharacter) {
  return down(SourceCharacter);
}
CHAR RtlUpperChar(CHAR Character) {
  return up(Character);
}

namespace {
template <class Map>
NTSTATUS recase(PUNICODE_STRING dest, PCUNICODE_STRING src, BOOLEAN allocate, Map map,
                const char* function) {
  if (dest == nullptr || src == nullptr || !readable(src, function))
    return ::STATUS_INVALID_PARAMETER;
  std::wstring text(src->Buffer, src->Length / sizeof(WCHAR));
  for (wchar_t& c : text)
    c = map(c);
  return store(dest, text.data(), text.size(), allocate);
}
}  // namespace

NTSTATUS RtlUpcaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                                BOOLEAN AllocateDestinationString) {
  return recase(
      DestinationString, SourceString, AllocateDestinationString, [](WCHAR c) { return up(c); },
      "RtlUpcaseUnicodeString");
}
NTSTATUS RtlDowncaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                                  BOOLEAN AllocateDestinationString) {
  return recase(
      DestinationString, SourceString, AllocateDestinationString, [](WCHAR c) { return down(c); },
      "RtlDowncaseUnicodeString");
}

NTSTATUS RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
                                      BOOLEAN AllocateDestinationString) {
  if (DestinationString == nullptr || SourceString == nullptr ||
      !readable(SourceString, "RtlAnsiStringToUnicodeString"))
    return ::STATUS_INVALID_PARAMETER;
  std::wstring text;
  for (USHORT i = 0; i < SourceString->Length; ++i)
    text += static_cast<wchar_t>(static_cast<unsigned char>(SourceString->Buffer[i]));
  return store(DestinationString, text.data(), text.size(), AllocateDestinationString);
}
NTSTATUS RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
                                      BOOLEAN AllocateDestinationString) {
  if (DestinationString == nullptr || SourceString == nullptr ||
      !readable(SourceString, "RtlUnicodeStringToAnsiString"))
    return ::STATUS_INVALID_PARAMETER;
  std::string text;
  for (std::size_t i = 0; i < SourceString->Length / sizeof(WCHAR); ++i) {
    const auto c = static_cast<std::uint32_t>(SourceString->Buffer[i]);
    text += c <= 0xFF ? static_cast<char>(c) : '?';
  }
  return store(DestinationString, text.data(), text.size(), AllocateDestinationString);
}
ULONG RtlxAnsiStringToUnicodeSize(PCANSI_STRING AnsiString) {
  return AnsiString == nullptr ? 0U : static_cast<ULONG>((AnsiString->Length + 1U) * sizeof(WCHAR));
}
ULONG RtlxUnicodeStringToAnsiSize(PCUNICODE_STRING UnicodeString) {
  return UnicodeString == nullptr ? 0U
                                  : static_cast<ULONG>(UnicodeString->Length / sizeof(WCHAR) + 1U);
}
NTSTATUS RtlDuplicateUnicodeString(ULONG Flags, PCUNICODE_STRING StringIn,
                                   PUNICODE_STRING StringOut) {
  if (StringIn == nullptr || StringOut == nullptr || Flags > 3 ||
      !readable(StringIn, "RtlDuplicateUnicodeString"))
    return ::STATUS_INVALID_PARAMETER;
  if (StringIn->Length == 0 && (Flags & RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING) == 0) {
    StringOut->Length = 0;
    StringOut->MaximumLength = 0;
    StringOut->Buffer = nullptr;
    return ::STATUS_SUCCESS;
  }
  return store(StringOut, StringIn->Buffer, StringIn->Length / sizeof(WCHAR), TRUE);
}
BOOLEAN RtlCreateUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
  if (DestinationString == nullptr || SourceString == nullptr) return FALSE;
  return NT_SUCCESS(store(DestinationString, SourceString, std::wcslen(SourceString), TRUE))
             ? TRUE
             : FALSE;
}
VOID RtlFreeUnicodeString(PUNICODE_STRING UnicodeString) {
  if (UnicodeString == nullptr) return;
  if (UnicodeString->Buffer != nullptr) ExFreePoolWithTag(UnicodeString->Buffer, kStringTag);
  UnicodeString->Buffer = nullptr;
  UnicodeString->Length = 0;
  UnicodeString->MaximumLength = 0;
}
VOID RtlFreeAnsiString(PANSI_STRING AnsiString) {
  if (AnsiString == nullptr) return;
  if (AnsiString->Buffer != nullptr) ExFreePoolWithTag(AnsiString->Buffer, kStringTag);
  AnsiString->Buffer = nullptr;
  AnsiString->Length = 0;
  AnsiString->MaximumLength = 0;
}
