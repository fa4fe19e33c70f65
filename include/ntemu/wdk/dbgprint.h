/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/dbgprint.h: debugger output — DbgPrint, DbgPrintEx, vDbgPrintEx, KdPrint and
 * KdPrintEx, with the WDK's format rules; each line goes to the harness's log and to the
 * trace. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_DBGPRINT_H
#define NTEMU_WDK_DBGPRINT_H

#include <stdarg.h>

#include "ntemu/wdk/ntdef.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Formatted with the WDK's meaning of the size prefixes (LLP64: %lu / %lx take a 32-bit ULONG,
 * %I64x / %llx 64 bits, %Iu / %zu / %td pointer-sized, %jd 64 bits), %ws / %ls / %S / %C wide
 * strings and characters, %wZ a PCUNICODE_STRING, %Z a PCANSI_STRING, %p the profile's pointer
 * width in upper-case hex. One trailing newline is dropped; the line goes to the harness's log
 * and to the trace as a `dbgprint` event. Not declared with the host's printf format
 * attribute, whose size rules differ (LP64). */
ULONG DbgPrint(PCSTR Format, ...);
ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);
ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list arglist);
ULONG vDbgPrintExWithPrefix(PCSTR Prefix, ULONG ComponentId, ULONG Level, PCSTR Format,
                            va_list arglist);

#ifdef __cplusplus
}
#endif

#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_MASK 0x80000000
#define DPFLTR_DEFAULT_ID 101
#define DPFLTR_IHVVIDEO_ID 75
#define DPFLTR_IHVAUDIO_ID 76
#define DPFLTR_IHVDRIVER_ID 77
#define DPFLTR_IHVNETWORK_ID 78
#define DPFLTR_IHVSTREAMING_ID 79
#define DPFLTR_IHVBUS_ID 80
/* As in the WDK: KdPrint / KdPrintEx print only in a checked build (DBG nonzero); in a free
 * build they compile to nothing and their arguments are not evaluated. */
#if DBG
#define KdPrint(args) ((void)DbgPrint args)
#define KdPrintEx(args) ((void)DbgPrintEx args)
#else
#define KdPrint(args) ((void)0)
#define KdPrintEx(args) ((void)0)
#endif

#endif /* NTEMU_WDK_DBGPRINT_H */
