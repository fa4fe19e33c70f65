// SPDX-License-Identifier: MIT
// Locks: spin locks (KeInitializeSpinLock, KeAcquireSpinLock, KeReleaseSpinLock), fast mutexes
// (ExInitializeFastMutex, ExAcquireFastMutex, ExReleaseFastMutex) and critical regions (which
// guard against APCs the model never delivers: no-ops). A lock word holds 0 when free and the
// holding host thread's token when taken; a lock really excludes other host threads, and it
// raises this thread's IRQL as on the machine (spin lock: DISPATCH_LEVEL, fast mutex:
// APC_LEVEL). Acquiring a lock this thread already holds would hang the real machine; here it
// is a `lock-recursion` finding and nothing is acquired.
#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "guard.hpp"
#include "irql.hpp"
#include "ntemu/support/atomic_ref.hpp"

using ntemu::wdk::irql_too_high;

namespace ntemu::wdk {
namespace {

// The one view of a lock word (a driver's KSPIN_LOCK, a FAST_MUTEX member) as an atomic: the
// words are the driver's plain integers, so they are reached through an atomic reference.
template <class Word>
auto atomic_word(Word& word) {
  return ntemu::AtomicRef<Word>(word);
}

// A token naming this host thread as a lock owner (never dereferenced).
thread_local char t_owner_token = 0;
ULONG_PTR owner_token() {
  return reinterpret_cast<ULONG_PTR>(&t_owner_token);
}

// Takes a lock word (0 = free, else the owner's token); a recursive acquisition, which would
// hang the real machine, is a finding and takes nothing. Returns whether it was taken.
template <class Word>
bool take(Word& word, Word free_value, const char* function) {
  auto ref = atomic_word(word);
  const auto me = static_cast<Word>(ntemu::wdk::owner_token());
  if (ref.load(std::memory_order_acquire) == me) {
    ntemu::wdk::report({ntemu::verify::FindingKind::LockRecursion,
                        fmt::format("{} on a lock this thread already holds: the real machine "
                                    "would deadlock (or bugcheck); it was not acquired again",
                                    function),
                        0, 0, ntemu::wdk::context_step()});
    return false;
  }
  for (;;) {
    Word expected = free_value;
    if (ref.compare_exchange_weak(expected, me, std::memory_order_acquire)) return true;
    std::this_thread::yield();
  }
}

}  // namespace
}  // namespace ntemu::wdk

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock) {
  ntemu::wdk::atomic_word(*SpinLock).store(0, std::memory_order_release);
}

VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql) {
  const KIRQL old = ntemu::wdk::current_irql();
  if (OldIrql != nullptr) *OldIrql = old;
  if (ntemu::wdk::take<ULONG_PTR>(*SpinLock, 0, "KeAcquireSpinLock")) {
    ntemu::wdk::set_irql(DISPATCH_LEVEL);
  }
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql) {
  ntemu::wdk::atomic_word(*SpinLock).store(0, std::memory_order_release);
  ntemu::wdk::set_irql(NewIrql);
}

VOID KeEnterCriticalRegion(VOID) {}

VOID KeLeaveCriticalRegion(VOID) {}

VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex) {
  FastMutex->Count = 1;
  FastMutex->OldIrql = 0;
  FastMutex->Owner = 0;
  FastMutex->Reserved[0] = nullptr;
  FastMutex->Reserved[1] = nullptr;
}

VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex) {
  irql_too_high(APC_LEVEL, "ExAcquireFastMutex");
  // The owner token is the lock word; Count mirrors it for the WDK's "1 = free" reading.
  const KIRQL old = ntemu::wdk::current_irql();
  if (!ntemu::wdk::take<ULONG_PTR>(FastMutex->Owner, 0, "ExAcquireFastMutex")) return;
  ntemu::wdk::atomic_word(FastMutex->Count).store(0, std::memory_order_relaxed);
  FastMutex->OldIrql = old;
  ntemu::wdk::set_irql(old > APC_LEVEL ? old : static_cast<KIRQL>(APC_LEVEL));
}

VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex) {
  const auto old = static_cast<KIRQL>(FastMutex->OldIrql);
  ntemu::wdk::atomic_word(FastMutex->Count).store(1, std::memory_order_relaxed);
  ntemu::wdk::atomic_word(FastMutex->Owner).store(0, std::memory_order_release);
  ntemu::wdk::set_irql(old);
}
