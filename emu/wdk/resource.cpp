// SPDX-License-Identifier: MIT
// Executive resources (ERESOURCE). A resource's State word is -1 while held exclusive and the
// number of shared holds otherwise; its exclusive owner is a host thread's token, with a
// recursion count, and each host thread counts its own shared holds, so a release by a thread
// holding nothing is a `lock-not-held` finding and a shared holder asking for exclusive access
// (a self-deadlock on the machine) is a `lock-recursion` finding that takes a further shared
// hold instead. Resources are registered with their harness while initialized: one still
// initialized when DriverUnload returns is a `resource-leak` (the real kernel keeps it on a
// system list, pointing into the unloaded driver). Lookaside lists are in lookaside.cpp.
#include <atomic>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"
#include "leftovers.hpp"
#include "ntemu/support/atomic_ref.hpp"
#include "ntemu/support/per_thread.hpp"

using ntemu::verify::FindingKind;
using ntemu::wdk::non_null;

namespace ntemu::wdk {
namespace {

constexpr ULONG kResourceSignature = 0x53655245U;  // 'EReS'

// Shared holds of this host thread, by resource.
// (A PerThread, not a thread_local map: support/per_thread.hpp says why.)
struct SharedHolds : std::map<const ERESOURCE*, LONG> {};
std::map<const ERESOURCE*, LONG>& shared_holds() {
  return PerThread<SharedHolds>{}.get();
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
  auto shared = shared_holds().find(r);
  if (shared != shared_holds().end() && shared->second > 0) {
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
  LONG& mine = shared_holds()[r];
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
      if (mine == 0) shared_holds().erase(r);
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
  auto shared = shared_holds().find(r);
  if (shared != shared_holds().end() && shared->second > 0) {
    if (--shared->second == 0) shared_holds().erase(shared);
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
  wdk::shared_holds().erase(Resource);
  wdk::remember_initialized(Resource, "ERESOURCE");
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
  wdk::shared_holds().erase(Resource);
  wdk::forget_initialized(Resource);
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
  wdk::shared_holds()[Resource] += holds;
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
  const auto it = wdk::shared_holds().find(Resource);
  return it == wdk::shared_holds().end() ? 0U : static_cast<ULONG>(it->second);
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
