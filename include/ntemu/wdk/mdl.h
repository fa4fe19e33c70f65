/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/mdl.h: memory descriptor lists (wdm.h): the MDL, its flags and accessors, and
 * the memory manager's routines that lock, map and unmap the buffer one describes
 * (MmProbeAndLockPages, MmMapLockedPagesSpecifyCache, MmGetSystemAddressForMdlSafe, ...).
 * IoAllocateMdl and IoFreeMdl are the I/O manager's (io.h). The model's buffers are host
 * memory, always resident: locking and mapping set the flags and addresses a driver reads.
 * Part of ntemu/wdk/io.h, which includes it: drivers include <ntemu/wdk.h> (or the WDK's
 * own header names), never this file alone.
 */
#ifndef NTEMU_WDK_MDL_H
#define NTEMU_WDK_MDL_H

#include "ntemu/wdk/ntdef.h"

typedef struct _EPROCESS* PEPROCESS;

/* --- MDLs ----------------------------------------------------------------------------------- */
typedef struct _MDL {
  struct _MDL* Next;
  CSHORT Size;
  CSHORT MdlFlags;
  PEPROCESS Process;
  PVOID MappedSystemVa;
  PVOID StartVa; /* page-aligned */
  ULONG ByteCount;
  ULONG ByteOffset;
} MDL, *PMDL;
typedef MDL* PMDLX;
#define MDL_MAPPED_TO_SYSTEM_VA 0x0001
#define MDL_PAGES_LOCKED 0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE 0x0008
#define MDL_PARTIAL 0x0010
#define MDL_IO_SPACE 0x0800
typedef enum _MM_PAGE_PRIORITY {
  LowPagePriority = 0,
  NormalPagePriority = 16,
  HighPagePriority = 32
} MM_PAGE_PRIORITY;
#define MdlMappingNoWrite 0x80000000
#define MdlMappingNoExecute 0x40000000
typedef enum _LOCK_OPERATION { IoReadAccess, IoWriteAccess, IoModifyAccess } LOCK_OPERATION;
typedef enum _MEMORY_CACHING_TYPE {
  MmNonCached = 0,
  MmCached = 1,
  MmWriteCombined = 2,
  MmHardwareCoherentCached = 3,
  MmNonCachedUnordered = 4,
  MmUSWCCached = 5,
  MmMaximumCacheType = 6
} MEMORY_CACHING_TYPE;
#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))
#define MmGetMdlByteCount(Mdl) ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl) ((Mdl)->ByteOffset)
#define MmGetMdlBaseVa(Mdl) ((Mdl)->StartVa)

#ifdef __cplusplus
extern "C" {
#endif

VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                         LOCK_OPERATION Operation);
VOID MmUnlockPages(PMDL MemoryDescriptorList);
VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList);
PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority);
PVOID MmMapLockedPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode);
VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList);
/* The buffer an MDL describes, as the system sees it (NULL for a NULL MDL). */
PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority);
#define MmGetSystemAddressForMdl(Mdl) MmGetSystemAddressForMdlSafe((Mdl), NormalPagePriority)
BOOLEAN MmIsAddressValid(PVOID VirtualAddress);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_MDL_H */
