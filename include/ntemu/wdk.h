/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk.h: a WDK-compatible C interface over the ntemu model, so that a kernel driver's
 * notify-routine code compiles unchanged on any host and runs against an emulated kernel.
 *
 * The names, signatures, types and values are those Microsoft documents for the WDK (wdm.h,
 * ntddk.h, ntstatus.h); the declarations are ntemu's own. Every function acts on the ntemu
 * kernel that is *current on the calling host thread*: inside a notify routine, DriverEntry or
 * DriverUnload run by the harness (include/ntemu/harness.hpp), or inside a
 * `ntemu::Harness::enter()` scope. With no current kernel bound to a harness, no call is
 * undefined: NTSTATUS functions return STATUS_INVALID_DEVICE_STATE, HANDLE / pointer functions
 * return NULL, DbgPrint writes to stderr and returns STATUS_INVALID_DEVICE_STATE.
 *
 * What differs from a real kernel (see docs/driver-testing.md):
 *   - PEPROCESS / PETHREAD are opaque: their value is the object's *model* kernel address
 *     (deterministic, never dereferenceable); only pass them back to these functions.
 *   - WCHAR is the host's wchar_t, so L"..." literals keep compiling (4 bytes on Linux);
 *     UNICODE_STRING lengths stay in bytes, so `Length / sizeof(WCHAR)` code still works.
 *   - ULONG / LONG are 32-bit and ULONG_PTR / SIZE_T pointer-sized, as on Windows (LLP64).
 *   - Calling-convention macros (NTAPI, FASTCALL, ...) and SAL annotations are empty.
 *   - IRQL is tracked per host thread (spin locks raise it to DISPATCH_LEVEL); nothing is
 *     preempted by it.
 *   - In C the STATUS_* values are macros, as in the WDK. In C++ they are `constexpr NTSTATUS`
 *     constants and NT_SUCCESS is a function, so this header can be mixed, in any include
 *     order, with ntemu's C++ headers (whose ntemu::STATUS_* are ntemu::Status objects).
 *
 * Drivers include this header only — or, unchanged, the WDK's own names (<ntddk.h>, <wdm.h>,
 * <ntifs.h>, <ntstrsafe.h>, ...), which ntemu::wdk's include path (include/ntemu/wdk/compat)
 * provides and which all forward here. It is made of one header per part of the WDK, under
 * ntemu/wdk/: ntdef.h (basic types, LARGE_INTEGER, counted strings, OBJECT_ATTRIBUTES, access
 * masks, assertions, NTSTATUS values, by concept in basetypes.h, basestructs.h, objattr.h and
 * ntstatus.h; with sal.h, the annotations, and msvc.h, Microsoft C syntax), crt.h (the kernel's C
 * run-time), strsafe.h (ntstrsafe.h), lists.h (LIST_ENTRY and its helpers), ke.h (IRQL, spin locks,
 * guarded mutexes, events, waits, Interlocked*), ex.h (pool, fast mutexes, ERESOURCE, lookaside
 * lists), rtl.h (memory macros, counted strings, safe integers), ps.h (processes, threads, notify
 * routines, lookups, object references), io.h (driver and device objects, IRPs, MDLs) and
 * dbgprint.h (DbgPrint, KdPrint).
 */
#ifndef NTEMU_WDK_H
#define NTEMU_WDK_H

#include "ntemu/wdk/crt.h"
#include "ntemu/wdk/dbgprint.h"
#include "ntemu/wdk/ex.h"
#include "ntemu/wdk/io.h"
#include "ntemu/wdk/ke.h"
#include "ntemu/wdk/ketime.h"
#include "ntemu/wdk/lists.h"
#include "ntemu/wdk/ntdef.h"
#include "ntemu/wdk/ob.h"
#include "ntemu/wdk/ps.h"
#include "ntemu/wdk/rtl.h"
#include "ntemu/wdk/strsafe.h"
#include "ntemu/wdk/zw.h"

#endif /* NTEMU_WDK_H */
