// SPDX-License-Identifier: MIT
// Memory descriptor lists over caller buffers (IoAllocateMdl, MmProbeAndLockPages, the
// Mm*LockedPages mappings, MmGetSystemAddressForMdlSafe), as the I/O manager builds one for
// direct I/O, and the user-buffer probes. The model's buffers are host memory that is always
// resident and mapped, so locking and mapping set the MDL's flags and addresses the driver reads
// and nothing more; ProbeForRead / ProbeForWrite accept every buffer.
#include <cstddef>

#include "guard.hpp"
#include "io.hpp"

using ntemu::wdk::non_null;

namespace ntemu::wdk {

void* mdl_address(const MDL& mdl) {
  return reinterpret_cast<void*>(reinterpret_cast<ULONG_PTR>(mdl.StartVa) + mdl.ByteOffset);
}

void init_mdl(MDL& mdl, void* va, std::size_t length) {
  mdl = MDL{};
  mdl.Size = static_cast<CSHORT>(sizeof(MDL));
  mdl.MdlFlags = MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA;
  const auto address = reinterpret_cast<ULONG_PTR>(va);
  mdl.StartVa = reinterpret_cast<PVOID>(address & ~static_cast<ULONG_PTR>(PAGE_SIZE - 1));
  mdl.ByteOffset = static_cast<ULONG>(address & (PAGE_SIZE - 1));
  mdl.ByteCount = static_cast<ULONG>(length);
  mdl.MappedSystemVa = va;
}

}  // namespace ntemu::wdk

namespace wdk = ntemu::wdk;

VOID ProbeForRead(volatile VOID* Address, SIZE_T Length, ULONG Alignment) {
  static_cast<void>(Address);
  static_cast<void>(Length);
  static_cast<void>(Alignment);
}

VOID ProbeForWrite(volatile VOID* Address, SIZE_T Length, ULONG Alignment) {
  static_cast<void>(Address);
  static_cast<void>(Length);
  static_cast<void>(Alignment);
}

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                   PIRP Irp) {
  static_cast<void>(SecondaryBuffer);
  static_cast<void>(ChargeQuota);
  static_cast<void>(Irp);
  auto* mdl = static_cast<PMDL>(ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(MDL), 0x206C644DU));
  if (mdl == nullptr) return nullptr;  // 'Mdl '
  wdk::init_mdl(*mdl, VirtualAddress, Length);
  mdl->MdlFlags = 0;
  mdl->MappedSystemVa = nullptr;
  return mdl;
}

VOID IoFreeMdl(PMDL Mdl) {
  if (Mdl != nullptr) ExFreePoolWithTag(Mdl, 0x206C644DU);
}

VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                         LOCK_OPERATION Operation) {
  static_cast<void>(AccessMode);
  static_cast<void>(Operation);
  if (!non_null(MemoryDescriptorList, "MmProbeAndLockPages", "MDL")) return;
  MemoryDescriptorList->MdlFlags |= MDL_PAGES_LOCKED;
}

VOID MmUnlockPages(PMDL MemoryDescriptorList) {
  if (!non_null(MemoryDescriptorList, "MmUnlockPages", "MDL")) return;
  MemoryDescriptorList->MdlFlags = static_cast<CSHORT>(
      MemoryDescriptorList->MdlFlags & ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA));
}

VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList) {
  if (!non_null(MemoryDescriptorList, "MmBuildMdlForNonPagedPool", "MDL")) return;
  MemoryDescriptorList->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
  MemoryDescriptorList->MappedSystemVa = wdk::mdl_address(*MemoryDescriptorList);
}

PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority) {
  static_cast<void>(AccessMode);
  static_cast<void>(CacheType);
  static_cast<void>(RequestedAddress);
  static_cast<void>(BugCheckOnFailure);
  static_cast<void>(Priority);
  if (!non_null(MemoryDescriptorList, "MmMapLockedPagesSpecifyCache", "MDL")) return nullptr;
  PVOID va = wdk::mdl_address(*MemoryDescriptorList);
  MemoryDescriptorList->MappedSystemVa = va;
  MemoryDescriptorList->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
  return va;
}

PVOID MmMapLockedPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode) {
  return MmMapLockedPagesSpecifyCache(MemoryDescriptorList, AccessMode, MmCached, nullptr, 0,
                                      NormalPagePriority);
}

VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList) {
  static_cast<void>(BaseAddress);
  if (!non_null(MemoryDescriptorList, "MmUnmapLockedPages", "MDL")) return;
  MemoryDescriptorList->MdlFlags =
      static_cast<CSHORT>(MemoryDescriptorList->MdlFlags & ~MDL_MAPPED_TO_SYSTEM_VA);
}

PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority) {
  static_cast<void>(Priority);
  if (Mdl == nullptr) return nullptr;
  if ((Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) != 0 && Mdl->MappedSystemVa != nullptr)
    return Mdl->MappedSystemVa;
  return MmMapLockedPagesSpecifyCache(Mdl, KernelMode, MmCached, nullptr, 0, Priority);
}

BOOLEAN MmIsAddressValid(PVOID VirtualAddress) {
  return VirtualAddress != nullptr ? TRUE : FALSE;
}
