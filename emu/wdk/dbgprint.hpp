// SPDX-License-Identifier: MIT
// The WDK's printf dialect (dbgprint_format.cpp), as a pure function: DbgPrint, the kernel CRT's
// counted printf functions (crt.cpp) and ntstrsafe's Printf (strsafe.cpp) format with it, and
// a test can call it directly with its own va_list.
#pragma once

#include <cstdarg>
#include <string>

namespace ntemu::wdk {

/// How a format is read and its text written.
struct FormatDialect {
  /// `%p` prints this many upper-case hex digits without a prefix, as the kernel debugger
  /// shows a pointer (8 on x86, 16 on x64).
  int pointer_digits = 16;
  /// The wide functions' reading (swprintf, RtlStringCchPrintfW): `%s` / `%c` take a wide
  /// string / character and `%S` / `%C` a narrow one. Otherwise the reverse, as DbgPrint.
  bool wide = false;
  /// Text outside ASCII (in wide arguments and in the format) is written as UTF-8, for a
  /// caller that converts the result back to wide text; otherwise as '?', as DbgPrint's ANSI
  /// conversion does.
  bool utf8 = false;
};

/// `format` and `args` formatted with the WDK's (LLP64) meaning of the size prefixes: `l` is 32
/// bits on an integer, `ll` / `I64` / `q` / `j` 64 bits, `I` / `z` / `t` pointer-sized, `h` /
/// `hh` 16 / 8 bits; `%ws`, `%ls`, `%hs` wide and narrow strings whatever the dialect, `%wZ` a
/// PCUNICODE_STRING and `%Z` a PCANSI_STRING; `%p` a pointer (see FormatDialect). Every argument
/// is read with the type the conversion names (the host's printf would read `%lu` as 64 bits).
/// A `*` width or precision is read as an int: a negative width left-justifies, a negative
/// precision is as if none was given; widths and precisions are capped at 4096. A precision
/// bounds how much of a string is read. `%n` consumes its argument and writes nothing. A
/// truncated specification is copied as written; an unknown conversion is copied as written
/// together with the rest of the format, and no further argument is read (its size unknown,
/// the next argument could not be found). Depends on nothing but its arguments.
std::string format_wdk(const char* format, va_list args, const FormatDialect& dialect);
/// The DbgPrint dialect with `pointer_digits` digits for `%p`.
std::string format_wdk(const char* format, va_list args, int pointer_digits);

/// The kernel CRT's and ntstrsafe's narrow printf functions (_snprintf, RtlStringCchPrintfA):
/// the default dialect.
std::string format_crt(const char* format, va_list args);
/// Their wide functions (_snwprintf, RtlStringCchPrintfW): the wide dialect, the format's and
/// the arguments' text outside ASCII kept (through UTF-8), the result as wide text.
std::wstring format_crt(const wchar_t* format, va_list args);

/// `w` (n characters, stopping at a NUL) as UTF-8, or with '?' for what is not ASCII.
std::string narrow_text(const wchar_t* w, std::size_t n, bool utf8);
/// UTF-8 text as wide characters (an invalid byte becomes U+FFFD).
std::wstring widen_utf8(const std::string& s);

}  // namespace ntemu::wdk
