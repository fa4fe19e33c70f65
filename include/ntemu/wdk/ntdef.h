/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ntdef.h: the WDK's base layer (ntdef.h, ntstatus.h, basetsd.h, the base of wdm.h):
 * calling-convention macros (empty), SAL annotations (ntemu/wdk/sal.h, empty) and Microsoft C
 * syntax (ntemu/wdk/msvc.h), the basic types with their LLP64 sizes, LARGE_INTEGER, GUID, the
 * counted strings (STRING / ANSI_STRING, UNICODE_STRING) and their constant initialisers,
 * OBJECT_ATTRIBUTES, IO_STATUS_BLOCK, the processor mode, access-mask bits, the handle and
 * pointer conversions, ASSERT / NT_ASSERT / NT_VERIFY, the NTSTATUS values and NT_SUCCESS.
 * Part of <ntemu/wdk.h>, which drivers include.
 *
 * DBG: as in the WDK, 1 in a checked (debug) build and 0 or undefined in a free one, where
 * ASSERT / NT_ASSERT check nothing and KdPrint / KdPrintEx compile to nothing. When the
 * driver's build does not define it, this header defines it as 0 (the free build); define
 * DBG=1 (ntemu_add_driver's CHECKED option) to test the checked build.
 */
#ifndef NTEMU_WDK_NTDEF_H
#define NTEMU_WDK_NTDEF_H

#include <stddef.h>
#include <stdint.h>

#include "ntemu/wdk/msvc.h"
#include "ntemu/wdk/sal.h"

#ifndef DBG
#define DBG 0
#endif

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

/* --- object attributes --------------------------------------------------------------------------
 */
typedef struct _OBJECT_ATTRIBUTES {
  ULONG Length;
  HANDLE RootDirectory;
  PUNICODE_STRING ObjectName;
  ULONG Attributes;
  PVOID SecurityDescriptor;
  PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef const OBJECT_ATTRIBUTES* PCOBJECT_ATTRIBUTES;
#define OBJ_INHERIT 0x00000002L
#define OBJ_PERMANENT 0x00000010L
#define OBJ_EXCLUSIVE 0x00000020L
#define OBJ_CASE_INSENSITIVE 0x00000040L
#define OBJ_OPENIF 0x00000080L
#define OBJ_OPENLINK 0x00000100L
#define OBJ_KERNEL_HANDLE 0x00000200L
#define OBJ_FORCE_ACCESS_CHECK 0x00000400L
#define OBJ_IGNORE_IMPERSONATED_DEVICEMAP 0x00000800L
#define OBJ_DONT_REPARSE 0x00001000L
#define OBJ_VALID_ATTRIBUTES 0x00001FF2L
#define InitializeObjectAttributes(p, n, a, r, s)             \
  {                                                           \
    (p)->Length = NTEMU_WDK_ULONG(sizeof(OBJECT_ATTRIBUTES)); \
    (p)->RootDirectory = (r);                                 \
    (p)->Attributes = NTEMU_WDK_ULONG(a);                     \
    (p)->ObjectName = (n);                                    \
    (p)->SecurityDescriptor = (s);                            \
    (p)->SecurityQualityOfService = NULL;                     \
  }
#define RTL_CONSTANT_OBJECT_ATTRIBUTES(n, a) \
  { sizeof(OBJECT_ATTRIBUTES), NULL, RTL_CONST_CAST(PUNICODE_STRING)(n), a, NULL, NULL }
#define RTL_CONST_CAST(type) (type)

/* --- access masks ------------------------------------------------------------------------------
 */
#define DELETE 0x00010000U
#define READ_CONTROL 0x00020000U
#define WRITE_DAC 0x00040000U
#define WRITE_OWNER 0x00080000U
#define SYNCHRONIZE 0x00100000U
#define STANDARD_RIGHTS_REQUIRED 0x000F0000U
#define STANDARD_RIGHTS_READ READ_CONTROL
#define STANDARD_RIGHTS_WRITE READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE READ_CONTROL
#define STANDARD_RIGHTS_ALL 0x001F0000U
#define SPECIFIC_RIGHTS_ALL 0x0000FFFFU
#define ACCESS_SYSTEM_SECURITY 0x01000000U
#define MAXIMUM_ALLOWED 0x02000000U
#define GENERIC_READ 0x80000000U
#define GENERIC_WRITE 0x40000000U
#define GENERIC_EXECUTE 0x20000000U
#define GENERIC_ALL 0x10000000U
#define PROCESS_TERMINATE 0x0001U
#define PROCESS_CREATE_THREAD 0x0002U
#define PROCESS_SET_SESSIONID 0x0004U
#define PROCESS_VM_OPERATION 0x0008U
#define PROCESS_VM_READ 0x0010U
#define PROCESS_VM_WRITE 0x0020U
#define PROCESS_DUP_HANDLE 0x0040U
#define PROCESS_CREATE_PROCESS 0x0080U
#define PROCESS_SET_QUOTA 0x0100U
#define PROCESS_SET_INFORMATION 0x0200U
#define PROCESS_QUERY_INFORMATION 0x0400U
#define PROCESS_SUSPEND_RESUME 0x0800U
#define PROCESS_QUERY_LIMITED_INFORMATION 0x1000U
#define PROCESS_SET_LIMITED_INFORMATION 0x2000U
#define PROCESS_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFFU)
#define THREAD_TERMINATE 0x0001U
#define THREAD_SUSPEND_RESUME 0x0002U
#define THREAD_ALERT 0x0004U
#define THREAD_GET_CONTEXT 0x0008U
#define THREAD_SET_CONTEXT 0x0010U
#define THREAD_SET_INFORMATION 0x0020U
#define THREAD_QUERY_INFORMATION 0x0040U
#define THREAD_SET_THREAD_TOKEN 0x0080U
#define THREAD_IMPERSONATE 0x0100U
#define THREAD_DIRECT_IMPERSONATION 0x0200U
#define THREAD_SET_LIMITED_INFORMATION 0x0400U
#define THREAD_QUERY_LIMITED_INFORMATION 0x0800U
#define THREAD_RESUME 0x1000U
#define THREAD_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFFU)

/* --- NTSTATUS values (ntstatus.h) ------------------------------------------------------------ */
#ifdef __cplusplus
extern "C++" {
constexpr NTSTATUS ntemu_wdk_status(uint32_t v) {
  return static_cast<NTSTATUS>(v);
}
#define NTEMU_WDK_STATUS(name, value) constexpr NTSTATUS name = ntemu_wdk_status(value##U);
inline constexpr bool NT_SUCCESS(NTSTATUS Status) {
  return Status >= 0;
}
inline constexpr bool NT_INFORMATION(NTSTATUS Status) {
  return (static_cast<ULONG>(Status) >> 30) == 1;
}
inline constexpr bool NT_WARNING(NTSTATUS Status) {
  return (static_cast<ULONG>(Status) >> 30) == 2;
}
inline constexpr bool NT_ERROR(NTSTATUS Status) {
  return (static_cast<ULONG>(Status) >> 30) == 3;
}
}  // extern "C++"
#else
#define NTEMU_WDK_STATUS(name, value)
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_WAIT_0 ((NTSTATUS)0x00000000L)
#define STATUS_WAIT_1 ((NTSTATUS)0x00000001L)
#define STATUS_ABANDONED ((NTSTATUS)0x00000080L)
#define STATUS_ABANDONED_WAIT_0 ((NTSTATUS)0x00000080L)
#define STATUS_USER_APC ((NTSTATUS)0x000000C0L)
#define STATUS_KERNEL_APC ((NTSTATUS)0x00000100L)
#define STATUS_ALERTED ((NTSTATUS)0x00000101L)
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102L)
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#define STATUS_REPARSE ((NTSTATUS)0x00000104L)
#define STATUS_MORE_ENTRIES ((NTSTATUS)0x00000105L)
#define STATUS_OBJECT_NAME_EXISTS ((NTSTATUS)0x40000000L)
#define STATUS_DATATYPE_MISALIGNMENT ((NTSTATUS)0x80000002L)
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L)
#define STATUS_NO_MORE_FILES ((NTSTATUS)0x80000006L)
#define STATUS_PARTIAL_COPY ((NTSTATUS)0x8000000DL)
#define STATUS_DEVICE_BUSY ((NTSTATUS)0x80000011L)
#define STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001AL)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#define STATUS_INVALID_INFO_CLASS ((NTSTATUS)0xC0000003L)
#define STATUS_INFO_LENGTH_MISMATCH ((NTSTATUS)0xC0000004L)
#define STATUS_ACCESS_VIOLATION ((NTSTATUS)0xC0000005L)
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L)
#define STATUS_INVALID_CID ((NTSTATUS)0xC000000BL)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NO_SUCH_DEVICE ((NTSTATUS)0xC000000EL)
#define STATUS_NO_SUCH_FILE ((NTSTATUS)0xC000000FL)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010L)
#define STATUS_END_OF_FILE ((NTSTATUS)0xC0000011L)
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023L)
#define STATUS_OBJECT_TYPE_MISMATCH ((NTSTATUS)0xC0000024L)
#define STATUS_INVALID_PARAMETER_MIX ((NTSTATUS)0xC0000030L)
#define STATUS_OBJECT_NAME_INVALID ((NTSTATUS)0xC0000033L)
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#define STATUS_OBJECT_NAME_COLLISION ((NTSTATUS)0xC0000035L)
#define STATUS_OBJECT_PATH_NOT_FOUND ((NTSTATUS)0xC000003AL)
#define STATUS_OBJECT_PATH_SYNTAX_BAD ((NTSTATUS)0xC000003BL)
#define STATUS_SHARING_VIOLATION ((NTSTATUS)0xC0000043L)
#define STATUS_THREAD_IS_TERMINATING ((NTSTATUS)0xC000004BL)
#define STATUS_DELETE_PENDING ((NTSTATUS)0xC0000056L)
#define STATUS_PRIVILEGE_NOT_HELD ((NTSTATUS)0xC0000061L)
#define STATUS_PROCEDURE_NOT_FOUND ((NTSTATUS)0xC000007AL)
#define STATUS_INVALID_IMAGE_FORMAT ((NTSTATUS)0xC000007BL)
#define STATUS_INTEGER_OVERFLOW ((NTSTATUS)0xC0000095L)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)
#define STATUS_DEVICE_NOT_READY ((NTSTATUS)0xC00000A3L)
#define STATUS_IO_TIMEOUT ((NTSTATUS)0xC00000B5L)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#define STATUS_DEVICE_DOES_NOT_EXIST ((NTSTATUS)0xC00000C0L)
#define STATUS_INTERNAL_ERROR ((NTSTATUS)0xC00000E5L)
#define STATUS_INVALID_USER_BUFFER ((NTSTATUS)0xC00000E8L)
#define STATUS_INVALID_PARAMETER_1 ((NTSTATUS)0xC00000EFL)
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0L)
#define STATUS_INVALID_PARAMETER_3 ((NTSTATUS)0xC00000F1L)
#define STATUS_INVALID_PARAMETER_4 ((NTSTATUS)0xC00000F2L)
#define STATUS_NAME_TOO_LONG ((NTSTATUS)0xC0000106L)
#define STATUS_PROCESS_IS_TERMINATING ((NTSTATUS)0xC000010AL)
#define STATUS_CANCELLED ((NTSTATUS)0xC0000120L)
#define STATUS_INVALID_ADDRESS ((NTSTATUS)0xC0000141L)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
#define STATUS_POSSIBLE_DEADLOCK ((NTSTATUS)0xC0000194L)
#define STATUS_INVALID_BUFFER_SIZE ((NTSTATUS)0xC0000206L)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
#define STATUS_ASSERTION_FAILURE ((NTSTATUS)0xC0000420L)
#define STATUS_ALREADY_REGISTERED ((NTSTATUS)0xC0000718L)
#endif
NTEMU_WDK_STATUS(STATUS_SUCCESS, 0x00000000)
NTEMU_WDK_STATUS(STATUS_WAIT_0, 0x00000000)
NTEMU_WDK_STATUS(STATUS_WAIT_1, 0x00000001)
NTEMU_WDK_STATUS(STATUS_ABANDONED, 0x00000080)
NTEMU_WDK_STATUS(STATUS_ABANDONED_WAIT_0, 0x00000080)
NTEMU_WDK_STATUS(STATUS_USER_APC, 0x000000C0)
NTEMU_WDK_STATUS(STATUS_KERNEL_APC, 0x00000100)
NTEMU_WDK_STATUS(STATUS_ALERTED, 0x00000101)
NTEMU_WDK_STATUS(STATUS_TIMEOUT, 0x00000102)
NTEMU_WDK_STATUS(STATUS_PENDING, 0x00000103)
NTEMU_WDK_STATUS(STATUS_REPARSE, 0x00000104)
NTEMU_WDK_STATUS(STATUS_MORE_ENTRIES, 0x00000105)
NTEMU_WDK_STATUS(STATUS_OBJECT_NAME_EXISTS, 0x40000000)
NTEMU_WDK_STATUS(STATUS_DATATYPE_MISALIGNMENT, 0x80000002)
NTEMU_WDK_STATUS(STATUS_BUFFER_OVERFLOW, 0x80000005)
NTEMU_WDK_STATUS(STATUS_NO_MORE_FILES, 0x80000006)
NTEMU_WDK_STATUS(STATUS_PARTIAL_COPY, 0x8000000D)
NTEMU_WDK_STATUS(STATUS_DEVICE_BUSY, 0x80000011)
NTEMU_WDK_STATUS(STATUS_NO_MORE_ENTRIES, 0x8000001A)
NTEMU_WDK_STATUS(STATUS_UNSUCCESSFUL, 0xC0000001)
NTEMU_WDK_STATUS(STATUS_NOT_IMPLEMENTED, 0xC0000002)
NTEMU_WDK_STATUS(STATUS_INVALID_INFO_CLASS, 0xC0000003)
NTEMU_WDK_STATUS(STATUS_INFO_LENGTH_MISMATCH, 0xC0000004)
NTEMU_WDK_STATUS(STATUS_ACCESS_VIOLATION, 0xC0000005)
NTEMU_WDK_STATUS(STATUS_INVALID_HANDLE, 0xC0000008)
NTEMU_WDK_STATUS(STATUS_INVALID_CID, 0xC000000B)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER, 0xC000000D)
NTEMU_WDK_STATUS(STATUS_NO_SUCH_DEVICE, 0xC000000E)
NTEMU_WDK_STATUS(STATUS_NO_SUCH_FILE, 0xC000000F)
NTEMU_WDK_STATUS(STATUS_INVALID_DEVICE_REQUEST, 0xC0000010)
NTEMU_WDK_STATUS(STATUS_END_OF_FILE, 0xC0000011)
NTEMU_WDK_STATUS(STATUS_NO_MEMORY, 0xC0000017)
NTEMU_WDK_STATUS(STATUS_ACCESS_DENIED, 0xC0000022)
NTEMU_WDK_STATUS(STATUS_BUFFER_TOO_SMALL, 0xC0000023)
NTEMU_WDK_STATUS(STATUS_OBJECT_TYPE_MISMATCH, 0xC0000024)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER_MIX, 0xC0000030)
NTEMU_WDK_STATUS(STATUS_OBJECT_NAME_INVALID, 0xC0000033)
NTEMU_WDK_STATUS(STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034)
NTEMU_WDK_STATUS(STATUS_OBJECT_NAME_COLLISION, 0xC0000035)
NTEMU_WDK_STATUS(STATUS_OBJECT_PATH_NOT_FOUND, 0xC000003A)
NTEMU_WDK_STATUS(STATUS_OBJECT_PATH_SYNTAX_BAD, 0xC000003B)
NTEMU_WDK_STATUS(STATUS_SHARING_VIOLATION, 0xC0000043)
NTEMU_WDK_STATUS(STATUS_THREAD_IS_TERMINATING, 0xC000004B)
NTEMU_WDK_STATUS(STATUS_DELETE_PENDING, 0xC0000056)
NTEMU_WDK_STATUS(STATUS_PRIVILEGE_NOT_HELD, 0xC0000061)
NTEMU_WDK_STATUS(STATUS_PROCEDURE_NOT_FOUND, 0xC000007A)
NTEMU_WDK_STATUS(STATUS_INVALID_IMAGE_FORMAT, 0xC000007B)
NTEMU_WDK_STATUS(STATUS_INTEGER_OVERFLOW, 0xC0000095)
NTEMU_WDK_STATUS(STATUS_INSUFFICIENT_RESOURCES, 0xC000009A)
NTEMU_WDK_STATUS(STATUS_DEVICE_NOT_READY, 0xC00000A3)
NTEMU_WDK_STATUS(STATUS_IO_TIMEOUT, 0xC00000B5)
NTEMU_WDK_STATUS(STATUS_NOT_SUPPORTED, 0xC00000BB)
NTEMU_WDK_STATUS(STATUS_DEVICE_DOES_NOT_EXIST, 0xC00000C0)
NTEMU_WDK_STATUS(STATUS_INTERNAL_ERROR, 0xC00000E5)
NTEMU_WDK_STATUS(STATUS_INVALID_USER_BUFFER, 0xC00000E8)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER_1, 0xC00000EF)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER_2, 0xC00000F0)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER_3, 0xC00000F1)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER_4, 0xC00000F2)
NTEMU_WDK_STATUS(STATUS_NAME_TOO_LONG, 0xC0000106)
NTEMU_WDK_STATUS(STATUS_PROCESS_IS_TERMINATING, 0xC000010A)
NTEMU_WDK_STATUS(STATUS_CANCELLED, 0xC0000120)
NTEMU_WDK_STATUS(STATUS_INVALID_ADDRESS, 0xC0000141)
NTEMU_WDK_STATUS(STATUS_INVALID_DEVICE_STATE, 0xC0000184)
NTEMU_WDK_STATUS(STATUS_POSSIBLE_DEADLOCK, 0xC0000194)
NTEMU_WDK_STATUS(STATUS_INVALID_BUFFER_SIZE, 0xC0000206)
NTEMU_WDK_STATUS(STATUS_NOT_FOUND, 0xC0000225)
NTEMU_WDK_STATUS(STATUS_ASSERTION_FAILURE, 0xC0000420)
NTEMU_WDK_STATUS(STATUS_ALREADY_REGISTERED, 0xC0000718)
#undef NTEMU_WDK_STATUS

/* --- assertions ------------------------------------------------------------------------------ */
#ifdef __cplusplus
extern "C" {
#endif
/* A failed ASSERT / NT_ASSERT (DBG builds): a `debug-break` finding naming the expression and
 * where it failed, then the driver goes on (the real machine stops in the debugger, or
 * bugchecks without one). RtlAssert is the documented export the WDK's ASSERT calls. */
VOID NtemuAssertFailed(PCSTR Expression, PCSTR File, ULONG Line, PCSTR Message);
VOID RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber,
               PSTR MutableMessage);
#ifdef __cplusplus
}
#endif
#if DBG
#define NTEMU_WDK_CHECK(exp, msg) \
  ((exp) ? TRUE : (NtemuAssertFailed(#exp, __FILE__, __LINE__, (msg)), FALSE))
#define ASSERT(exp) ((void)NTEMU_WDK_CHECK(exp, NULL))
#define ASSERTMSG(msg, exp) ((void)NTEMU_WDK_CHECK(exp, msg))
#define NT_ASSERT(exp) ((void)NTEMU_WDK_CHECK(exp, NULL))
#define NT_ASSERTMSG(msg, exp) ((void)NTEMU_WDK_CHECK(exp, msg))
#define NT_ASSERTMSGW(msg, exp) ((void)NTEMU_WDK_CHECK(exp, NULL))
#define NT_ASSERT_ACTION(exp) ((void)NTEMU_WDK_CHECK(exp, NULL))
#define NT_ASSERT_ASSUME(exp) ((void)NTEMU_WDK_CHECK(exp, NULL))
#define NT_VERIFY(exp) NTEMU_WDK_CHECK(exp, NULL)
#define NT_VERIFYMSG(msg, exp) NTEMU_WDK_CHECK(exp, msg)
#define NT_VERIFYMSGW(msg, exp) NTEMU_WDK_CHECK(exp, NULL)
#define RTL_SOFT_ASSERT(exp) ((void)NTEMU_WDK_CHECK(exp, NULL))
#define RTL_SOFT_ASSERTMSG(msg, exp) ((void)NTEMU_WDK_CHECK(exp, msg))
#else
#define ASSERT(exp) ((void)0)
#define ASSERTMSG(msg, exp) ((void)0)
#define NT_ASSERT(exp) ((void)0)
#define NT_ASSERTMSG(msg, exp) ((void)0)
#define NT_ASSERTMSGW(msg, exp) ((void)0)
#define NT_ASSERT_ACTION(exp) ((void)0)
#define NT_ASSERT_ASSUME(exp) ((void)0)
#define NT_VERIFY(exp) ((exp) ? TRUE : FALSE)
#define NT_VERIFYMSG(msg, exp) ((exp) ? TRUE : FALSE)
#define NT_VERIFYMSGW(msg, exp) ((exp) ? TRUE : FALSE)
#define RTL_SOFT_ASSERT(exp) ((void)0)
#define RTL_SOFT_ASSERTMSG(msg, exp) ((void)0)
#endif
#define NT_FRE_ASSERT(exp) ((void)NTEMU_WDK_CHECK_FRE(exp))
#define NTEMU_WDK_CHECK_FRE(exp) \
  ((exp) ? TRUE : (NtemuAssertFailed(#exp, __FILE__, __LINE__, NULL), FALSE))

#endif /* NTEMU_WDK_NTDEF_H */
