/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ntdef.h: the WDK's base layer (ntdef.h, ntstatus.h): calling-convention and SAL
 * annotation macros (all empty), the basic types with their LLP64 sizes, UNICODE_STRING, the
 * NTSTATUS values and NT_SUCCESS. Part of <ntemu/wdk.h>, which drivers include.
 */
#ifndef NTEMU_WDK_NTDEF_H
#define NTEMU_WDK_NTDEF_H

#include <stddef.h>
#include <stdint.h>

/* --- calling conventions, linkage and SAL annotations: no-ops ------------------------------ */
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
#ifndef FORCEINLINE
#ifdef __cplusplus
#define FORCEINLINE inline
#else
#define FORCEINLINE static inline
#endif
#endif
#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif

#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_z_
#define _Printf_format_string_
#define _Outptr_
#define _Outptr_opt_
#define _Must_inspect_result_
#define _Check_return_
#define _Success_(expr)
#define _Use_decl_annotations_
#define _Function_class_(name)
#define _IRQL_requires_(irql)
#define _IRQL_requires_max_(irql)
#define _IRQL_requires_min_(irql)
#define _IRQL_requires_same_
#define _IRQL_raises_(irql)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(kind, param)
#define _IRQL_restores_global_(kind, param)
#define _Requires_lock_held_(lock)
#define _Requires_lock_not_held_(lock)
#define _Acquires_lock_(lock)
#define _Releases_lock_(lock)
#define _Guarded_by_(lock)
#define _Dispatch_type_(type)
#define _When_(expr, annotation)
#define _In_reads_(size)
#define _In_reads_bytes_(size)
#define _Out_writes_(size)
#define _Out_writes_bytes_(size)
#define _Out_writes_bytes_all_(size)
#define _Post_writable_byte_size_(size)
#define _Ret_maybenull_
#define _Frees_ptr_(p)
#define _Frees_ptr_opt_
#define _Analysis_assume_(expr)
#define _Field_size_(size)
#define _Field_size_bytes_(size)
#define __drv_allocatesMem(kind)
#define __drv_freesMem(kind)
#define __drv_aliasesMem
#define __drv_maxIRQL(irql)
#define __drv_requiresIRQL(irql)

/* --- basic types (LLP64 sizes) --------------------------------------------------------------- */
#ifndef VOID
#define VOID void
#endif
typedef void* PVOID;
typedef char CHAR;
typedef unsigned char UCHAR;
typedef short SHORT;
typedef unsigned short USHORT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t ULONG64;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef size_t SIZE_T;
typedef UCHAR BOOLEAN;
typedef BOOLEAN* PBOOLEAN;
typedef UCHAR* PUCHAR;
typedef USHORT* PUSHORT;
typedef ULONG* PULONG;
typedef LONG* PLONG;
typedef ULONG_PTR* PULONG_PTR;
typedef SIZE_T* PSIZE_T;
typedef CHAR* PCHAR;
typedef CHAR* PSTR;
typedef const CHAR* PCSTR;
typedef wchar_t WCHAR; /* the host's wchar_t, so L"..." literals work (see <ntemu/wdk.h>) */
typedef WCHAR* PWCHAR;
typedef WCHAR* PWSTR;
typedef const WCHAR* PCWSTR;
typedef PVOID HANDLE;
typedef HANDLE* PHANDLE;
typedef LONG NTSTATUS;
typedef ULONG ACCESS_MASK;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL 0
#endif

#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define PAGED_CODE() ((void)0)
/* Through void*: the record is as aligned as its type, and clang's -Wcast-align (which GCC's
   checks only on strict-alignment targets) would otherwise flag every use. */
#define CONTAINING_RECORD(address, type, field) \
  ((type*)(void*)((PCHAR)(address)-offsetof(type, field)))

/* --- counted strings ------------------------------------------------------------------------- */
typedef struct _UNICODE_STRING {
  USHORT Length;        /* in bytes, without a terminator */
  USHORT MaximumLength; /* in bytes */
  PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING* PCUNICODE_STRING;

/* --- NTSTATUS values (ntstatus.h) ------------------------------------------------------------ */
#ifdef __cplusplus
constexpr NTSTATUS ntemu_wdk_status(uint32_t v) {
  return static_cast<NTSTATUS>(v);
}
#define NTEMU_WDK_STATUS(name, value) constexpr NTSTATUS name = ntemu_wdk_status(value##U);
inline constexpr bool NT_SUCCESS(NTSTATUS Status) {
  return Status >= 0;
}
#else
#define NTEMU_WDK_STATUS(name, value)
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L)
#define STATUS_INVALID_CID ((NTSTATUS)0xC000000BL)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#define STATUS_THREAD_IS_TERMINATING ((NTSTATUS)0xC000004BL)
#define STATUS_PROCEDURE_NOT_FOUND ((NTSTATUS)0xC000007AL)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#define STATUS_PROCESS_IS_TERMINATING ((NTSTATUS)0xC000010AL)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
#define STATUS_POSSIBLE_DEADLOCK ((NTSTATUS)0xC0000194L)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
#endif
NTEMU_WDK_STATUS(STATUS_SUCCESS, 0x00000000)
NTEMU_WDK_STATUS(STATUS_PENDING, 0x00000103)
NTEMU_WDK_STATUS(STATUS_UNSUCCESSFUL, 0xC0000001)
NTEMU_WDK_STATUS(STATUS_NOT_IMPLEMENTED, 0xC0000002)
NTEMU_WDK_STATUS(STATUS_INVALID_HANDLE, 0xC0000008)
NTEMU_WDK_STATUS(STATUS_INVALID_CID, 0xC000000B)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER, 0xC000000D)
NTEMU_WDK_STATUS(STATUS_NO_MEMORY, 0xC0000017)
NTEMU_WDK_STATUS(STATUS_ACCESS_DENIED, 0xC0000022)
NTEMU_WDK_STATUS(STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034)
NTEMU_WDK_STATUS(STATUS_THREAD_IS_TERMINATING, 0xC000004B)
NTEMU_WDK_STATUS(STATUS_PROCEDURE_NOT_FOUND, 0xC000007A)
NTEMU_WDK_STATUS(STATUS_INSUFFICIENT_RESOURCES, 0xC000009A)
NTEMU_WDK_STATUS(STATUS_NOT_SUPPORTED, 0xC00000BB)
NTEMU_WDK_STATUS(STATUS_PROCESS_IS_TERMINATING, 0xC000010A)
NTEMU_WDK_STATUS(STATUS_INVALID_DEVICE_STATE, 0xC0000184)
NTEMU_WDK_STATUS(STATUS_POSSIBLE_DEADLOCK, 0xC0000194)
NTEMU_WDK_STATUS(STATUS_NOT_FOUND, 0xC0000225)
#undef NTEMU_WDK_STATUS

#endif /* NTEMU_WDK_NTDEF_H */
