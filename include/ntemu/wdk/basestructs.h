/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/basestructs.h: the WDK's base structures (ntdef.h, guiddef.h, the base of wdm.h):
 * LARGE_INTEGER / ULARGE_INTEGER, IO_STATUS_BLOCK, GUID and DEFINE_GUID, the counted strings
 * (STRING / ANSI_STRING, UNICODE_STRING) and their constant initialisers.
 * Part of ntemu/wdk/ntdef.h, which includes it: drivers include <ntemu/wdk.h> (or the WDK's
 * own header names), never this file alone.
 */
#ifndef NTEMU_WDK_BASESTRUCTS_H
#define NTEMU_WDK_BASESTRUCTS_H

#include "ntemu/wdk/basetypes.h"

/* --- 64-bit integers, GUID, counted strings -------------------------------------------------- */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnested-anon-types"
#pragma clang diagnostic ignored "-Wgnu-anonymous-struct"
#endif
#if defined(__GNUC__)
#define NTEMU_WDK_ANON __extension__
#else
#define NTEMU_WDK_ANON
#endif
typedef union _LARGE_INTEGER {
  NTEMU_WDK_ANON struct {
    ULONG LowPart;
    LONG HighPart;
  };
  struct {
    ULONG LowPart;
    LONG HighPart;
  } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
typedef union _ULARGE_INTEGER {
  NTEMU_WDK_ANON struct {
    ULONG LowPart;
    ULONG HighPart;
  };
  struct {
    ULONG LowPart;
    ULONG HighPart;
  } u;
  ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;
typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

/* IO_STATUS_BLOCK: what an I/O request ended with (Information: bytes transferred). */
typedef struct _IO_STATUS_BLOCK {
  NTEMU_WDK_ANON union {
    NTSTATUS Status;
    PVOID Pointer;
  };
  ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

typedef struct _GUID {
  ULONG Data1;
  USHORT Data2;
  USHORT Data3;
  UCHAR Data4[8];
} GUID, *PGUID, *LPGUID;
typedef const GUID* LPCGUID;
typedef const GUID* PCGUID;
#ifdef __cplusplus
#define NTEMU_WDK_GUID_STORAGE extern "C"
#else
#define NTEMU_WDK_GUID_STORAGE
#endif
#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
  NTEMU_WDK_GUID_STORAGE const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) EXTERN_C const GUID name
#endif

/* STRING / ANSI_STRING: Length and MaximumLength in bytes; UNICODE_STRING: in bytes too, of
 * WCHARs (4 bytes each on Linux). */
typedef struct _STRING {
  USHORT Length;
  USHORT MaximumLength;
  PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING, OEM_STRING, *POEM_STRING;
typedef const STRING* PCSTRING;
typedef const ANSI_STRING* PCANSI_STRING;
typedef const OEM_STRING* PCOEM_STRING;
typedef struct _UNICODE_STRING {
  USHORT Length;        /* in bytes, without a terminator */
  USHORT MaximumLength; /* in bytes */
  PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING* PCUNICODE_STRING;
#define UNICODE_STRING_MAX_BYTES ((USHORT)65534)
#define UNICODE_STRING_MAX_CHARS (32767)

/* Constant initialisers for a string literal (L"..." or "..."). */
#ifdef __cplusplus
/* extern "C++": drivers often include <ntddk.h> inside an extern "C" block. */
extern "C++" {
constexpr PWCH ntemu_wdk_mutable(const WCHAR* s) {
  return const_cast<PWCH>(s);
}
constexpr PCHAR ntemu_wdk_mutable(const CHAR* s) {
  return const_cast<PCHAR>(s);
}
}
#define RTL_CONSTANT_STRING(s)                                                       \
  {                                                                                  \
    static_cast<USHORT>(sizeof(s) - sizeof((s)[0])), static_cast<USHORT>(sizeof(s)), \
        ntemu_wdk_mutable(s)                                                         \
  }
#define DECLARE_CONST_UNICODE_STRING(_var, _string)                                  \
  const WCHAR _var##_buffer[] = _string;                                             \
  const UNICODE_STRING _var = {static_cast<USHORT>(sizeof(_string) - sizeof(WCHAR)), \
                               static_cast<USHORT>(sizeof(_string)),                 \
                               ntemu_wdk_mutable(_var##_buffer)}
#define DECLARE_UNICODE_STRING_SIZE(_var, _size) \
  WCHAR _var##_buffer[_size];                    \
  UNICODE_STRING _var = {0, static_cast<USHORT>((_size) * sizeof(WCHAR)), _var##_buffer}
#else
#define RTL_CONSTANT_STRING(s) \
  { (USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), (void*)(s) }
#define DECLARE_CONST_UNICODE_STRING(_var, _string)                                                \
  const WCHAR _var##_buffer[] = _string;                                                           \
  const UNICODE_STRING _var = {(USHORT)(sizeof(_string) - sizeof(WCHAR)), (USHORT)sizeof(_string), \
                               (PWCH)_var##_buffer}
#define DECLARE_UNICODE_STRING_SIZE(_var, _size) \
  WCHAR _var##_buffer[_size];                    \
  UNICODE_STRING _var = {0, (USHORT)((_size) * sizeof(WCHAR)), _var##_buffer}
#endif
#define DECLARE_GLOBAL_CONST_UNICODE_STRING(_var, _str) \
  extern const UNICODE_STRING _var;                     \
  DECLARE_CONST_UNICODE_STRING(_var, _str)

#ifdef __cplusplus
#define NTEMU_WDK_ULONG(x) static_cast<ULONG>(x)
#else
#define NTEMU_WDK_ULONG(x) ((ULONG)(x))
#endif

#endif /* NTEMU_WDK_BASESTRUCTS_H */
