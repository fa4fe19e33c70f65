// SPDX-License-Identifier: MIT
// Executive resources (ERESOURCE) and lookaside lists. A resource's State word is -1 while
// held exclusive and the number of shared holds otherwise; its exclusive owner is a host
// thread's token, with a recursion count, and each host thread counts its own shared holds, so
// a release by a thread holding nothing is a `lock-not-held` finding and a shared holder asking
// for exclusive access (a self-deadlock on the machine) is a `lock-recursion` finding that
// takes a further shared hold instead. Lookaside entries come straight from the list's Allocate
// routine (the tracked pool by default) and go straight back to its Free routine: an entry
// never freed is a `pool-leak`. Resources and lists are registered with their harness while
// initialized: one still initialized when DriverUnload returns is a `resource-leak` (the real
// kernel keeps it on a system list, pointing into the unloaded driver).
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"
#include "ntemu/support/atomic_ref.hpp"

using ntemu::verify::FindingKind;
using ntemu::wdk::non_null;

namespace ntemu::wdk {
namespace {

constexpr ULONG kResourceSignature = 0x53655245U;   // 'EReS'
constexpr ULONG kLookasideSignature = 0x6B6F6F4CU;  // 'Look'

// Shared holds of this host thread, by resource.
thread_local std::map<const ERESOURCE*, LONG> t_shared;

void remember(const void* object, const char* kind) {
  const Current c = current();
  if (c.state == nullptr) return;
  const std::string step = c.state->current_step();
  std::lock_guard hold(c.state->m);
  c.state->initialized[object] = {kind, step};
}

void forget(const void* object) {
  const Current c = current();
  if (c.state == nullptr) return;
  std::lock_guard hold(c.state->m);
  c.state->initialized.erase(object);
}

bool usable(PERESOURCE r, const char* function) {
  if (!non_null(r, function, "resource")) return false;
  if (r->Signature == kResourceSignature) return true;
  report(FindingKind::BadObjectPointer,
         fmt::format("{} was given {:#x}, which is no initialized ERESOURCE", function,
                     address_of(r)));
  return false;
}

ntemu::AtomicRef<LONG> resource_state(PERESOURCE r) {
  return ntemu::AtomicRef<LONG>(const_cast<LONG&>(r->State));
}
ntemu::AtomicRef<ULONG_PTR> owner_of(PERESOURCE r) {
  return ntemu::AtomicRef<ULONG_PTR>(r->ExclusiveOwner);
}

bool acquire_exclusive(PERESOURCE r, BOOLEAN wait, const char* function) {
  if (!usable(r, function)) return false;
  irql_too_high(APC_LEVEL, function);
  const ULONG_PTR me = owner_token();
  if (owner_of(r).load(std::memory_order_acquire) == me) {
    ++r->ExclusiveCount;  // recursive exclusive acquisition is allowed
    return true;
  }
  auto shared = t_shared.find(r);
  if (shared != t_shared.end() && shared->second > 0) {
    report(FindingKind::LockRecursion,
           fmt::format("{} by a thread that holds the resource shared: it would wait for "
                       "itself forever; it took a further shared hold instead",
                       function));
    ++shared->second;
    resource_state(r).fetch_add(1, std::memory_order_acq_rel);
    return true;
  }
  for (;;) {
    LONG expected = 0;
    if (resource_state(r).compare_exchange_weak(expected, -1, std::memory_order_acquire)) {
      owner_of(r).store(me, std::memory_order_release);
      r->ExclusiveCount = 1;
      return true;
    }
    if (wait == FALSE && expected != 0) return false;
    std::this_thread::yield();
  }
}

bool acquire_shared(PERESOURCE r, BOOLEAN wait, const char* function) {
  if (!usable(r, function)) return false;
  irql_too_high(APC_LEVEL, function);
  if (owner_of(r).load(std::memory_order_acquire) == owner_token()) {
    ++r->ExclusiveCount;  // an exclusive owner's shared request is granted as exclusive
    return true;
  }
  LONG& mine = t_shared[r];
  if (mine > 0) {
    ++mine;
    resource_state(r).fetch_add(1, std::memory_order_acq_rel);
    return true;
  }
  for (;;) {
    LONG s = resource_state(r).load(std::memory_order_acquire);
    if (s >= 0 && resource_state(r).compare_exchange_weak(s, s + 1, std::memory_order_acquire)) {
      ++mine;
      return true;
    }
    if (wait == FALSE && s < 0) {
      if (mine == 0) t_shared.erase(r);
      return false;
    }
    std::this_thread::yield();
  }
}

void release(PERESOURCE r, const char* function) {
  if (!usable(r, function)) return;
  if (owner_of(r).load(std::memory_order_acquire) == owner_token()) {
    if (--r->ExclusiveCount == 0) {
      owner_of(r).store(0, std::memory_order_release);
      resource_state(r).store(0, std::memory_order_release);
    }
    return;
  }
  auto shared = t_shared.find(r);
  if (shared != t_shared.end() && shared->second > 0) {
    if (--shared->second == 0) t_shared.erase(shared);
    resource_state(r).fetch_sub(1, std::memory_order_acq_rel);
    return;
  }
  report(
      FindingKind::LockNotHeld,
      fmt::format("{} on a resource this thread does not hold; it was left as it was", function));
}

}  // namespace
}  // namespace ntemu::wdk

namespace wdk = ntemu::wdk;

NTSTATUS ExInitializeResourceLite(PERESOURCE Resource) {
  if (!non_null(Resource, "ExInitializeResourceLite", "resource"))
    return ::STATUS_INVALID_PARAMETER;
  *Resource = ERESOURCE{};
  Resource->Signature = wdk::kResourceSignature;
  wdk::t_shared.erase(Resource);
  wdk::remember(Resource, "ERESOURCE");
  return ::STATUS_SUCCESS;
}

NTSTATUS ExReinitializeResourceLite(PERESOURCE Resource) {
  return ExInitializeResourceLite(Resource);
}

NTSTATUS ExDeleteResourceLite(PERESOURCE Resource) {
  if (!wdk::usable(Resource, "ExDeleteResourceLite")) return ::STATUS_INVALID_PARAMETER;
  if (wdk::resource_state(Resource).load() != 0) {
    wdk::report(FindingKind::ResourceLeak,
                "ExDeleteResourceLite on a resource that is still held (the holders' releases "
                "would touch a deleted resource)");
  }
  Resource->Signature = 0;
  wdk::t_shared.erase(Resource);
  wdk::forget(Resource);
  return ::STATUS_SUCCESS;
}

BOOLEAN ExAcquireResourceExclusiveLite(PERESOURCE Resource, BOOLEAN Wait) {
  return wdk::acquire_exclusive(Resource, Wait, "ExAcquireResourceExclusiveLite") ? TRUE : FALSE;
}

BOOLEAN ExAcquireResourceSharedLite(PERESOURCE Resource, BOOLEAN Wait) {
  return wdk::acquire_shared(Resource, Wait, "ExAcquireResourceSharedLite") ? TRUE : FALSE;
}

BOOLEAN ExAcquireSharedStarveExclusive(PERESOURCE Resource, BOOLEAN Wait) {
  return wdk::acquire_shared(Resource, Wait, "ExAcquireSharedStarveExclusive") ? TRUE : FALSE;
}

BOOLEAN ExAcquireSharedWaitForExclusive(PERESOURCE Resource, BOOLEAN Wait) {
  return wdk::acquire_shared(Resource, Wait, "ExAcquireSharedWaitForExclusive") ? TRUE : FALSE;
}

VOID ExReleaseResourceLite(PERESOURCE Resource) {
  wdk::release(Resource, "ExReleaseResourceLite");
}

VOID ExReleaseResourceForThreadLite(PERESOURCE Resource, ERESOURCE_THREAD ResourceThreadId) {
  if (ResourceThreadId != ExGetCurrentResourceThread()) {
    wdk::report(FindingKind::LockNotHeld,
                "ExReleaseResourceForThreadLite for another thread is not modeled; the "
                "resource was left as it was");
    return;
  }
  wdk::release(Resource, "ExReleaseResourceForThreadLite");
}

VOID ExConvertExclusiveToSharedLite(PERESOURCE Resource) {
  if (!wdk::usable(Resource, "ExConvertExclusiveToSharedLite")) return;
  if (wdk::owner_of(Resource).load() != wdk::owner_token()) {
    wdk::report(FindingKind::LockNotHeld,
                "ExConvertExclusiveToSharedLite on a resource this thread does not hold "
                "exclusive");
    return;
  }
  const LONG holds = Resource->ExclusiveCount;
  Resource->ExclusiveCount = 0;
  wdk::owner_of(Resource).store(0, std::memory_order_release);
  wdk::t_shared[Resource] += holds;
  wdk::resource_state(Resource).store(holds, std::memory_order_release);
}

BOOLEAN ExIsResourceAcquiredExclusiveLite(PERESOURCE Resource) {
  if (!wdk::usable(Resource, "ExIsResourceAcquiredExclusiveLite")) return FALSE;
  return wdk::owner_of(Resource).load() == wdk::owner_token() ? TRUE : FALSE;
}

ULONG ExIsResourceAcquiredSharedLite(PERESOURCE Resource) {
  if (!wdk::usable(Resource, "ExIsResourceAcquiredSharedLite")) return 0;
  if (wdk::owner_of(Resource).load() == wdk::owner_token())
    return static_cast<ULONG>(Resource->ExclusiveCount);
  const auto it = wdk::t_shared.find(Resource);
  return it == wdk::t_shared.end() ? 0U : static_cast<ULONG>(it->second);
}

ULONG ExGetExclusiveWaiterCount(PERESOURCE Resource) {
  static_cast<void>(Resource);
  return 0;
}

ULONG ExGetSharedWaiterCount(PERESOURCE Resource) {
  static_cast<void>(Resource);
  return 0;
}

ERESOURCE_THREAD ExGetCurrentResourceThread(VOID) {
  return wdk::owner_token();
}

PVOID ExEnterCriticalRegionAndAcquireResourceExclusive(PERESOURCE Resource) {
  KeEnterCriticalRegion();
  static_cast<void>(ExAcquireResourceExclusiveLite(Resource, TRUE));
  return Resource;
}

PVOID ExEnterCriticalRegionAndAcquireResourceShared(PERESOURCE Resource) {
  KeEnterCriticalRegion();
  static_cast<void>(ExAcquireResourceSharedLite(Resource, TRUE));
  return Resource;
}

PVOID ExEnterCriticalRegionAndAcquireSharedWaitForExclusive(PERESOURCE Resource) {
  KeEnterCriticalRegion();
  static_cast<void>(ExAcquireSharedWaitForExclusive(Resource, TRUE));
  return Resource;
}

VOID ExReleaseResourceAndLeaveCriticalRegion(PERESOURCE Resource) {
  ExReleaseResourceLite(Resource);
  KeLeaveCriticalRegion();
}

// --- lookaside lists -----------------------------------------------------------------------------
namespace {

void init_lookaside(PGENERAL_LOOKASIDE l, ULONG kind, POOL_TYPE type, SIZE_T size, ULONG tag,
                    USHORT depth) {
  *l = GENERAL_LOOKASIDE{};
  l->Signature = wdk::kLookasideSignature;
  l->Kind = kind;
  l->Type = type;
  l->Tag = tag;
  l->Size = size;
  l->Depth = depth;
  l->MaximumDepth = 256;
  InitializeListHead(&l->ListEntry);
  wdk::remember(l, kind == 2 ? "LOOKASIDE_LIST_EX" : "lookaside list");
}

bool usable_lookaside(PGENERAL_LOOKASIDE l, const char* function) {
  if (!non_null(l, function, "lookaside list")) return false;
  if (l->Signature == wdk::kLookasideSignature) return true;
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
  wdk::forget(l);
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
