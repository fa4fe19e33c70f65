/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/crt.h: the C run-time library of the kernel, as <ntddk.h> makes it visible — the
 * host's <string.h>, <wchar.h>, <stdarg.h> and <ctype.h> / <wctype.h>, and the Microsoft
 * functions glibc lacks, implemented by ntemu: the bounds-checked copies and concatenations
 * (strcpy_s, wcscpy_s, wcsncpy_s, wcscat_s, ... with _TRUNCATE), the case-insensitive
 * comparisons (_stricmp, _wcsicmp, _strnicmp, _wcsnicmp) and the counted printf family
 * (_snprintf, _vsnprintf, _snwprintf, _vsnwprintf, sprintf_s, swprintf_s, ...).
 *
 * The printf family formats with the WDK's rules (ntemu's one formatter, the DbgPrint one):
 * LLP64 sizes (%lu is a 32-bit ULONG), %ws / %wZ / %Z, and in the wide functions %s is a wide
 * string and %S / %hs a narrow one, as Microsoft's CRT reads them. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_CRT_H
#define NTEMU_WDK_CRT_H

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "ntemu/wdk/ntdef.h"

#ifndef _ERRNO_T_DEFINED
#define _ERRNO_T_DEFINED
typedef int errno_t;
#endif
#ifndef _TRUNCATE
#ifdef __cplusplus
#define _TRUNCATE (static_cast<size_t>(-1))
#else
#define _TRUNCATE ((size_t)-1)
#endif
#endif
#ifndef STRUNCATE
#define STRUNCATE 80
#endif
#ifndef _countof
#define _countof(a) (sizeof(a) / sizeof((a)[0]))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds-checked copies (Microsoft's semantics): 0 on success; EINVAL for a NULL destination,
 * a zero size or a NULL source (the destination, when there is one, is made ""); ERANGE when
 * the result does not fit (the destination is made ""), unless the count is _TRUNCATE: then
 * as much as fits is copied, terminated, and STRUNCATE returned. */
errno_t strcpy_s(char* dest, size_t size, const char* src);
errno_t wcscpy_s(wchar_t* dest, size_t size, const wchar_t* src);
errno_t strncpy_s(char* dest, size_t size, const char* src, size_t count);
errno_t wcsncpy_s(wchar_t* dest, size_t size, const wchar_t* src, size_t count);
errno_t strcat_s(char* dest, size_t size, const char* src);
errno_t wcscat_s(wchar_t* dest, size_t size, const wchar_t* src);
errno_t strncat_s(char* dest, size_t size, const char* src, size_t count);
errno_t wcsncat_s(wchar_t* dest, size_t size, const wchar_t* src, size_t count);
errno_t memcpy_s(void* dest, size_t size, const void* src, size_t count);
errno_t memmove_s(void* dest, size_t size, const void* src, size_t count);

/* Case-insensitive comparisons (ASCII / the host's towlower for wide characters). */
int _stricmp(const char* a, const char* b);
int _strnicmp(const char* a, const char* b, size_t count);
int _wcsicmp(const wchar_t* a, const wchar_t* b);
int _wcsnicmp(const wchar_t* a, const wchar_t* b, size_t count);
char* _strlwr(char* s);
char* _strupr(char* s);
wchar_t* _wcslwr(wchar_t* s);
wchar_t* _wcsupr(wchar_t* s);

/* Counted printf: the number of characters written (without the terminator) when the result
 * fits in `count`, terminated if there is room; -1 when it does not (the first `count`
 * characters are written, unterminated), as Microsoft's _snprintf. */
int _snprintf(char* buffer, size_t count, const char* format, ...);
int _vsnprintf(char* buffer, size_t count, const char* format, va_list args);
int _snwprintf(wchar_t* buffer, size_t count, const wchar_t* format, ...);
int _vsnwprintf(wchar_t* buffer, size_t count, const wchar_t* format, va_list args);
/* Bounded printf: the number written; -1 (and buffer "" ) when it does not fit. */
int sprintf_s(char* buffer, size_t size, const char* format, ...);
int swprintf_s(wchar_t* buffer, size_t size, const wchar_t* format, ...);
int vsprintf_s(char* buffer, size_t size, const char* format, va_list args);
int vswprintf_s(wchar_t* buffer, size_t size, const wchar_t* format, va_list args);
/* As _snprintf, with _TRUNCATE as count allowed: truncates, terminates and returns -1. */
int _snprintf_s(char* buffer, size_t size, size_t count, const char* format, ...);
int _snwprintf_s(wchar_t* buffer, size_t size, size_t count, const wchar_t* format, ...);

#ifdef __cplusplus
}

/* Microsoft's size-inferring C++ overloads, for arrays. */
extern "C++" {
template <size_t N>
inline errno_t strcpy_s(char (&dest)[N], const char* src) {
  return strcpy_s(dest, N, src);
}
template <size_t N>
inline errno_t wcscpy_s(wchar_t (&dest)[N], const wchar_t* src) {
  return wcscpy_s(dest, N, src);
}
template <size_t N>
inline errno_t strcat_s(char (&dest)[N], const char* src) {
  return strcat_s(dest, N, src);
}
template <size_t N>
inline errno_t wcscat_s(wchar_t (&dest)[N], const wchar_t* src) {
  return wcscat_s(dest, N, src);
}
template <size_t N>
inline errno_t strncpy_s(char (&dest)[N], const char* src, size_t count) {
  return strncpy_s(dest, N, src, count);
}
template <size_t N>
inline errno_t wcsncpy_s(wchar_t (&dest)[N], const wchar_t* src, size_t count) {
  return wcsncpy_s(dest, N, src, count);
}
}  // extern "C++"
#endif

#endif /* NTEMU_WDK_CRT_H */
