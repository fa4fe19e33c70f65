// SPDX-License-Identifier: MIT
// The run-time library's integer <-> string conversions (ntemu/wdk/rtl.h):
// RtlUnicodeStringToInteger and RtlCharToInteger (leading blanks, a sign, a 0x / 0o / 0b prefix
// when the base is 0, digits up to the first one not of the base, wrapping modulo 2^32 as the
// kernel's does), and RtlIntegerToUnicodeString, RtlInt64ToUnicodeString and RtlIntegerToChar
// (bases 2, 8, 10, 16, upper-case digits).
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include "ntemu/wdk.h"
#include "rtl_string.hpp"

using ntemu::wdk::readable;
using ntemu::wdk::store;

namespace {

template <class C>
NTSTATUS to_integer(const C* s, std::size_t n, ULONG base, PULONG value) {
  if (value == nullptr) return ::STATUS_ACCESS_VIOLATION;
  std::size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    ++i;
  bool negative = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (base == 0) {
    base = 10;
    if (i + 1 < n && s[i] == '0') {
      const C p = s[i + 1];
      if (p == 'x' || p == 'X') base = 16;
      if (p == 'o' || p == 'O') base = 8;
      if (p == 'b' || p == 'B') base = 2;
      if (base != 10) i += 2;
    }
  } else if (base != 2 && base != 8 && base != 10 && base != 16) {
    return ::STATUS_INVALID_PARAMETER;
  }
  ULONG v = 0;
  for (; i < n; ++i) {
    const C c = s[i];
    ULONG d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<ULONG>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<ULONG>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<ULONG>(c - 'A' + 10);
    } else {
      break;
    }
    if (d >= base) break;
    v = v * base + d;  // wraps modulo 2^32, as the kernel's does
  }
  *value = negative ? 0U - v : v;
  return ::STATUS_SUCCESS;
}

std::string digits(ULONGLONG value, ULONG base) {
  if (base == 0) base = 10;
  std::string out;
  do {
    out += "0123456789ABCDEF"[value % base];
    value /= base;
  } while (value != 0);
  std::reverse(out.begin(), out.end());
  return out;
}

NTSTATUS integer_to_unicode(ULONGLONG value, ULONG base, PUNICODE_STRING string) {
  if (base != 0 && base != 2 && base != 8 && base != 10 && base != 16)
    return ::STATUS_INVALID_PARAMETER;
  if (string == nullptr) return ::STATUS_INVALID_PARAMETER;
  const std::string text = digits(value, base);
  return store(string, text.data(), text.size(), FALSE);
}

}  // namespace

NTSTATUS RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value) {
  if (String == nullptr || !readable(String, "RtlUnicodeStringToInteger"))
    return ::STATUS_INVALID_PARAMETER;
  return to_integer(String->Buffer, String->Length / sizeof(WCHAR), Base, Value);
}
NTSTATUS RtlCharToInteger(PCSZ String, ULONG Base, PULONG Value) {
  if (String == nullptr) return ::STATUS_INVALID_PARAMETER;
  return to_integer(String, std::strlen(String), Base, Value);
}
NTSTATUS RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String) {
  return integer_to_unicode(Value, Base, String);
}
NTSTATUS RtlInt64ToUnicodeString(ULONGLONG Value, ULONG Base, PUNICODE_STRING String) {
  return integer_to_unicode(Value, Base, String);
}
NTSTATUS RtlIntegerToChar(ULONG Value, ULONG Base, LONG OutputLength, PSZ String) {
  if (Base != 0 && Base != 2 && Base != 8 && Base != 10 && Base != 16)
    return ::STATUS_INVALID_PARAMETER;
  const std::string text = digits(Value, Base);
  const auto room = static_cast<std::size_t>(OutputLength < 0 ? -OutputLength : OutputLength);
  if (String == nullptr || text.size() > room) return ::STATUS_BUFFER_OVERFLOW;
  std::memcpy(String, text.data(), text.size());
  if (text.size() < room) String[text.size()] = 0;
  return ::STATUS_SUCCESS;
}
