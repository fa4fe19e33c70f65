// SPDX-License-Identifier: MIT
// Locks: spin locks (KeAcquireSpinLock, at DPC level, in-stack queued), fast mutexes, guarded
// mutexes, and critical and guarded regions (which guard against APCs the model never
// delivers: counted, nothing more). A lock word holds 0 when free and the holding host thread's
// token when taken; a lock really excludes other host threads, and it raises this thread's
// IRQL as on the machine (spin lock: DISPATCH_LEVEL, fast mutex: APC_LEVEL). What would hang or
// crash the real machine is a finding and changes nothing: acquiring a lock this thread holds
// (`lock-recursion`: nothing acquired, no OldIrql written), releasing one it does not hold
// (`lock-not-held`: the lock is left to its holder), a NULL lock (`null-argument`).
#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "guard.hpp"
#include "irql.hpp"
#include "ntemu/support/atomic_ref.hpp"

using ntemu::verify::FindingKind;
using ntemu::wdk::irql_too_high;
using ntemu::wdk::non_null;

namespace ntemu::wdk {
namespace {

// The one view of a lock word (a driver's KSPIN_LOCK, a FAST_MUTEX member) as an atomic: the
// words are the driver's plain integers, so they are reached through an atomic reference.
template <class Word>
auto atomic_word(Word& word) {
  return ntemu::AtomicRef<Word>(word);
}

}  // namespace

// A token naming this host thread as a lock owner (never dereferenced).
thread_local char t_owner_token = 0;
ULONG_PTR owner_token() {
  return reinterpret_cast<ULONG_PTR>(&t_owner_token);
}

namespace {

// Takes a lock word (0 = free, else the owner's token); a recursive acquisition, which would
// hang the real machine, is a finding and takes nothing. With `wait` false, gives up at once
// when another thread holds it. Returns whether it was taken.
bool take(ULONG_PTR& word, const char* function, bool wait = true) {
  auto ref = atomic_word(word);
  const ULONG_PTR me = owner_token();
  if (ref.load(std::memory_order_acquire) == me) {
    report(FindingKind::LockRecursion,
           fmt::format("{} on a lock this thread already holds: the real machine would "
                       "deadlock (or bugcheck); it was not acquired again",
                       function));
    return false;
  }
  for (;;) {
    ULONG_PTR expected = 0;
    if (ref.compare_exchange_weak(expected, me, std::memory_order_acquire)) return true;
    if (!wait && expected != 0) return false;
    std::this_thread::yield();
  }
}

// Releases a lock word this thread holds; one it does not hold is a finding, left as it is.
bool give(ULONG_PTR& word, const char* function) {
  auto ref = atomic_word(word);
  ULONG_PTR expected = owner_token();
  if (ref.compare_exchange_strong(expected, 0, std::memory_order_release)) return true;
  report(FindingKind::LockNotHeld,
         fmt::format("{} on a lock this thread does not hold ({}); the lock was left as it was",
                     function, expected == 0 ? "it is free" : "another thread holds it"));
  return false;
}

// Critical and guarded regions of this host thread (APCs are never delivered: only counted).
thread_local int t_critical_regions = 0;
thread_local int t_guarded_regions = 0;

}  // namespace
}  // namespace ntemu::wdk

using ntemu::wdk::give;
using ntemu::wdk::take;

// --- spin locks ----------------------------------------------------------------------------------
VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock) {
  if (!non_null(SpinLock, "KeInitializeSpinLock", "spin lock")) return;
  ntemu::wdk::atomic_word(*SpinLock).store(0, std::memory_order_release);
}

VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql) {
  if (!non_null(SpinLock, "KeAcquireSpinLock", "spin lock")) return;
  const KIRQL old = ntemu::wdk::current_irql();
  if (!take(*SpinLock, "KeAcquireSpinLock")) return;
  if (OldIrql != nullptr) *OldIrql = old;
  ntemu::wdk::set_irql(DISPATCH_LEVEL);
}

KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock) {
  KIRQL old = ntemu::wdk::current_irql();
  KeAcquireSpinLock(SpinLock, &old);
  return old;
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql) {
  if (!non_null(SpinLock, "KeReleaseSpinLock", "spin lock")) return;
  if (give(*SpinLock, "KeReleaseSpinLock")) ntemu::wdk::set_irql(NewIrql);
}

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock) {
  if (!non_null(SpinLock, "KeAcquireSpinLockAtDpcLevel", "spin lock")) return;
  static_cast<void>(take(*SpinLock, "KeAcquireSpinLockAtDpcLevel"));
}

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock) {
  if (!non_null(SpinLock, "KeReleaseSpinLockFromDpcLevel", "spin lock")) return;
  static_cast<void>(give(*SpinLock, "KeReleaseSpinLockFromDpcLevel"));
}

BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock) {
  if (!non_null(SpinLock, "KeTryToAcquireSpinLockAtDpcLevel", "spin lock")) return FALSE;
  return take(*SpinLock, "KeTryToAcquireSpinLockAtDpcLevel", /*wait=*/false) ? TRUE : FALSE;
}

BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock) {
  if (!non_null(SpinLock, "KeTestSpinLock", "spin lock")) return TRUE;
  return ntemu::wdk::atomic_word(*SpinLock).load(std::memory_order_acquire) == 0 ? TRUE : FALSE;
}

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle) {
  if (!non_null(SpinLock, "KeAcquireInStackQueuedSpinLock", "spin lock") ||
      !non_null(LockHandle, "KeAcquireInStackQueuedSpinLock", "lock handle"))
    return;
  const KIRQL old = ntemu::wdk::current_irql();
  LockHandle->LockQueue.Next = nullptr;
  LockHandle->LockQueue.Lock = nullptr;
  if (!take(*SpinLock, "KeAcquireInStackQueuedSpinLock")) return;
  LockHandle->LockQueue.Lock = SpinLock;
  LockHandle->OldIrql = old;
  ntemu::wdk::set_irql(DISPATCH_LEVEL);
}

VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle) {
  if (!non_null(LockHandle, "KeReleaseInStackQueuedSpinLock", "lock handle")) return;
  PKSPIN_LOCK lock = LockHandle->LockQueue.Lock;
  if (lock == nullptr) {
    ntemu::wdk::report(FindingKind::LockNotHeld,
                       "KeReleaseInStackQueuedSpinLock on a lock handle that holds no lock");
    return;
  }
  if (give(*lock, "KeReleaseInStackQueuedSpinLock")) {
    LockHandle->LockQueue.Lock = nullptr;
    ntemu::wdk::set_irql(LockHandle->OldIrql);
  }
}

VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock,
                                              PKLOCK_QUEUE_HANDLE LockHandle) {
  if (!non_null(SpinLock, "KeAcquireInStackQueuedSpinLockAtDpcLevel", "spin lock") ||
      !non_null(LockHandle, "KeAcquireInStackQueuedSpinLockAtDpcLevel", "lock handle"))
    return;
  LockHandle->LockQueue.Next = nullptr;
  LockHandle->LockQueue.Lock = nullptr;
  LockHandle->OldIrql = ntemu::wdk::current_irql();
  if (take(*SpinLock, "KeAcquireInStackQueuedSpinLockAtDpcLevel"))
    LockHandle->LockQueue.Lock = SpinLock;
}

VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle) {
  if (!non_null(LockHandle, "KeReleaseInStackQueuedSpinLockFromDpcLevel", "lock handle")) return;
  PKSPIN_LOCK lock = LockHandle->LockQueue.Lock;
  if (lock == nullptr) {
    ntemu::wdk::report(FindingKind::LockNotHeld,
                       "KeReleaseInStackQueuedSpinLockFromDpcLevel on "
                       "a lock handle that holds no lock");
    return;
  }
  if (give(*lock, "KeReleaseInStackQueuedSpinLockFromDpcLevel"))
    LockHandle->LockQueue.Lock = nullptr;
}

// --- regions -------------------------------------------------------------------------------------
VOID KeEnterCriticalRegion(VOID) {
  ++ntemu::wdk::t_critical_regions;
}

VOID KeLeaveCriticalRegion(VOID) {
  if (ntemu::wdk::t_critical_regions == 0) {
    ntemu::wdk::report(FindingKind::LockNotHeld,
                       "KeLeaveCriticalRegion without a matching KeEnterCriticalRegion");
    return;
  }
  --ntemu::wdk::t_critical_regions;
}

VOID KeEnterGuardedRegion(VOID) {
  ++ntemu::wdk::t_guarded_regions;
}

VOID KeLeaveGuardedRegion(VOID) {
  if (ntemu::wdk::t_guarded_regions == 0) {
    ntemu::wdk::report(FindingKind::LockNotHeld,
                       "KeLeaveGuardedRegion without a matching KeEnterGuardedRegion");
    return;
  }
  --ntemu::wdk::t_guarded_regions;
}

BOOLEAN KeAreApcsDisabled(VOID) {
  return ntemu::wdk::t_critical_regions > 0 || ntemu::wdk::t_guarded_regions > 0 ||
                 ntemu::wdk::current_irql() >= APC_LEVEL
             ? TRUE
             : FALSE;
}

BOOLEAN KeAreAllApcsDisabled(VOID) {
  return ntemu::wdk::t_guarded_regions > 0 || ntemu::wdk::current_irql() >= APC_LEVEL ? TRUE
                                                                                      : FALSE;
}

// --- fast mutexes --------------------------------------------------------------------------------
VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex) {
  if (!non_null(FastMutex, "ExInitializeFastMutex", "fast mutex")) return;
  FastMutex->Count = 1;
  FastMutex->OldIrql = 0;
  ntemu::wdk::atomic_word(FastMutex->Owner).store(0, std::memory_order_release);
  FastMutex->Reserved[0] = nullptr;
  FastMutex->Reserved[1] = nullptr;
}

namespace {
bool acquire_fast_mutex(PFAST_MUTEX m, const char* function, bool raise, bool wait) {
  if (!non_null(m, function, "fast mutex")) return false;
  irql_too_high(APC_LEVEL, function);
  // The owner token is the lock word; Count mirrors it for the WDK's "1 = free" reading.
  const KIRQL old = ntemu::wdk::current_irql();
  if (!take(m->Owner, function, wait)) return false;
  ntemu::wdk::atomic_word(m->Count).store(0, std::memory_order_relaxed);
  m->OldIrql = old;
  if (raise) ntemu::wdk::set_irql(old > APC_LEVEL ? old : static_cast<KIRQL>(APC_LEVEL));
  return true;
}
void release_fast_mutex(PFAST_MUTEX m, const char* function, bool lower) {
  if (!non_null(m, function, "fast mutex")) return;
  const auto old = static_cast<KIRQL>(m->OldIrql);
  if (ntemu::wdk::atomic_word(m->Owner).load(std::memory_order_acquire) !=
      ntemu::wdk::owner_token()) {
    static_cast<void>(give(m->Owner, function));  // reports it
    return;
  }
  ntemu::wdk::atomic_word(m->Count).store(1, std::memory_order_relaxed);
  static_cast<void>(give(m->Owner, function));
  if (lower) ntemu::wdk::set_irql(old);
}
}  // namespace

VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex) {
  static_cast<void>(acquire_fast_mutex(FastMutex, "ExAcquireFastMutex", true, true));
}

VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex) {
  release_fast_mutex(FastMutex, "ExReleaseFastMutex", true);
}

VOID ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex) {
  static_cast<void>(acquire_fast_mutex(FastMutex, "ExAcquireFastMutexUnsafe", false, true));
}

VOID ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex) {
  release_fast_mutex(FastMutex, "ExReleaseFastMutexUnsafe", false);
}

BOOLEAN ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex) {
  return acquire_fast_mutex(FastMutex, "ExTryToAcquireFastMutex", true, false) ? TRUE : FALSE;
}

// --- guarded mutexes: not recursive; a guarded region while held, the IRQL unchanged ----------
VOID KeInitializeGuardedMutex(PKGUARDED_MUTEX Mutex) {
  if (!non_null(Mutex, "KeInitializeGuardedMutex", "guarded mutex")) return;
  Mutex->Count = 1;
  ntemu::wdk::atomic_word(Mutex->Owner).store(0, std::memory_order_release);
  Mutex->Contention = 0;
  Mutex->Reserved = 0;
}

namespace {
bool acquire_guarded(PKGUARDED_MUTEX m, const char* function, bool region, bool wait) {
  if (!non_null(m, function, "guarded mutex")) return false;
  irql_too_high(APC_LEVEL, function);
  if (!take(m->Owner, function, wait)) return false;
  ntemu::wdk::atomic_word(const_cast<LONG&>(m->Count)).store(0, std::memory_order_relaxed);
  if (region) KeEnterGuardedRegion();
  return true;
}
void release_guarded(PKGUARDED_MUTEX m, const char* function, bool region) {
  if (!non_null(m, function, "guarded mutex")) return;
  if (ntemu::wdk::atomic_word(m->Owner).load(std::memory_order_acquire) !=
      ntemu::wdk::owner_token()) {
    static_cast<void>(give(m->Owner, function));  // reports it
    return;
  }
  ntemu::wdk::atomic_word(const_cast<LONG&>(m->Count)).store(1, std::memory_order_relaxed);
  static_cast<void>(give(m->Owner, function));
  if (region) KeLeaveGuardedRegion();
}
}  // namespace

VOID KeAcquireGuardedMutex(PKGUARDED_MUTEX Mutex) {
  static_cast<void>(acquire_guarded(Mutex, "KeAcquireGuardedMutex", true, true));
}

VOID KeReleaseGuardedMutex(PKGUARDED_MUTEX Mutex) {
  release_guarded(Mutex, "KeReleaseGuardedMutex", true);
}

BOOLEAN KeTryToAcquireGuardedMutex(PKGUARDED_MUTEX Mutex) {
  return acquire_guarded(Mutex, "KeTryToAcquireGuardedMutex", true, false) ? TRUE : FALSE;
}

VOID KeAcquireGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex) {
  static_cast<void>(acquire_guarded(FastMutex, "KeAcquireGuardedMutexUnsafe", false, true));
}

VOID KeReleaseGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex) {
  release_guarded(FastMutex, "KeReleaseGuardedMutexUnsafe", false);
}

// --- interlocked lists ---------------------------------------------------------------------------
PLIST_ENTRY ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                        PKSPIN_LOCK Lock) {
  if (!non_null(ListHead, "ExInterlockedInsertHeadList", "list head") ||
      !non_null(ListEntry, "ExInterlockedInsertHeadList", "list entry"))
    return nullptr;
  KIRQL old = PASSIVE_LEVEL;
  KeAcquireSpinLock(Lock, &old);
  PLIST_ENTRY first = IsListEmpty(ListHead) ? nullptr : ListHead->Flink;
  InsertHeadList(ListHead, ListEntry);
  if (Lock != nullptr) KeReleaseSpinLock(Lock, old);
  return first;
}

PLIST_ENTRY ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                        PKSPIN_LOCK Lock) {
  if (!non_null(ListHead, "ExInterlockedInsertTailList", "list head") ||
      !non_null(ListEntry, "ExInterlockedInsertTailList", "list entry"))
    return nullptr;
  KIRQL old = PASSIVE_LEVEL;
  KeAcquireSpinLock(Lock, &old);
  PLIST_ENTRY last = IsListEmpty(ListHead) ? nullptr : ListHead->Blink;
  InsertTailList(ListHead, ListEntry);
  if (Lock != nullptr) KeReleaseSpinLock(Lock, old);
  return last;
}

PLIST_ENTRY ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock) {
  if (!non_null(ListHead, "ExInterlockedRemoveHeadList", "list head")) return nullptr;
  KIRQL old = PASSIVE_LEVEL;
  KeAcquireSpinLock(Lock, &old);
  PLIST_ENTRY entry = IsListEmpty(ListHead) ? nullptr : RemoveHeadList(ListHead);
  if (Lock != nullptr) KeReleaseSpinLock(Lock, old);
  return entry;
}
