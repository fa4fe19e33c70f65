/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ex.h: the executive's pool (ExAllocatePoolWithTag, ExFreePoolWithTag, ...) and
 * fast mutexes (ExInitializeFastMutex, ExAcquireFastMutex, ExReleaseFastMutex). Pool blocks are
 * host memory, tracked per harness. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_EX_H
#define NTEMU_WDK_EX_H

#include "ntemu/wdk/ntdef.h"

typedef enum _POOL_TYPE {
  NonPagedPool = 0,
  PagedPool = 1,
  NonPagedPoolMustSucceed = 2,
  NonPagedPoolCacheAligned = 4,
  PagedPoolCacheAligned = 5,
  NonPagedPoolNx = 512
} POOL_TYPE;

/* A lock for drivers that use fast mutexes. The members are ntemu's, not the WDK's: treat the
 * structure as opaque, as the WDK asks. */
typedef struct _FAST_MUTEX {
  LONG Count; /* 1 = free */
  ULONG OldIrql;
  ULONG_PTR Owner; /* 0 = free */
  PVOID Reserved[2];
} FAST_MUTEX, *PFAST_MUTEX;

#ifdef __cplusplus
extern "C" {
#endif

/* --- pool ------------------------------------------------------------------------------------ */
/* NULL on failure (no current kernel, size 0 refused, or an injected failure). Allocations are
 * tracked per harness: a leak at unload and a bad free are findings. */
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes);
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
VOID ExFreePool(PVOID P);

/* --- fast mutexes ---------------------------------------------------------------------------- */
VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex);
/* Raises to APC_LEVEL while held; acquiring above APC_LEVEL is a finding. */
VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex);
VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_EX_H */
