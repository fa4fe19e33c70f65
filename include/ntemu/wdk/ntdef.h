/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ntdef.h: the WDK's base layer (ntdef.h, ntstatus.h, basetsd.h, the base of wdm.h):
 * calling-convention macros (empty), SAL annotations (ntemu/wdk/sal.h, empty) and Microsoft C
 * syntax (ntemu/wdk/msvc.h), the basic types with their LLP64 sizes, LARGE_INTEGER, GUID, the
 * counted strings (STRING / ANSI_STRING, UNICODE_STRING) and their constant initialisers,
 * OBJECT_ATTRIBUTES, IO_STATUS_BLOCK, the processor mode, access-mask bits, the handle and
 * pointer conversions, ASSERT / NT_ASSERT / NT_VERIFY, the NTSTATUS values and NT_SUCCESS.
 * Part of <ntemu/wdk.h>, which drivers include. By concept: basetypes.h (conventions, basic
 * types, helper macros, conversions), basestructs.h (LARGE_INTEGER, IO_STATUS_BLOCK, GUID,
 * counted strings), objattr.h (OBJECT_ATTRIBUTES, access masks), ntstatus.h (NTSTATUS values);
 * the assertions are here.
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

#include "ntemu/wdk/basestructs.h"
#include "ntemu/wdk/basetypes.h"
#include "ntemu/wdk/ntstatus.h"
#include "ntemu/wdk/objattr.h"

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
