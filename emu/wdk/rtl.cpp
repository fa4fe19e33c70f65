// SPDX-License-Identifier: MIT
// The run-time library's counted strings: RtlInitUnicodeString (a view of a terminated wide
// string, its length in bytes, clamped to what a USHORT holds) and RtlEqualUnicodeString
// (length and characters, optionally case-insensitive). The memory macros (RtlZeroMemory, ...)
// are the C library's, in ntemu/wdk/rtl.h.
#include <algorithm>
#include <cstddef>
#include <cwchar>
#include <cwctype>
#include <limits>

#include "ntemu/wdk.h"

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
  if (DestinationString == nullptr) return;
  DestinationString->Buffer = const_cast<PWSTR>(SourceString);
  if (SourceString == nullptr) {
    DestinationString->Length = 0;
    DestinationString->MaximumLength = 0;
    return;
  }
  constexpr std::size_t kMaxChars = (std::numeric_limits<USHORT>::max() / sizeof(WCHAR)) - 1;
  const std::size_t chars = std::min(std::wcslen(SourceString), kMaxChars);
  DestinationString->Length = static_cast<USHORT>(chars * sizeof(WCHAR));
  DestinationString->MaximumLength = static_cast<USHORT>((chars + 1) * sizeof(WCHAR));
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive) {
  if (String1 == nullptr || String2 == nullptr) return FALSE;
  if (String1->Length != String2->Length) return FALSE;
  const std::size_t n = String1->Length / sizeof(WCHAR);
  for (std::size_t i = 0; i < n; ++i) {
    wchar_t a = String1->Buffer[i];
    wchar_t b = String2->Buffer[i];
    if (CaseInSensitive) {
      a = static_cast<wchar_t>(std::towupper(static_cast<std::wint_t>(a)));
      b = static_cast<wchar_t>(std::towupper(static_cast<std::wint_t>(b)));
    }
    if (a != b) return FALSE;
  }
  return TRUE;
}
