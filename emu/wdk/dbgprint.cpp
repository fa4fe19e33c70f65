// SPDX-License-Identifier: MIT
// Debugger output: the WDK's printf formatter (format_wdk, dbgprint.hpp) and DbgPrint /
// DbgPrintEx over it. A line is formatted with the WDK's size rules (a driver's `%lu` reads a
// 32-bit ULONG, where the host's printf would read 64 bits) and `%p` at the current profile's
// pointer width, loses one trailing newline, and goes to the harness's log and to the trace as
// a `dbgprint` event naming the thread it was printed on; outside a harness it goes to stderr.
#include "dbgprint.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cwchar>
#include <mutex>
#include <string>

#include "ntemu/wdk.h"
#include "state.hpp"

namespace ntemu::wdk {
namespace {

std::string narrow(const wchar_t* w, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && w[i] != 0; ++i) {
    const auto c = static_cast<std::uint32_t>(w[i]);
    s += c < 0x80 ? static_cast<char>(c) : '?';
  }
  return s;
}

}  // namespace

std::string format_wdk(const char* format, va_list args, int pointer_digits) {
  std::string out;
  char buffer[512];
  for (const char* f = format; *f != 0; ++f) {
    if (*f != '%') {
      out += *f;
      continue;
    }
    const char* start = f++;
    if (*f == '%') {
      out += '%';
      continue;
    }
    std::string spec = "%";
    while (*f != 0 && std::strchr("-+ #0", *f) != nullptr)
      spec += *f++;
    // A width or a precision: `*` (the next argument) and then digits, copied into spec.
    const auto copy_number = [&] {
      if (*f == '*') {
        spec += std::to_string(va_arg(args, int));
        ++f;
      }
      while (*f >= '0' && *f <= '9')
        spec += *f++;
    };
    copy_number();
    if (*f == '.') {
      spec += *f++;
      copy_number();
    }
    enum class Size { Default, Char, Short, Long64, Pointer, Wide } size = Size::Default;
    if (f[0] == 'I' && f[1] == '6' && f[2] == '4') {
      size = Size::Long64;
      f += 3;
    } else if (f[0] == 'I' && f[1] == '3' && f[2] == '2') {
      f += 3;
    } else if (f[0] == 'l' && f[1] == 'l') {
      size = Size::Long64;
      f += 2;
    } else if (f[0] == 'h' && f[1] == 'h') {
      size = Size::Char;
      f += 2;
    } else if (*f == 'I' || *f == 'z') {
      size = Size::Pointer;
      ++f;
    } else if (*f == 'h') {
      size = Size::Short;
      ++f;
    } else if (*f == 'l' || *f == 'w') {
      size = *f == 'w' ? Size::Wide : Size::Default;  // `l` on an integer: 32 bits (LLP64)
      if (*f == 'l' && (f[1] == 's' || f[1] == 'c')) size = Size::Wide;
      ++f;
    }
    const char conversion = *f;
    if (conversion == 0) {
      out += start;  // a truncated specification: shown as written
      break;
    }
    int n = 0;
    switch (conversion) {
      case 'd':
      case 'i': {
        long long v = 0;
        if (size == Size::Long64) {
          v = va_arg(args, long long);
        } else if (size == Size::Pointer) {
          v = static_cast<long long>(va_arg(args, std::intptr_t));
        } else {
          v = va_arg(args, int);
          if (size == Size::Short) v = static_cast<short>(v);
          if (size == Size::Char) v = static_cast<signed char>(v);
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "lld").c_str(), v);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        unsigned long long v = 0;
        if (size == Size::Long64) {
          v = va_arg(args, unsigned long long);
        } else if (size == Size::Pointer) {
          v = static_cast<unsigned long long>(va_arg(args, std::uintptr_t));
        } else {
          v = va_arg(args, unsigned int);
          if (size == Size::Short) v &= 0xFFFFU;
          if (size == Size::Char) v &= 0xFFU;
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "ll" + conversion).c_str(), v);
        break;
      }
      case 'c':
        if (size == Size::Wide) {
          const auto w = static_cast<wchar_t>(va_arg(args, std::wint_t));
          n = std::snprintf(buffer, sizeof buffer, (spec + "s").c_str(), narrow(&w, 1).c_str());
        } else {
          n = std::snprintf(buffer, sizeof buffer, (spec + "c").c_str(), va_arg(args, int));
        }
        break;
      case 's':
      case 'S': {
        std::string text;
        if (size == Size::Wide || conversion == 'S') {
          const wchar_t* w = va_arg(args, const wchar_t*);
          text = w == nullptr ? "(null)" : narrow(w, std::wcslen(w));
        } else {
          const char* c = va_arg(args, const char*);
          text = c == nullptr ? "(null)" : c;
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "s").c_str(), text.c_str());
        break;
      }
      case 'Z': {
        const auto* u = va_arg(args, const UNICODE_STRING*);
        std::string text = "(null)";
        if (size == Size::Wide && u != nullptr && u->Buffer != nullptr) {
          text = narrow(u->Buffer, u->Length / sizeof(WCHAR));
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "s").c_str(), text.c_str());
        break;
      }
      case 'p': {
        const auto v =
            static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(va_arg(args, void*)));
        n = std::snprintf(buffer, sizeof buffer, "%0*llX", pointer_digits, v);
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'g':
      case 'G':
        n = std::snprintf(buffer, sizeof buffer, (spec + conversion).c_str(), va_arg(args, double));
        break;
      case 'n':
        static_cast<void>(va_arg(args, void*));  // never written
        break;
      default:
        out.append(start, static_cast<std::size_t>(f - start + 1));  // unknown: as written
        continue;
    }
    if (n > 0) out.append(buffer, std::min(static_cast<std::size_t>(n), sizeof buffer - 1));
  }
  return out;
}

namespace {

ULONG debug_print(const char* format, va_list args) {
  const Current c = current();
  const int digits = c.kernel != nullptr && c.kernel->profile().arch == ntemu::Arch::X86 ? 8 : 16;
  std::string text = format_wdk(format, args, digits);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (c.state == nullptr) {
    std::fprintf(stderr, "DbgPrint: %s\n", text.c_str());
    return c.kernel == nullptr ? static_cast<ULONG>(::STATUS_INVALID_DEVICE_STATE)
                               : static_cast<ULONG>(::STATUS_SUCCESS);
  }
  const ntemu::ClientId cid = c.kernel->current_thread().Cid();
  {
    std::lock_guard hold(c.state->m);
    c.state->debug_output.push_back(text);
  }
  c.state->emit(ntemu::Event{"dbgprint", {}}
                    .add("text", text)
                    .add("context_pid", cid.UniqueProcess.value())
                    .add("context_tid", cid.UniqueThread.value()));
  return static_cast<ULONG>(::STATUS_SUCCESS);
}

}  // namespace
}  // namespace ntemu::wdk

using ntemu::wdk::debug_print;

ULONG DbgPrint(PCSTR Format, ...) {
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_start(args, Format);
  const ULONG r = debug_print(Format, args);
  va_end(args);
  return r;
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) {
  static_cast<void>(ComponentId);  // every component and level is shown
  static_cast<void>(Level);
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_start(args, Format);
  const ULONG r = debug_print(Format, args);
  va_end(args);
  return r;
}
