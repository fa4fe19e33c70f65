/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ke.h: the kernel's IRQL and spin locks (KeGetCurrentIrql, KeAcquireSpinLock,
 * KeReleaseSpinLock, critical regions). IRQL is tracked per host thread so that misuse can be
 * reported; nothing is masked or preempted by it. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_KE_H
#define NTEMU_WDK_KE_H

#include "ntemu/wdk/ntdef.h"

typedef UCHAR KIRQL;
typedef KIRQL* PKIRQL;
typedef ULONG_PTR KSPIN_LOCK;
typedef KSPIN_LOCK* PKSPIN_LOCK;

#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2

#ifdef __cplusplus
extern "C" {
#endif

KIRQL KeGetCurrentIrql(VOID);
VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
/* Spins until free; raises this host thread's IRQL to DISPATCH_LEVEL. */
VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
VOID KeEnterCriticalRegion(VOID);
VOID KeLeaveCriticalRegion(VOID);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_KE_H */
