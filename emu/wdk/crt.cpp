// SPDX-License-Identifier: MIT
// The kernel C run-time's Microsoft functions that glibc lacks (ntemu/wdk/crt.h): the
// bounds-checked string and memory copies with Microsoft's error rules, the case-insensitive
// comparisons, and the counted printf family, which formats with format_crt (dbgprint.hpp) so
// that a driver's "%lu" and "%ws" mean what they mean on Windows. Nothing here touches a kernel.
#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstddef>
#include <cstring>
#include <cwchar>
#include <cwctype>
#include <string>

#include "bounded_copy.hpp"
#include "dbgprint.hpp"
#include "ntemu/wdk.h"

namespace ntemu::wdk {
namespace {

// Puts at most `count` characters of src at dest + used (the destination's first `used`
// characters are kept), with Microsoft's rules: _TRUNCATE copies what fits and says STRUNCATE;
// otherwise a source that does not fit empties the destination and is ERANGE.
template <class C>
errno_t put(C* dest, std::size_t size, std::size_t used, const C* src, std::size_t count) {
  C* at = dest + used;
  const std::size_t room = size - used;  // including the terminator
  if (count == _TRUNCATE) return copy_truncating(at, room, src, room) ? STRUNCATE : 0;
  const std::size_t n = bounded_length(src, count);
  if (n >= room) {
    dest[0] = 0;
    return ERANGE;
  }
  std::copy_n(src, n, at);
  at[n] = 0;
  return 0;
}

template <class C>
errno_t copy_n(C* dest, std::size_t size, const C* src, std::size_t count) {
  if (dest == nullptr || size == 0) return EINVAL;
  if (src == nullptr) {
    dest[0] = 0;
    return count == 0 ? 0 : EINVAL;
  }
  return put(dest, size, 0, src, count);
}

template <class C>
errno_t cat_n(C* dest, std::size_t size, const C* src, std::size_t count) {
  if (dest == nullptr || size == 0) return EINVAL;
  const std::size_t used = bounded_length(dest, size);
  if (used == size) {  // not terminated within its size
    dest[0] = 0;
    return EINVAL;
  }
  if (src == nullptr) {
    if (count == 0) return 0;
    dest[0] = 0;
    return EINVAL;
  }
  return put(dest, size, used, src, count);
}

int fold(int c) {
  return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}
std::wint_t fold(wchar_t c) {
  return std::towlower(static_cast<std::wint_t>(c));
}

template <class C>
int compare_folded(const C* a, const C* b, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const auto x = fold(a[i]);
    const auto y = fold(b[i]);
    if (x != y) return x < y ? -1 : 1;
    if (a[i] == 0) return 0;
  }
  return 0;
}

// _snprintf's rule: the whole text and its terminator if it fits, the text alone if exactly
// `count`, else the first `count` characters and -1.
template <class C>
int counted(C* buffer, std::size_t count, const std::basic_string<C>& text) {
  if (buffer == nullptr) return count == 0 && text.empty() ? 0 : -1;
  const std::size_t n = text.size();
  if (n <= count) {
    std::copy_n(text.data(), n, buffer);
    if (n < count) buffer[n] = 0;
    return static_cast<int>(n);
  }
  std::copy_n(text.data(), count, buffer);
  return -1;
}

// sprintf_s's rule: the whole text and its terminator, or "" and -1.
template <class C>
int bounded(C* buffer, std::size_t size, const std::basic_string<C>& text) {
  if (buffer == nullptr || size == 0) return -1;
  if (text.size() + 1 > size) {
    buffer[0] = 0;
    return -1;
  }
  std::copy_n(text.data(), text.size(), buffer);
  buffer[text.size()] = 0;
  return static_cast<int>(text.size());
}

// _snprintf_s's rule.
template <class C>
int counted_s(C* buffer, std::size_t size, std::size_t count, const std::basic_string<C>& text) {
  if (buffer == nullptr || size == 0) return -1;
  const std::size_t n = text.size();
  if (count == _TRUNCATE) {
    const std::size_t take = std::min(n, size - 1);
    std::copy_n(text.data(), take, buffer);
    buffer[take] = 0;
    return n < size ? static_cast<int>(n) : -1;
  }
  const std::size_t want = std::min(n, count);
  if (want + 1 > size) {
    buffer[0] = 0;
    return -1;
  }
  std::copy_n(text.data(), want, buffer);
  buffer[want] = 0;
  return n <= count ? static_cast<int>(n) : -1;
}

// The v-functions' work: `format` formatted in its width's dialect (format_crt) and stored by
// `rule` (counted or bounded); -1 for a NULL format.
template <class C>
int vprint(C* buffer, std::size_t n, const C* format, va_list args,
           int (*rule)(C*, std::size_t, const std::basic_string<C>&)) {
  if (format == nullptr) return -1;
  va_list copy;
  va_copy(copy, args);
  const std::basic_string<C> text = format_crt(format, copy);
  va_end(copy);
  return rule(buffer, n, text);
}

}  // namespace
}  // namespace ntemu::wdk

using namespace ntemu::wdk;  // NOLINT: the C functions below are this file's only content

errno_t strcpy_s(char* dest, size_t size, const char* src) {
  return copy_n(dest, size, src, src == nullptr ? 1 : std::strlen(src));
}
errno_t wcscpy_s(wchar_t* dest, size_t size, const wchar_t* src) {
  return copy_n(dest, size, src, src == nullptr ? 1 : std::wcslen(src));
}
errno_t strncpy_s(char* dest, size_t size, const char* src, size_t count) {
  return copy_n(dest, size, src, count);
}
errno_t wcsncpy_s(wchar_t* dest, size_t size, const wchar_t* src, size_t count) {
  return copy_n(dest, size, src, count);
}
errno_t strcat_s(char* dest, size_t size, const char* src) {
  return cat_n(dest, size, src, src == nullptr ? 1 : std::strlen(src));
}
errno_t wcscat_s(wchar_t* dest, size_t size, const wchar_t* src) {
  return cat_n(dest, size, src, src == nullptr ? 1 : std::wcslen(src));
}
errno_t strncat_s(char* dest, size_t size, const char* src, size_t count) {
  return cat_n(dest, size, src, count);
}
errno_t wcsncat_s(wchar_t* dest, size_t size, const wchar_t* src, size_t count) {
  return cat_n(dest, size, src, count);
}

errno_t memcpy_s(void* dest, size_t size, const void* src, size_t count) {
  if (count == 0) return 0;
  if (dest == nullptr) return EINVAL;
  if (src == nullptr) {
    std::memset(dest, 0, size);
    return EINVAL;
  }
  if (size < count) {
    std::memset(dest, 0, size);
    return ERANGE;
  }
  std::memcpy(dest, src, count);
  return 0;
}

errno_t memmove_s(void* dest, size_t size, const void* src, size_t count) {
  if (count == 0) return 0;
  if (dest == nullptr || src == nullptr) return EINVAL;
  if (size < count) return ERANGE;
  std::memmove(dest, src, count);
  return 0;
}

int _stricmp(const char* a, const char* b) {
  return compare_folded(a, b, static_cast<std::size_t>(-1));
}
int _strnicmp(const char* a, const char* b, size_t count) {
  return compare_folded(a, b, count);
}
int _wcsicmp(const wchar_t* a, const wchar_t* b) {
  return compare_folded(a, b, static_cast<std::size_t>(-1));
}
int _wcsnicmp(const wchar_t* a, const wchar_t* b, size_t count) {
  return compare_folded(a, b, count);
}

char* _strlwr(char* s) {
  for (char* p = s; p != nullptr && *p != 0; ++p)
    *p = static_cast<char>(fold(*p));
  return s;
}
char* _strupr(char* s) {
  for (char* p = s; p != nullptr && *p != 0; ++p) {
    if (*p >= 'a' && *p <= 'z') *p = static_cast<char>(*p - 'a' + 'A');
  }
  return s;
}
wchar_t* _wcslwr(wchar_t* s) {
  for (wchar_t* p = s; p != nullptr && *p != 0; ++p)
    *p = static_cast<wchar_t>(std::towlower(static_cast<std::wint_t>(*p)));
  return s;
}
wchar_t* _wcsupr(wchar_t* s) {
  for (wchar_t* p = s; p != nullptr && *p != 0; ++p)
    *p = static_cast<wchar_t>(std::towupper(static_cast<std::wint_t>(*p)));
  return s;
}

int _vsnprintf(char* buffer, size_t count, const char* format, va_list args) {
  return vprint(buffer, count, format, args, &counted<char>);
}
int _snprintf(char* buffer, size_t count, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int r = _vsnprintf(buffer, count, format, args);
  va_end(args);
  return r;
}
int _vsnwprintf(wchar_t* buffer, size_t count, const wchar_t* format, va_list args) {
  return vprint(buffer, count, format, args, &counted<wchar_t>);
}
int _snwprintf(wchar_t* buffer, size_t count, const wchar_t* format, ...) {
  va_list args;
  va_start(args, format);
  const int r = _vsnwprintf(buffer, count, format, args);
  va_end(args);
  return r;
}
int vsprintf_s(char* buffer, size_t size, const char* format, va_list args) {
  return vprint(buffer, size, format, args, &bounded<char>);
}
int sprintf_s(char* buffer, size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int r = vsprintf_s(buffer, size, format, args);
  va_end(args);
  return r;
}
int vswprintf_s(wchar_t* buffer, size_t size, const wchar_t* format, va_list args) {
  return vprint(buffer, size, format, args, &bounded<wchar_t>);
}
int swprintf_s(wchar_t* buffer, size_t size, const wchar_t* format, ...) {
  va_list args;
  va_start(args, format);
  const int r = vswprintf_s(buffer, size, format, args);
  va_end(args);
  return r;
}
int _snprintf_s(char* buffer, size_t size, size_t count, const char* format, ...) {
  if (format == nullptr) return -1;
  va_list args;
  va_start(args, format);
  const std::string text = format_crt(format, args);
  va_end(args);
  return counted_s(buffer, size, count, text);
}
int _snwprintf_s(wchar_t* buffer, size_t size, size_t count, const wchar_t* format, ...) {
  if (format == nullptr) return -1;
  va_list args;
  va_start(args, format);
  const std::wstring text = format_crt(format, args);
  va_end(args);
  return counted_s(buffer, size, count, text);
}
