// SPDX-License-Identifier: MIT
// Lookaside lists (NPAGED_LOOKASIDE_LIST, PAGED_LOOKASIDE_LIST, LOOKASIDE_LIST_EX). Entries come
// straight from the list's Allocate routine (the tracked pool by default) and go straight back
// to its Free routine, so an entry never freed is a `pool-leak`; nothing is cached. Lists are
// registered with their harness while initialized: one still initialized when DriverUnload
// returns is a `resource-leak` (the real kernel keeps it on a system list, pointing into the
// unloaded driver).
#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"
#include "leftovers.hpp"
#include "ntemu/support/atomic_ref.hpp"

using ntemu::verify::FindingKind;
using ntemu::wdk::non_null;

namespace wdk = ntemu::wdk;

namespace {

constexpr ULONG kLookasideSignature = 0x6B6F6F4CU;  // 'Look'

void init_lookaside(PGENERAL_LOOKASIDE l, ULONG kind, POOL_TYPE type, SIZE_T size, ULONG tag,
                    USHORT depth) {
  *l = GENERAL_LOOKASIDE{};
  l->Signature = kLookasideSignature;
  l->Kind = kind;
  l->Type = type;
  l->Tag = tag;
  l->Size = size;
  l->Depth = depth;
  l->MaximumDepth = 256;
  InitializeListHead(&l->ListEntry);
  wdk::remember_initialized(l, kind == 2 ? "LOOKASIDE_LIST_EX" : "lookaside list");
}

bool usable_lookaside(PGENERAL_LOOKASIDE l, const char* function) {
  if (!non_null(l, function, "lookaside list")) return false;
  if (l->Signature == kLookasideSignature) return true;
  wdk::report(FindingKind::BadObjectPointer,
              fmt::format("{} was given {:#x}, which is no initialized lookaside list", function,
                          wdk::address_of(l)));
  return false;
}

PVOID allocate_entry(PGENERAL_LOOKASIDE l, const char* function, KIRQL max_irql) {
  if (!usable_lookaside(l, function)) return nullptr;
  wdk::irql_too_high(max_irql, function);
  PVOID entry = nullptr;
  if (l->AllocateEx != nullptr) {
    entry = l->AllocateEx(l->Type, l->Size, l->Tag, reinterpret_cast<PLOOKASIDE_LIST_EX>(l));
  } else if (l->Allocate != nullptr) {
    entry = l->Allocate(l->Type, l->Size, l->Tag);
  } else {
    entry = ExAllocatePoolWithTag(l->Type, l->Size, l->Tag);
  }
  ++l->TotalAllocates;
  ++l->AllocateMisses;
  if (entry != nullptr) ntemu::AtomicRef<LONG>(const_cast<LONG&>(l->Outstanding)).fetch_add(1);
  return entry;
}

void free_entry(PGENERAL_LOOKASIDE l, PVOID entry, const char* function, KIRQL max_irql) {
  if (!usable_lookaside(l, function) || entry == nullptr) return;
  wdk::irql_too_high(max_irql, function);
  ++l->TotalFrees;
  ntemu::AtomicRef<LONG>(const_cast<LONG&>(l->Outstanding)).fetch_sub(1);
  if (l->FreeEx != nullptr) {
    l->FreeEx(entry, reinterpret_cast<PLOOKASIDE_LIST_EX>(l));
  } else if (l->Free != nullptr) {
    l->Free(entry);
  } else {
    ExFreePoolWithTag(entry, l->Tag);
  }
}

void delete_lookaside(PGENERAL_LOOKASIDE l, const char* function) {
  if (!usable_lookaside(l, function)) return;
  l->Signature = 0;
  wdk::forget_initialized(l);
}

}  // namespace

VOID ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                     PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                     USHORT Depth) {
  static_cast<void>(Flags);
  if (!non_null(Lookaside, "ExInitializeNPagedLookasideList", "lookaside list")) return;
  init_lookaside(&Lookaside->L, 0, NonPagedPool, Size, Tag, Depth);
  Lookaside->L.Allocate = Allocate;
  Lookaside->L.Free = Free;
  Lookaside->Lock__ObsoleteButDoNotDelete = 0;
}
VOID ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside) {
  delete_lookaside(Lookaside == nullptr ? nullptr : &Lookaside->L, "ExDeleteNPagedLookasideList");
}
PVOID ExAllocateFromNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside) {
  return allocate_entry(Lookaside == nullptr ? nullptr : &Lookaside->L,
                        "ExAllocateFromNPagedLookasideList", DISPATCH_LEVEL);
}
VOID ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry) {
  free_entry(Lookaside == nullptr ? nullptr : &Lookaside->L, Entry, "ExFreeToNPagedLookasideList",
             DISPATCH_LEVEL);
}

VOID ExInitializePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                    PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                    USHORT Depth) {
  static_cast<void>(Flags);
  if (!non_null(Lookaside, "ExInitializePagedLookasideList", "lookaside list")) return;
  init_lookaside(&Lookaside->L, 1, PagedPool, Size, Tag, Depth);
  Lookaside->L.Allocate = Allocate;
  Lookaside->L.Free = Free;
  ExInitializeFastMutex(&Lookaside->Lock__ObsoleteButDoNotDelete);
}
VOID ExDeletePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside) {
  delete_lookaside(Lookaside == nullptr ? nullptr : &Lookaside->L, "ExDeletePagedLookasideList");
}
PVOID ExAllocateFromPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside) {
  return allocate_entry(Lookaside == nullptr ? nullptr : &Lookaside->L,
                        "ExAllocateFromPagedLookasideList", APC_LEVEL);
}
VOID ExFreeToPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry) {
  free_entry(Lookaside == nullptr ? nullptr : &Lookaside->L, Entry, "ExFreeToPagedLookasideList",
             APC_LEVEL);
}

NTSTATUS ExInitializeLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PALLOCATE_FUNCTION_EX Allocate,
                                     PFREE_FUNCTION_EX Free, POOL_TYPE PoolType, ULONG Flags,
                                     SIZE_T Size, ULONG Tag, USHORT Depth) {
  static_cast<void>(Flags);
  if (!non_null(Lookaside, "ExInitializeLookasideListEx", "lookaside list"))
    return ::STATUS_INVALID_PARAMETER;
  init_lookaside(&Lookaside->L, 2, PoolType, Size, Tag, Depth);
  Lookaside->L.AllocateEx = Allocate;
  Lookaside->L.FreeEx = Free;
  return ::STATUS_SUCCESS;
}
VOID ExDeleteLookasideListEx(PLOOKASIDE_LIST_EX Lookaside) {
  delete_lookaside(Lookaside == nullptr ? nullptr : &Lookaside->L, "ExDeleteLookasideListEx");
}
VOID ExFlushLookasideListEx(PLOOKASIDE_LIST_EX Lookaside) {
  static_cast<void>(usable_lookaside(Lookaside == nullptr ? nullptr : &Lookaside->L,
                                     "ExFlushLookasideListEx"));  // nothing is cached
}
PVOID ExAllocateFromLookasideListEx(PLOOKASIDE_LIST_EX Lookaside) {
  const bool paged = Lookaside != nullptr && (Lookaside->L.Type & 1) != 0;
  return allocate_entry(Lookaside == nullptr ? nullptr : &Lookaside->L,
                        "ExAllocateFromLookasideListEx", paged ? APC_LEVEL : DISPATCH_LEVEL);
}
VOID ExFreeToLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PVOID Entry) {
  const bool paged = Lookaside != nullptr && (Lookaside->L.Type & 1) != 0;
  free_entry(Lookaside == nullptr ? nullptr : &Lookaside->L, Entry, "ExFreeToLookasideListEx",
             paged ? APC_LEVEL : DISPATCH_LEVEL);
}
