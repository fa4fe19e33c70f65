// SPDX-License-Identifier: MIT
// ntstrsafe.h's functions (ntemu/wdk/strsafe.h): one copy / concatenate / format / measure
// worker per character type, with the documented statuses — ::STATUS_BUFFER_OVERFLOW for a
// truncated (and still terminated) result, ::STATUS_INVALID_PARAMETER for a bad size, a NULL
// pointer or an unterminated destination — and the UNICODE_STRING forms, which write no
// terminator. Printf formats with format_crt (dbgprint.hpp); the bounded copy is bounded_copy.hpp.
#include <algorithm>
#include <cstdarg>
#include <cstddef>
#include <cwchar>
#include <string>

#include "bounded_copy.hpp"
#include "dbgprint.hpp"
#include "ntemu/wdk.h"

namespace ntemu::wdk {
namespace {

constexpr std::size_t kMaxCch = NTSTRSAFE_MAX_CCH;

// A destination of `cch` characters is usable; if not, it is made "" when it has room.
template <class C>
bool valid_dest(C* dest, std::size_t cch) {
  if (dest == nullptr || cch == 0) return false;
  if (cch > kMaxCch) {
    dest[0] = 0;
    return false;
  }
  return true;
}

// Copies at most `count` characters of src into dest[0, cch), terminated.
template <class C>
NTSTATUS copy_into(C* dest, std::size_t cch, const C* src, std::size_t count) {
  return copy_truncating(dest, cch, src, count) ? ::STATUS_BUFFER_OVERFLOW : ::STATUS_SUCCESS;
}

template <class C>
NTSTATUS copy(C* dest, std::size_t cch, const C* src, std::size_t count) {
  if (!valid_dest(dest, cch)) return ::STATUS_INVALID_PARAMETER;
  if (src == nullptr || count > kMaxCch) {
    dest[0] = 0;
    return ::STATUS_INVALID_PARAMETER;
  }
  return copy_into(dest, cch, src, count);
}

template <class C>
NTSTATUS cat(C* dest, std::size_t cch, const C* src, std::size_t count) {
  if (!valid_dest(dest, cch)) return ::STATUS_INVALID_PARAMETER;
  const std::size_t used = bounded_length(dest, cch);
  if (used == cch || src == nullptr || count > kMaxCch) return ::STATUS_INVALID_PARAMETER;
  return copy_into(dest + used, cch - used, src, count);
}

template <class C>
NTSTATUS measure(const C* s, std::size_t cch_max, std::size_t* out, std::size_t unit) {
  NTSTATUS st = ::STATUS_INVALID_PARAMETER;
  std::size_t n = 0;
  if (s != nullptr && cch_max <= kMaxCch) {
    n = bounded_length(s, cch_max);
    if (n < cch_max) st = ::STATUS_SUCCESS;
  }
  if (out != nullptr) *out = NT_SUCCESS(st) ? n * unit : 0;
  return st;
}

template <class C>
NTSTATUS print(C* dest, std::size_t cch, const C* format, va_list args) {
  if (!valid_dest(dest, cch)) return ::STATUS_INVALID_PARAMETER;
  if (format == nullptr) {
    dest[0] = 0;
    return ::STATUS_INVALID_PARAMETER;
  }
  va_list copy_args;
  va_copy(copy_args, args);
  const auto text = format_crt(format, copy_args);
  va_end(copy_args);
  return copy_into(dest, cch, text.c_str(), text.size());
}

// --- UNICODE_STRING -------------------------------------------------------------------------
constexpr std::size_t kMaxUnicodeBytes =
    std::min<std::size_t>(NTSTRSAFE_UNICODE_STRING_MAX_CCH * sizeof(WCHAR), 0xFFFF);

bool valid_unicode(PCUNICODE_STRING s) {
  if (s == nullptr) return false;
  if (s->Length % sizeof(WCHAR) != 0 || s->MaximumLength % sizeof(WCHAR) != 0) return false;
  if (s->Length > s->MaximumLength || s->MaximumLength > kMaxUnicodeBytes) return false;
  return s->Buffer != nullptr || s->MaximumLength == 0;
}

// Writes `n` characters of src at the end of dest's first `start` characters.
NTSTATUS unicode_put(PUNICODE_STRING dest, std::size_t start, const WCHAR* src, std::size_t n) {
  const std::size_t room = dest->MaximumLength / sizeof(WCHAR) - start;
  const std::size_t take = std::min(n, room);
  if (take > 0) std::copy_n(src, take, dest->Buffer + start);
  dest->Length = static_cast<USHORT>((start + take) * sizeof(WCHAR));
  return take < n ? ::STATUS_BUFFER_OVERFLOW : ::STATUS_SUCCESS;
}

}  // namespace
}  // namespace ntemu::wdk

using namespace ntemu::wdk;  // NOLINT: the C functions below are this file's only content

NTSTATUS RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc) {
  return copy(pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc) {
  return copy(pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc) {
  return copy(pszDest, cbDest / sizeof(wchar_t), pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCopyA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc) {
  return copy(pszDest, cbDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCchCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc,
                            size_t cchToCopy) {
  return copy(pszDest, cchDest, pszSrc, cchToCopy);
}
NTSTATUS RtlStringCchCopyNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc,
                            size_t cchToCopy) {
  return copy(pszDest, cchDest, pszSrc, cchToCopy);
}
NTSTATUS RtlStringCbCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc,
                           size_t cbToCopy) {
  return copy(pszDest, cbDest / sizeof(wchar_t), pszSrc, cbToCopy / sizeof(wchar_t));
}
NTSTATUS RtlStringCbCopyNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc,
                           size_t cbToCopy) {
  return copy(pszDest, cbDest, pszSrc, cbToCopy);
}
NTSTATUS RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc) {
  return cat(pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc) {
  return cat(pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc) {
  return cat(pszDest, cbDest / sizeof(wchar_t), pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCatA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc) {
  return cat(pszDest, cbDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCchCatNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc,
                           size_t cchToAppend) {
  return cat(pszDest, cchDest, pszSrc, cchToAppend);
}
NTSTATUS RtlStringCchCatNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc,
                           size_t cchToAppend) {
  return cat(pszDest, cchDest, pszSrc, cchToAppend);
}
NTSTATUS RtlStringCbCatNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc,
                          size_t cbToAppend) {
  return cat(pszDest, cbDest / sizeof(wchar_t), pszSrc, cbToAppend / sizeof(wchar_t));
}
NTSTATUS RtlStringCbCatNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc,
                          size_t cbToAppend) {
  return cat(pszDest, cbDest, pszSrc, cbToAppend);
}

NTSTATUS RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat,
                              va_list argList) {
  return print(pszDest, cchDest, pszFormat, argList);
}
NTSTATUS RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat,
                              va_list argList) {
  return print(pszDest, cchDest, pszFormat, argList);
}
NTSTATUS RtlStringCbVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat,
                             va_list argList) {
  return print(pszDest, cbDest / sizeof(wchar_t), pszFormat, argList);
}
NTSTATUS RtlStringCbVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat,
                             va_list argList) {
  return print(pszDest, cbDest, pszFormat, argList);
}
NTSTATUS RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat,
                             ...) {
  va_list args;
  va_start(args, pszFormat);
  const NTSTATUS st = RtlStringCchVPrintfW(pszDest, cchDest, pszFormat, args);
  va_end(args);
  return st;
}
NTSTATUS RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat,
                             ...) {
  va_list args;
  va_start(args, pszFormat);
  const NTSTATUS st = RtlStringCchVPrintfA(pszDest, cchDest, pszFormat, args);
  va_end(args);
  return st;
}
NTSTATUS RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat,
                            ...) {
  va_list args;
  va_start(args, pszFormat);
  const NTSTATUS st = RtlStringCbVPrintfW(pszDest, cbDest, pszFormat, args);
  va_end(args);
  return st;
}
NTSTATUS RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, ...) {
  va_list args;
  va_start(args, pszFormat);
  const NTSTATUS st = RtlStringCbVPrintfA(pszDest, cbDest, pszFormat, args);
  va_end(args);
  return st;
}

NTSTATUS RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t* pcchLength) {
  return measure(psz, cchMax, pcchLength, 1);
}
NTSTATUS RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t* pcchLength) {
  return measure(psz, cchMax, pcchLength, 1);
}
NTSTATUS RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t* pcbLength) {
  return measure(psz, cbMax / sizeof(wchar_t), pcbLength, sizeof(wchar_t));
}
NTSTATUS RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t* pcbLength) {
  return measure(psz, cbMax, pcbLength, 1);
}

NTSTATUS RtlUnicodeStringValidate(PCUNICODE_STRING SourceString) {
  return valid_unicode(SourceString) ? ::STATUS_SUCCESS : ::STATUS_INVALID_PARAMETER;
}
NTSTATUS RtlUnicodeStringInit(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
  if (DestinationString == nullptr) return ::STATUS_INVALID_PARAMETER;
  DestinationString->Length = 0;
  DestinationString->MaximumLength = 0;
  DestinationString->Buffer = const_cast<PWSTR>(pszSrc);
  if (pszSrc == nullptr) return ::STATUS_SUCCESS;
  const std::size_t max_chars = kMaxUnicodeBytes / sizeof(WCHAR);
  const std::size_t n = bounded_length(pszSrc, max_chars + 1);
  if (n > max_chars - 1) {
    DestinationString->Buffer = nullptr;
    return ::STATUS_INVALID_PARAMETER;
  }
  DestinationString->Length = static_cast<USHORT>(n * sizeof(WCHAR));
  DestinationString->MaximumLength = static_cast<USHORT>((n + 1) * sizeof(WCHAR));
  return ::STATUS_SUCCESS;
}
NTSTATUS RtlUnicodeStringCopy(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
  if (!valid_unicode(DestinationString) || !valid_unicode(SourceString))
    return ::STATUS_INVALID_PARAMETER;
  return unicode_put(DestinationString, 0, SourceString->Buffer,
                     SourceString->Length / sizeof(WCHAR));
}
NTSTATUS RtlUnicodeStringCat(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
  if (!valid_unicode(DestinationString) || !valid_unicode(SourceString))
    return ::STATUS_INVALID_PARAMETER;
  return unicode_put(DestinationString, DestinationString->Length / sizeof(WCHAR),
                     SourceString->Buffer, SourceString->Length / sizeof(WCHAR));
}
NTSTATUS RtlUnicodeStringCopyString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
  if (!valid_unicode(DestinationString) || pszSrc == nullptr) return ::STATUS_INVALID_PARAMETER;
  return unicode_put(DestinationString, 0, pszSrc, std::wcslen(pszSrc));
}
NTSTATUS RtlUnicodeStringCatString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
  if (!valid_unicode(DestinationString) || pszSrc == nullptr) return ::STATUS_INVALID_PARAMETER;
  return unicode_put(DestinationString, DestinationString->Length / sizeof(WCHAR), pszSrc,
                     std::wcslen(pszSrc));
}
NTSTATUS RtlUnicodeStringVPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat,
                                 va_list argList) {
  if (!valid_unicode(DestinationString) || pszFormat == nullptr) return ::STATUS_INVALID_PARAMETER;
  va_list args;
  va_copy(args, argList);
  const std::wstring text = format_crt(pszFormat, args);
  va_end(args);
  return unicode_put(DestinationString, 0, text.data(), text.size());
}
NTSTATUS RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat,
                                ...) {
  va_list args;
  va_start(args, pszFormat);
  const NTSTATUS st = RtlUnicodeStringVPrintf(DestinationString, pszFormat, args);
  va_end(args);
  return st;
}
