/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/dbgprint.h: debugger output — DbgPrint, DbgPrintEx and KdPrint, with the WDK's
 * format rules; each line goes to the harness's log and to the trace. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_DBGPRINT_H
#define NTEMU_WDK_DBGPRINT_H

#include "ntemu/wdk/ntdef.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Formatted with the WDK's meaning of the size prefixes (LLP64: %lu / %lx take a 32-bit ULONG,
 * %I64x / %llx 64 bits, %Iu / %zu pointer-sized), %ws / %ls / %S wide strings, %wZ a
 * PCUNICODE_STRING, %p the profile's pointer width in upper-case hex. One trailing newline is
 * dropped; the line goes to the harness's log and to the trace as a `dbgprint` event. Not
 * declared with the host's printf format attribute, whose size rules differ (LP64). */
ULONG DbgPrint(PCSTR Format, ...);
ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);

#ifdef __cplusplus
}
#endif

#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_IHVDRIVER_ID 77
#if defined(DBG) && !DBG
#define KdPrint(args) ((void)0)
#else
#define KdPrint(args) ((void)DbgPrint args)
#endif

#endif /* NTEMU_WDK_DBGPRINT_H */
