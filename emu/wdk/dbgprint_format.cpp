// SPDX-License-Identifier: MIT
// The WDK's printf formatter (format_wdk, dbgprint.hpp): the WDK's size rules (a driver's `%lu`
// reads a 32-bit ULONG, where the host's printf would read 64 bits), its string conversions
// (`%ws`, `%wZ`, `%Z`), `%p` at a given pointer width, and the narrow / wide text conversions
// DbgPrint, the kernel CRT and ntstrsafe share. A pure function of its arguments: DbgPrint's
// entry points, its filter and where its lines go are in dbgprint.cpp.
#include "dbgprint.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cwchar>
#include <string>

#include "ntemu/wdk.h"

namespace ntemu::wdk {
namespace {

constexpr int kMaxField = 4096;

void append_utf8(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x110000) {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += '?';
  }
}

// A field's text padded to `width` (on the right when left-justified).
void pad(std::string& out, const std::string& text, int width, bool left) {
  const std::size_t w = width > 0 ? static_cast<std::size_t>(width) : 0;
  if (!left && text.size() < w) out.append(w - text.size(), ' ');
  out += text;
  if (left && text.size() < w) out.append(w - text.size(), ' ');
}

// A number of at most kMaxField from the digits at f (advancing it).
int read_number(const char*& f) {
  long long v = 0;
  while (*f >= '0' && *f <= '9') {
    v = std::min<long long>(v * 10 + (*f - '0'), kMaxField);
    ++f;
  }
  return static_cast<int>(v);
}

// The host's snprintf of one validated conversion into `out`.
template <class T>
void host_format(std::string& out, const std::string& spec, T value) {
  const int n = std::snprintf(nullptr, 0, spec.c_str(), value);
  if (n <= 0) return;
  std::string text(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(text.data(), text.size(), spec.c_str(), value);
  text.resize(static_cast<std::size_t>(n));
  out += text;
}

}  // namespace

std::string narrow_text(const wchar_t* w, std::size_t n, bool utf8) {
  std::string s;
  for (std::size_t i = 0; i < n && w[i] != 0; ++i) {
    const auto c = static_cast<std::uint32_t>(w[i]);
    if (c < 0x80) {
      s += static_cast<char>(c);
    } else if (utf8) {
      append_utf8(s, c);
    } else {
      s += '?';
    }
  }
  return s;
}

std::wstring widen_utf8(const std::string& s) {
  std::wstring w;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::uint32_t c = 0;
    std::size_t extra = 0;
    if (b < 0x80) {
      c = b;
    } else if ((b & 0xE0) == 0xC0) {
      c = b & 0x1FU;
      extra = 1;
    } else if ((b & 0xF0) == 0xE0) {
      c = b & 0x0FU;
      extra = 2;
    } else if ((b & 0xF8) == 0xF0) {
      c = b & 0x07U;
      extra = 3;
    } else {
      w += static_cast<wchar_t>(0xFFFD);
      ++i;
      continue;
    }
    if (i + extra >= s.size()) {  // a truncated sequence
      w += static_cast<wchar_t>(0xFFFD);
      break;
    }
    bool ok = true;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto t = static_cast<unsigned char>(s[i + k]);
      if ((t & 0xC0) != 0x80) ok = false;
      c = (c << 6) | (t & 0x3FU);
    }
    w += ok ? static_cast<wchar_t>(c) : static_cast<wchar_t>(0xFFFD);
    i += ok ? extra + 1 : 1;
  }
  return w;
}

std::string format_wdk(const char* format, va_list args, const FormatDialect& dialect) {
  std::string out;
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
    std::string flags;
    while (*f != 0 && std::strchr("-+ #0", *f) != nullptr)
      flags += *f++;
    int width = -1;
    int precision = -1;
    if (*f == '*') {
      const int w = va_arg(args, int);
      ++f;
      if (w < 0) {
        flags += '-';
        width = w < -kMaxField ? kMaxField : -w;
      } else {
        width = std::min(w, kMaxField);
      }
    } else if (*f >= '0' && *f <= '9') {
      width = read_number(f);
    }
    if (*f == '.') {
      ++f;
      if (*f == '*') {
        const int p = va_arg(args, int);
        ++f;
        precision = p < 0 ? -1 : std::min(p, kMaxField);  // negative: as if none
      } else {
        precision = read_number(f);
      }
    }
    enum class Size { Default, Char, Short, Long64, Pointer, Narrow, Wide } size = Size::Default;
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
    } else if (*f == 'q' || *f == 'j') {
      size = Size::Long64;
      ++f;
    } else if (*f == 'I' || *f == 'z' || *f == 't') {
      size = Size::Pointer;
      ++f;
    } else if (*f == 'h') {
      size =
          (f[1] == 's' || f[1] == 'c' || f[1] == 'S' || f[1] == 'C') ? Size::Narrow : Size::Short;
      ++f;
    } else if (*f == 'w') {
      size = Size::Wide;
      ++f;
    } else if (*f == 'l') {
      // `l` on an integer: 32 bits (LLP64); on a string or character: wide.
      size =
          (f[1] == 's' || f[1] == 'c' || f[1] == 'S' || f[1] == 'C') ? Size::Wide : Size::Default;
      ++f;
    }
    const char conversion = *f;
    if (conversion == 0) {
      out += start;  // a truncated specification: shown as written
      break;
    }
    const bool left = flags.find('-') != std::string::npos;
    std::string spec = "%" + flags;
    if (width >= 0) spec += std::to_string(width);
    if (precision >= 0) spec += "." + std::to_string(precision);
    // Whether a string / character conversion reads wide text.
    const auto wide_text = [&](bool upper) {
      if (size == Size::Wide) return true;
      if (size == Size::Narrow) return false;
      return dialect.wide != upper;
    };
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
        host_format(out, spec + "lld", v);
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
        host_format(out, spec + "ll" + conversion, v);
        break;
      }
      case 'c':
      case 'C': {
        std::string text;
        if (wide_text(conversion == 'C')) {
          const auto w = static_cast<wchar_t>(va_arg(args, std::wint_t));
          text = w == 0 ? std::string(1, '\0') : narrow_text(&w, 1, dialect.utf8);
        } else {
          text = std::string(1, static_cast<char>(va_arg(args, int)));
        }
        pad(out, text, width, left);
        break;
      }
      case 's':
      case 'S': {
        std::string text;
        const std::size_t limit =
            precision >= 0 ? static_cast<std::size_t>(precision) : static_cast<std::size_t>(-1);
        if (wide_text(conversion == 'S')) {
          const wchar_t* w = va_arg(args, const wchar_t*);
          text = w == nullptr ? "(null)" : narrow_text(w, ::wcsnlen(w, limit), dialect.utf8);
        } else {
          const char* c = va_arg(args, const char*);
          text = c == nullptr ? "(null)" : std::string(c, strnlen(c, limit));
        }
        pad(out, text, width, left);
        break;
      }
      case 'Z': {
        std::string text = "(null)";
        if (size == Size::Wide) {
          const auto* u = va_arg(args, const UNICODE_STRING*);
          if (u != nullptr && u->Buffer != nullptr) {
            text = narrow_text(u->Buffer, u->Length / sizeof(WCHAR), dialect.utf8);
          }
        } else {
          const auto* a = va_arg(args, const ANSI_STRING*);
          if (a != nullptr && a->Buffer != nullptr) {
            text = std::string(a->Buffer, strnlen(a->Buffer, a->Length));
          }
        }
        if (precision >= 0 && text.size() > static_cast<std::size_t>(precision)) {
          text.resize(static_cast<std::size_t>(precision));
        }
        pad(out, text, width, left);
        break;
      }
      case 'p': {
        const auto v =
            static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(va_arg(args, void*)));
        host_format(out, "%0" + std::to_string(dialect.pointer_digits) + "llX", v);
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'g':
      case 'G':
        host_format(out, spec + conversion, va_arg(args, double));
        break;
      case 'n':
        static_cast<void>(va_arg(args, void*));  // never written
        break;
      default:
        // Unknown: its argument's size is unknown, so nothing more can be read safely.
        out += start;
        return out;
    }
  }
  return out;
}

std::string format_wdk(const char* format, va_list args, int pointer_digits) {
  FormatDialect dialect;
  dialect.pointer_digits = pointer_digits;
  return format_wdk(format, args, dialect);
}

std::string format_crt(const char* format, va_list args) {
  FormatDialect dialect;
  return format_wdk(format, args, dialect);
}

std::wstring format_crt(const wchar_t* format, va_list args) {
  FormatDialect dialect;
  dialect.wide = true;
  dialect.utf8 = true;
  const std::string f = narrow_text(format, std::wcslen(format), /*utf8=*/true);
  return widen_utf8(format_wdk(f.c_str(), args, dialect));
}

}  // namespace ntemu::wdk
