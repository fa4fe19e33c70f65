// SPDX-License-Identifier: MIT
// The WDK's printf dialect (dbgprint.cpp), as a pure function: DbgPrint formats with it, and a
// test can call it directly with its own va_list.
#pragma once

#include <cstdarg>
#include <string>

namespace ntemu::wdk {

/// `format` and `args` formatted with the WDK's (LLP64) meaning of the size prefixes: `l` is 32
/// bits, `ll` / `I64` 64 bits, `I` / `z` pointer-sized, `h` / `hh` 16 / 8 bits; `%ws`, `%ls`,
/// `%S` wide strings, `%wZ` a PCUNICODE_STRING, `%p` a pointer printed with `pointer_digits`
/// upper-case hex digits without a prefix, as the kernel debugger shows it. Every argument is
/// read with the type the conversion names (the host's printf would read `%lu` as 64 bits).
/// `%n` consumes its argument and writes nothing; an unknown or truncated conversion is copied
/// as written. Depends on nothing but its arguments.
std::string format_wdk(const char* format, va_list args, int pointer_digits);

}  // namespace ntemu::wdk
