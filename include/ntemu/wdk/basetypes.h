/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/basetypes.h: the WDK's base types (ntdef.h, basetsd.h): calling-convention and
 * linkage macros (empty), the basic types with their LLP64 sizes, the helper macros
 * (UNREFERENCED_PARAMETER, FIELD_OFFSET, C_ASSERT, min / max in C, ...), the page geometry and
 * the handle and pointer conversions (HandleToULong & co.).
 * Part of ntemu/wdk/ntdef.h, which includes it: drivers include <ntemu/wdk.h> (or the WDK's
 * own header names), never this file alone.
 */
#ifndef NTEMU_WDK_BASETYPES_H
#define NTEMU_WDK_BASETYPES_H

#include <stddef.h>
#include <stdint.h>

#include "ntemu/wdk/msvc.h"
#include "ntemu/wdk/sal.h"

/* --- calling conventions, linkage: no-ops ---------------------------------------------------- */
#ifndef NTAPI
#define NTAPI
#endif
#ifndef NTSYSAPI
#define NTSYSAPI
#endif
#ifndef NTKERNELAPI
#define NTKERNELAPI
#endif
#ifndef FASTCALL
#define FASTCALL
#endif
#ifndef DECLSPEC_IMPORT
#define DECLSPEC_IMPORT
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __fastcall
#define __fastcall
#endif
/* FORCEINLINE: as MSVC's __forceinline — always inlined, and in C not `static`, so that a
 * driver's `static FORCEINLINE` compiles. NTEMU_WDK_INLINE is this header family's own. */
#ifndef FORCEINLINE
#ifdef __cplusplus
#define FORCEINLINE inline
#else
#define FORCEINLINE __inline__ __attribute__((__always_inline__))
#endif
#endif
#ifdef __cplusplus
#define NTEMU_WDK_INLINE inline
#else
#define NTEMU_WDK_INLINE static inline
#endif
#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif
#ifdef __cplusplus
#define EXTERN_C_START extern "C" {
#define EXTERN_C_END }
#else
#define EXTERN_C_START
#define EXTERN_C_END
#endif
#ifdef __cplusplus
#define C_ASSERT(e) static_assert((e), #e)
#else
#define C_ASSERT(e) _Static_assert((e), #e)
#endif

/* --- basic types (LLP64 sizes) --------------------------------------------------------------- */
#ifndef VOID
#define VOID void
#endif
typedef void* PVOID;
typedef void* PVOID64;
typedef const void* PCVOID;
typedef char CHAR;
typedef signed char SCHAR;
typedef unsigned char UCHAR;
typedef short SHORT;
typedef unsigned short USHORT;
typedef int INT;
typedef unsigned int UINT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef int8_t INT8;
typedef int16_t INT16;
typedef int32_t INT32;
typedef int64_t INT64;
typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef int32_t LONG32;
typedef uint32_t ULONG32;
typedef int64_t LONG64;
typedef uint64_t ULONG64;
typedef uint32_t DWORD32;
typedef uint64_t DWORD64;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef intptr_t INT_PTR;
typedef uintptr_t UINT_PTR;
typedef uintptr_t DWORD_PTR;
typedef size_t SIZE_T;
typedef intptr_t SSIZE_T;
typedef UCHAR BOOLEAN;
typedef int BOOL;
typedef unsigned char BYTE;
typedef unsigned short WORD;
typedef uint32_t DWORD;
typedef float FLOAT;
typedef double DOUBLE;
typedef CHAR CCHAR;
typedef SHORT CSHORT;
typedef ULONG CLONG;
typedef ULONG LOGICAL;
typedef LONG KPRIORITY;
typedef ULONG_PTR KAFFINITY;
typedef LONG HRESULT;
typedef BOOLEAN* PBOOLEAN;
typedef BOOL* PBOOL;
typedef BOOL* LPBOOL;
typedef BYTE* PBYTE;
typedef BYTE* LPBYTE;
typedef WORD* PWORD;
typedef DWORD* PDWORD;
typedef DWORD* LPDWORD;
typedef UCHAR* PUCHAR;
typedef const UCHAR* PCUCHAR;
typedef USHORT* PUSHORT;
typedef SHORT* PSHORT;
typedef ULONG* PULONG;
typedef const ULONG* PCULONG;
typedef LONG* PLONG;
typedef INT* PINT;
typedef UINT* PUINT;
typedef LONGLONG* PLONGLONG;
typedef ULONGLONG* PULONGLONG;
typedef LONG64* PLONG64;
typedef ULONG64* PULONG64;
typedef DWORD64* PDWORD64;
typedef ULONG_PTR* PULONG_PTR;
typedef LONG_PTR* PLONG_PTR;
typedef SIZE_T* PSIZE_T;
typedef CCHAR* PCCHAR;
typedef CSHORT* PCSHORT;
typedef LOGICAL* PLOGICAL;
typedef KAFFINITY* PKAFFINITY;
typedef void* LPVOID;
typedef const void* LPCVOID;
typedef CHAR* PCHAR;
typedef CHAR* PCH;
typedef const CHAR* PCCH;
typedef CHAR* PSTR;
typedef CHAR* LPSTR;
typedef CHAR* PSZ;
typedef const CHAR* PCSTR;
typedef const CHAR* LPCSTR;
typedef const CHAR* PCSZ;
typedef wchar_t WCHAR; /* the host's wchar_t, so L"..." literals work (see <ntemu/wdk.h>) */
typedef WCHAR* PWCHAR;
typedef WCHAR* PWCH;
typedef const WCHAR* PCWCH;
typedef WCHAR* PWSTR;
typedef WCHAR* LPWSTR;
typedef WCHAR* PZZWSTR;
typedef const WCHAR* PCWSTR;
typedef const WCHAR* LPCWSTR;
typedef const WCHAR* PCZZWSTR;
typedef PVOID HANDLE;
typedef HANDLE* PHANDLE;
typedef LONG NTSTATUS;
typedef NTSTATUS* PNTSTATUS;
typedef ULONG ACCESS_MASK;
typedef ACCESS_MASK* PACCESS_MASK;
typedef PVOID PSECURITY_DESCRIPTOR;
typedef CCHAR KPROCESSOR_MODE;
typedef enum _MODE { KernelMode, UserMode, MaximumMode } MODE;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL 0
#endif
#define UNICODE_NULL ((WCHAR)0)
#define ANSI_NULL ((CHAR)0)
#define ANYSIZE_ARRAY 1

#define MINCHAR 0x80
#define MAXCHAR 0x7f
#define MINSHORT 0x8000
#define MAXSHORT 0x7fff
#define MINLONG 0x80000000
#define MAXLONG 0x7fffffff
#define MAXUCHAR 0xff
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffffU
#define MAXLONGLONG ((LONGLONG)0x7fffffffffffffffLL)
#define MAXULONGLONG ((ULONGLONG) ~((ULONGLONG)0))
#define MAXULONG_PTR (~((ULONG_PTR)0))
#define MAXLONG_PTR ((LONG_PTR)(MAXULONG_PTR >> 1))
#define MAXSIZE_T ((SIZE_T) ~((SIZE_T)0))
#define MAXSSIZE_T ((SSIZE_T)(MAXSIZE_T >> 1))
#define MAXDWORD 0xffffffffU
#define MAXWORD 0xffff
#define MAXBYTE 0xff

/* --- helper macros --------------------------------------------------------------------------- */
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define PAGED_CODE() ((void)0)
#define PAGED_CODE_LOCKED() ((void)0)
/* Through an integer, so that clang's -Wcast-align does not see a char* become a type*. */
#define CONTAINING_RECORD(address, type, field) \
  ((type*)((ULONG_PTR)(address)-offsetof(type, field)))
#ifdef __cplusplus
#define NTEMU_WDK_CAST(type, value) (static_cast<type>(value))
#define RTL_FIELD_SIZE(type, field) (sizeof(static_cast<type*>(nullptr)->field))
#else
#define NTEMU_WDK_CAST(type, value) ((type)(value))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type*)0)->field))
#endif
#define FIELD_OFFSET(type, field) NTEMU_WDK_CAST(LONG, offsetof(type, field))
#define UFIELD_OFFSET(type, field) NTEMU_WDK_CAST(ULONG, offsetof(type, field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field) (offsetof(type, field) + RTL_FIELD_SIZE(type, field))
#define RTL_CONTAINS_FIELD(Struct, Size, Field) \
  ((((PCHAR)(&(Struct)->Field)) + sizeof((Struct)->Field)) <= (((PCHAR)(Struct)) + (Size)))
#define RTL_NUMBER_OF(a) (sizeof(a) / sizeof((a)[0]))
#define RTL_NUMBER_OF_V1(a) RTL_NUMBER_OF(a)
#define RTL_NUMBER_OF_V2(a) RTL_NUMBER_OF(a)
#define ARRAYSIZE(a) RTL_NUMBER_OF(a)
#define _ARRAYSIZE(a) RTL_NUMBER_OF(a)
#define ARGUMENT_PRESENT(p) ((p) != NULL)
#define FlagOn(flags, flag) ((flags) & (flag))
#define BooleanFlagOn(flags, flag) ((BOOLEAN)(((flags) & (flag)) != 0))
#define SetFlag(flags, flag) ((flags) |= (flag))
#define ClearFlag(flags, flag) ((flags) &= ~(flag))
#define Add2Ptr(P, I) ((PVOID)((PUCHAR)(P) + (I)))
#define PtrOffset(B, O) ((ULONG)((ULONG_PTR)(O) - (ULONG_PTR)(B)))
#define ALIGN_DOWN_BY(length, alignment) ((ULONG_PTR)(length) & ~((ULONG_PTR)(alignment)-1))
#define ALIGN_UP_BY(length, alignment) \
  (ALIGN_DOWN_BY(((ULONG_PTR)(length) + (alignment)-1), alignment))
#define ALIGN_DOWN_POINTER_BY(address, alignment) ((PVOID)ALIGN_DOWN_BY(address, alignment))
#define ALIGN_UP_POINTER_BY(address, alignment) ((PVOID)ALIGN_UP_BY(address, alignment))
#define ALIGN_DOWN(length, type) ALIGN_DOWN_BY(length, sizeof(type))
#define ALIGN_UP(length, type) ALIGN_UP_BY(length, sizeof(type))
#define LOBYTE(w) ((BYTE)(((DWORD_PTR)(w)) & 0xff))
#define HIBYTE(w) ((BYTE)((((DWORD_PTR)(w)) >> 8) & 0xff))
#define LOWORD(l) ((WORD)(((DWORD_PTR)(l)) & 0xffff))
#define HIWORD(l) ((WORD)((((DWORD_PTR)(l)) >> 16) & 0xffff))
#define MAKEWORD(a, b) \
  ((WORD)(((BYTE)(((DWORD_PTR)(a)) & 0xff)) | ((WORD)((BYTE)(((DWORD_PTR)(b)) & 0xff))) << 8))
#define MAKELONG(a, b) \
  ((LONG)(((WORD)(((DWORD_PTR)(a)) & 0xffff)) | ((DWORD)((WORD)(((DWORD_PTR)(b)) & 0xffff))) << 16))
#ifndef __cplusplus
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif

/* Pages: the x86 / x64 geometry, 4 KiB. */
#define PAGE_SIZE 0x1000
#define PAGE_SHIFT 12L
#define PAGE_ALIGN(Va) ((PVOID)((ULONG_PTR)(Va) & ~((ULONG_PTR)PAGE_SIZE - 1)))
#define BYTE_OFFSET(Va) ((ULONG)((LONG_PTR)(Va) & (PAGE_SIZE - 1)))
#define ROUND_TO_PAGES(Size) (((ULONG_PTR)(Size) + PAGE_SIZE - 1) & ~((ULONG_PTR)PAGE_SIZE - 1))
#define BYTES_TO_PAGES(Size) (((Size) >> PAGE_SHIFT) + (((Size) & (PAGE_SIZE - 1)) != 0))
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size) \
  ((BYTE_OFFSET(Va) + ((SIZE_T)(Size)) + (PAGE_SIZE - 1)) >> PAGE_SHIFT)

/* --- handle and pointer conversions (basetsd.h; 64-bit hosts) ------------------------------ */
#ifdef __cplusplus
#define NTEMU_WDK_PTR_TO(T, I, p) static_cast<T>(reinterpret_cast<I>(p))
#define NTEMU_WDK_TO_PTR(I, v) reinterpret_cast<PVOID>(static_cast<I>(v))
#else
#define NTEMU_WDK_PTR_TO(T, I, p) ((T)(I)(p))
#define NTEMU_WDK_TO_PTR(I, v) ((PVOID)(I)(v))
#endif
NTEMU_WDK_INLINE ULONG HandleToULong(const void* h) {
  return NTEMU_WDK_PTR_TO(ULONG, ULONG_PTR, h);
}
NTEMU_WDK_INLINE LONG HandleToLong(const void* h) {
  return NTEMU_WDK_PTR_TO(LONG, LONG_PTR, h);
}
NTEMU_WDK_INLINE ULONG PtrToUlong(const void* p) {
  return NTEMU_WDK_PTR_TO(ULONG, ULONG_PTR, p);
}
NTEMU_WDK_INLINE UINT PtrToUint(const void* p) {
  return NTEMU_WDK_PTR_TO(UINT, ULONG_PTR, p);
}
NTEMU_WDK_INLINE USHORT PtrToUshort(const void* p) {
  return NTEMU_WDK_PTR_TO(USHORT, ULONG_PTR, p);
}
NTEMU_WDK_INLINE LONG PtrToLong(const void* p) {
  return NTEMU_WDK_PTR_TO(LONG, LONG_PTR, p);
}
NTEMU_WDK_INLINE INT PtrToInt(const void* p) {
  return NTEMU_WDK_PTR_TO(INT, LONG_PTR, p);
}
NTEMU_WDK_INLINE SHORT PtrToShort(const void* p) {
  return NTEMU_WDK_PTR_TO(SHORT, LONG_PTR, p);
}
NTEMU_WDK_INLINE HANDLE ULongToHandle(const ULONG v) {
  return NTEMU_WDK_TO_PTR(ULONG_PTR, v);
}
NTEMU_WDK_INLINE HANDLE LongToHandle(const LONG v) {
  return NTEMU_WDK_TO_PTR(LONG_PTR, v);
}
NTEMU_WDK_INLINE PVOID UlongToPtr(const ULONG v) {
  return NTEMU_WDK_TO_PTR(ULONG_PTR, v);
}
NTEMU_WDK_INLINE PVOID UintToPtr(const UINT v) {
  return NTEMU_WDK_TO_PTR(UINT_PTR, v);
}
NTEMU_WDK_INLINE PVOID LongToPtr(const LONG v) {
  return NTEMU_WDK_TO_PTR(LONG_PTR, v);
}
NTEMU_WDK_INLINE PVOID IntToPtr(const INT v) {
  return NTEMU_WDK_TO_PTR(INT_PTR, v);
}
NTEMU_WDK_INLINE PVOID ULongToPtr(const ULONG v) {
  return NTEMU_WDK_TO_PTR(ULONG_PTR, v);
}
#define UlongToHandle(ul) ULongToHandle(ul)
#define HandleToUlong(h) HandleToULong(h)
#define PtrToPtr64(p) ((void*)(p))
#define Ptr64ToPtr(p) ((void*)(p))
#define HandleToHandle64(h) (h)
#define Handle64ToHandle(h) (h)

#endif /* NTEMU_WDK_BASETYPES_H */
