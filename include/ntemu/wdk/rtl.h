/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/rtl.h: the run-time library — the memory macros (RtlZeroMemory, RtlCopyMemory,
 * ..., RtlCompareMemory), the counted strings (RtlInit*String, RtlCopyUnicodeString,
 * RtlAppendUnicode*, RtlCompare / Equal / PrefixUnicodeString, case mapping, ANSI <-> Unicode
 * conversion with RtlFree*String, integer <-> string) and the safe integer arithmetic of
 * ntintsafe.h (RtlULongAdd, RtlSizeTMult, ...). Part of <ntemu/wdk.h>.
 *
 * The ANSI code page is Latin-1: a byte is the code point of the same value, and a character
 * above 0xFF converts to '?'. Strings the functions allocate (AllocateDestinationString TRUE)
 * come from the tracked pool with tag 'Strg': one never freed with RtlFree*String is a
 * `pool-leak` at unload.
 */
#ifndef NTEMU_WDK_RTL_H
#define NTEMU_WDK_RTL_H

#include <string.h>

#include "ntemu/wdk/ntdef.h"

#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlSecureZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))
#define RtlCopyBytes RtlCopyMemory
#define RtlZeroBytes RtlZeroMemory
#define RtlFillBytes RtlFillMemory

#ifdef __cplusplus
extern "C" {
#endif

/* The number of leading bytes that match. */
SIZE_T RtlCompareMemory(const VOID* Source1, const VOID* Source2, SIZE_T Length);

/* --- counted strings ------------------------------------------------------------------------- */
VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
/* STATUS_NAME_TOO_LONG when the string does not fit a UNICODE_STRING. */
NTSTATUS RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString, PCWSTR SourceString);
VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString);
VOID RtlInitString(PSTRING DestinationString, PCSTR SourceString);
NTEMU_WDK_INLINE VOID RtlInitEmptyUnicodeString(PUNICODE_STRING UnicodeString, PWCHAR Buffer,
                                                USHORT BufferSize) {
  UnicodeString->Length = 0;
  UnicodeString->MaximumLength = BufferSize;
  UnicodeString->Buffer = Buffer;
}
NTEMU_WDK_INLINE VOID RtlInitEmptyAnsiString(PANSI_STRING AnsiString, PCHAR Buffer,
                                             USHORT BufferSize) {
  AnsiString->Length = 0;
  AnsiString->MaximumLength = BufferSize;
  AnsiString->Buffer = Buffer;
}
/* Copies as much as fits; terminates when there is room. A NULL source empties the target. */
VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString);
VOID RtlCopyString(PSTRING DestinationString, const STRING* SourceString);
/* STATUS_BUFFER_TOO_SMALL, changing nothing, when the result would not fit. */
NTSTATUS RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source);
NTSTATUS RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source);
BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive);
BOOLEAN RtlEqualString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive);
LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                             BOOLEAN CaseInSensitive);
LONG RtlCompareString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive);
/* Whether String1 is a prefix of String2. */
BOOLEAN RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                               BOOLEAN CaseInSensitive);
BOOLEAN RtlPrefixString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive);
WCHAR RtlUpcaseUnicodeChar(WCHAR SourceCharacter);
WCHAR RtlDowncaseUnicodeChar(WCHAR SourceCharacter);
CHAR RtlUpperChar(CHAR Character);
NTSTATUS RtlUpcaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                                BOOLEAN AllocateDestinationString);
NTSTATUS RtlDowncaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                                  BOOLEAN AllocateDestinationString);
NTSTATUS RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
                                      BOOLEAN AllocateDestinationString);
NTSTATUS RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
                                      BOOLEAN AllocateDestinationString);
ULONG RtlxAnsiStringToUnicodeSize(PCANSI_STRING AnsiString);
ULONG RtlxUnicodeStringToAnsiSize(PCUNICODE_STRING UnicodeString);
#define RtlAnsiStringToUnicodeSize(s) RtlxAnsiStringToUnicodeSize(s)
#define RtlUnicodeStringToAnsiSize(s) RtlxUnicodeStringToAnsiSize(s)
/* A copy in pool ('Strg'); RtlFreeUnicodeString frees it. */
NTSTATUS RtlDuplicateUnicodeString(ULONG Flags, PCUNICODE_STRING StringIn,
                                   PUNICODE_STRING StringOut);
#define RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE 1
#define RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING 2
BOOLEAN RtlCreateUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
VOID RtlFreeUnicodeString(PUNICODE_STRING UnicodeString);
VOID RtlFreeAnsiString(PANSI_STRING AnsiString);

/* --- integers and strings ------------------------------------------------------------------ */
/* Base 0 reads a 0x / 0o / 0b prefix (else decimal); 2, 8, 10, 16 are accepted. Leading blanks
 * and a sign are allowed; conversion stops at the first character that is no digit. */
NTSTATUS RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value);
NTSTATUS RtlCharToInteger(PCSZ String, ULONG Base, PULONG Value);
NTSTATUS RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String);
NTSTATUS RtlInt64ToUnicodeString(ULONGLONG Value, ULONG Base, PUNICODE_STRING String);
NTSTATUS RtlIntegerToChar(ULONG Value, ULONG Base, LONG OutputLength, PSZ String);

/* --- the running version (the current profile's) ------------------------------------------------
 */
typedef struct _OSVERSIONINFOW {
  ULONG dwOSVersionInfoSize;
  ULONG dwMajorVersion;
  ULONG dwMinorVersion;
  ULONG dwBuildNumber;
  ULONG dwPlatformId;
  WCHAR szCSDVersion[128];
} OSVERSIONINFOW, *POSVERSIONINFOW, RTL_OSVERSIONINFOW, *PRTL_OSVERSIONINFOW;
typedef struct _OSVERSIONINFOEXW {
  ULONG dwOSVersionInfoSize;
  ULONG dwMajorVersion;
  ULONG dwMinorVersion;
  ULONG dwBuildNumber;
  ULONG dwPlatformId;
  WCHAR szCSDVersion[128];
  USHORT wServicePackMajor;
  USHORT wServicePackMinor;
  USHORT wSuiteMask;
  UCHAR wProductType;
  UCHAR wReserved;
} OSVERSIONINFOEXW, *POSVERSIONINFOEXW, RTL_OSVERSIONINFOEXW, *PRTL_OSVERSIONINFOEXW;
#define VER_NT_WORKSTATION 0x0000001
#define VER_NT_DOMAIN_CONTROLLER 0x0000002
#define VER_NT_SERVER 0x0000003
#define VER_PLATFORM_WIN32_NT 2
/* win2000 5.0.2195, xp 5.1.2600, server2003 5.2.3790, vista 6.0.6001 (SP1, which has
 * PsSetCreateProcessNotifyRoutineEx); STATUS_INVALID_PARAMETER for an unknown size,
 * STATUS_INVALID_DEVICE_STATE with no current kernel. */
NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation);
/* The same numbers; FALSE: a free build. */
BOOLEAN PsGetVersion(PULONG MajorVersion, PULONG MinorVersion, PULONG BuildNumber,
                     PUNICODE_STRING CSDVersion);
/* WDM 1.10 on win2000, 1.20 on xp, 1.30 on server2003, 6.00 on vista. */
BOOLEAN IoIsWdmVersionAvailable(UCHAR MajorVersion, UCHAR MinorVersion);

#ifdef __cplusplus
}
#endif

/* --- safe integer arithmetic (ntintsafe.h) --------------------------------------------------- */
#define NTEMU_WDK_INTSAFE(name, T)                                                     \
  NTEMU_WDK_INLINE NTSTATUS Rtl##name##Add(T Augend, T Addend, T* Result) {            \
    if (__builtin_add_overflow(Augend, Addend, Result)) {                              \
      *Result = 0;                                                                     \
      return STATUS_INTEGER_OVERFLOW;                                                  \
    }                                                                                  \
    return STATUS_SUCCESS;                                                             \
  }                                                                                    \
  NTEMU_WDK_INLINE NTSTATUS Rtl##name##Sub(T Minuend, T Subtrahend, T* Result) {       \
    if (__builtin_sub_overflow(Minuend, Subtrahend, Result)) {                         \
      *Result = 0;                                                                     \
      return STATUS_INTEGER_OVERFLOW;                                                  \
    }                                                                                  \
    return STATUS_SUCCESS;                                                             \
  }                                                                                    \
  NTEMU_WDK_INLINE NTSTATUS Rtl##name##Mult(T Multiplicand, T Multiplier, T* Result) { \
    if (__builtin_mul_overflow(Multiplicand, Multiplier, Result)) {                    \
      *Result = 0;                                                                     \
      return STATUS_INTEGER_OVERFLOW;                                                  \
    }                                                                                  \
    return STATUS_SUCCESS;                                                             \
  }
NTEMU_WDK_INTSAFE(UShort, USHORT)
NTEMU_WDK_INTSAFE(ULong, ULONG)
NTEMU_WDK_INTSAFE(ULongLong, ULONGLONG)
NTEMU_WDK_INTSAFE(SizeT, SIZE_T)
NTEMU_WDK_INTSAFE(ULongPtr, ULONG_PTR)
NTEMU_WDK_INTSAFE(Long, LONG)
NTEMU_WDK_INTSAFE(LongLong, LONGLONG)
NTEMU_WDK_INTSAFE(Int, INT)
NTEMU_WDK_INTSAFE(UInt, UINT)
#undef NTEMU_WDK_INTSAFE
#define RtlDWordAdd RtlULongAdd
#define RtlDWordMult RtlULongMult
#define RtlDWordSub RtlULongSub
#define RtlDWordPtrAdd RtlULongPtrAdd
#define RtlDWordPtrMult RtlULongPtrMult

#endif /* NTEMU_WDK_RTL_H */
