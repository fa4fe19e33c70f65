/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ke.h: the kernel's IRQL, locks and dispatcher objects — KeGetCurrentIrql /
 * KeRaiseIrql / KeLowerIrql, spin locks (plain, at DPC level and in-stack queued), guarded
 * mutexes, critical and guarded regions, events (KEVENT), mutexes (KMUTEX), semaphores
 * (KSEMAPHORE), KeWaitForSingleObject, KeDelayExecutionThread, the previous mode and the
 * Interlocked* operations. IRQL is tracked per host thread and per harness so that misuse can
 * be reported; nothing is masked or preempted by it. Part of <ntemu/wdk.h>.
 *
 * The members of the lock and dispatcher structures are ntemu's, not the WDK's: treat them as
 * opaque, as the WDK asks.
 */
#ifndef NTEMU_WDK_KE_H
#define NTEMU_WDK_KE_H

#include "ntemu/wdk/lists.h"
#include "ntemu/wdk/ntdef.h"

typedef UCHAR KIRQL;
typedef KIRQL* PKIRQL;
typedef ULONG_PTR KSPIN_LOCK;
typedef KSPIN_LOCK* PKSPIN_LOCK;

#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
#define CMCI_LEVEL 5
#define CLOCK_LEVEL 13
#define IPI_LEVEL 14
#define POWER_LEVEL 14
#define PROFILE_LEVEL 15
#define HIGH_LEVEL 15

/* In-stack queued spin locks. */
typedef struct _KSPIN_LOCK_QUEUE {
  struct _KSPIN_LOCK_QUEUE* volatile Next;
  PKSPIN_LOCK volatile Lock;
} KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;
typedef struct _KLOCK_QUEUE_HANDLE {
  KSPIN_LOCK_QUEUE LockQueue;
  KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

/* --- dispatcher objects ---------------------------------------------------------------------- */
typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _KWAIT_REASON {
  Executive,
  FreePage,
  PageIn,
  PoolAllocation,
  DelayExecution,
  Suspended,
  UserRequest,
  WrExecutive,
  WrFreePage,
  WrPageIn,
  WrPoolAllocation,
  WrDelayExecution,
  WrSuspended,
  WrUserRequest,
  MaximumWaitReason = 37
} KWAIT_REASON;
typedef enum _WAIT_TYPE { WaitAll, WaitAny, WaitNotification, WaitDequeue } WAIT_TYPE;

/* The header every waitable object starts with: Type says which object it is (an event, a
 * mutex, a semaphore), SignalState its state. */
typedef struct _DISPATCHER_HEADER {
  UCHAR Type;
  UCHAR Signalling;
  UCHAR Size;
  UCHAR Reserved1;
  volatile LONG SignalState;
  LIST_ENTRY WaitListHead;
} DISPATCHER_HEADER;
typedef struct _KEVENT {
  DISPATCHER_HEADER Header;
} KEVENT, *PKEVENT, *PRKEVENT;
typedef struct _KMUTANT {
  DISPATCHER_HEADER Header;
  ULONG_PTR OwnerToken; /* the owning host thread's token; 0 = free */
  LONG RecursionCount;
  ULONG Level;
} KMUTANT, *PKMUTANT, *PRKMUTANT, KMUTEX, *PKMUTEX, *PRKMUTEX;
typedef struct _KSEMAPHORE {
  DISPATCHER_HEADER Header;
  LONG Limit;
} KSEMAPHORE, *PKSEMAPHORE, *PRKSEMAPHORE;

/* A guarded mutex (Windows 2003 and later): not recursive; KeAcquireGuardedMutex enters a
 * guarded region (ntemu raises nothing). */
typedef struct _KGUARDED_MUTEX {
  volatile LONG Count; /* 1 = free */
  ULONG_PTR Owner;     /* the owning host thread's token; 0 = free */
  ULONG Contention;
  ULONG Reserved;
  PVOID Spare[3];
} KGUARDED_MUTEX, *PKGUARDED_MUTEX;

#define EVENT_INCREMENT 1
#define IO_NO_INCREMENT 0
#define SEMAPHORE_INCREMENT 1
#define MUTANT_INCREMENT 1
#define LOW_PRIORITY 0
#define LOW_REALTIME_PRIORITY 16
#define HIGH_PRIORITY 31
#define MAXIMUM_PRIORITY 32

#ifdef __cplusplus
extern "C" {
#endif

/* --- IRQL ------------------------------------------------------------------------------------ */
KIRQL KeGetCurrentIrql(VOID);
/* Raising to a lower IRQL, or lowering to a higher one, is an `irql-too-high` finding and
 * changes nothing (IRQL_NOT_GREATER_OR_EQUAL / IRQL_NOT_LESS_OR_EQUAL on the machine). */
VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql);
VOID KeLowerIrql(KIRQL NewIrql);
KIRQL KeRaiseIrqlToDpcLevel(VOID);

/* --- spin locks ------------------------------------------------------------------------------ */
/* Every lock function given a NULL lock is a `null-argument` finding and does nothing (the
 * machine would fault). Acquiring a lock this thread holds is `lock-recursion`: nothing is
 * acquired and OldIrql is not written. Releasing one this thread does not hold is
 * `lock-not-held`: the lock is left as it is. */
VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
/* Spins until free; raises this host thread's IRQL to DISPATCH_LEVEL. */
VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock);
/* At DISPATCH_LEVEL already: the IRQL is not changed (below it: `irql-too-high`'s opposite is
 * not checked). */
VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);
BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle);
BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock);

/* --- critical and guarded regions, guarded mutexes ---------------------------------------------
 */
VOID KeEnterCriticalRegion(VOID);
VOID KeLeaveCriticalRegion(VOID);
BOOLEAN KeAreApcsDisabled(VOID);
BOOLEAN KeAreAllApcsDisabled(VOID);
VOID KeEnterGuardedRegion(VOID);
VOID KeLeaveGuardedRegion(VOID);
VOID KeInitializeGuardedMutex(PKGUARDED_MUTEX Mutex);
VOID KeAcquireGuardedMutex(PKGUARDED_MUTEX Mutex);
VOID KeReleaseGuardedMutex(PKGUARDED_MUTEX Mutex);
BOOLEAN KeTryToAcquireGuardedMutex(PKGUARDED_MUTEX Mutex);
VOID KeAcquireGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex);
VOID KeReleaseGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex);

/* --- events, mutexes, semaphores, waits --------------------------------------------------------
 */
VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
/* The previous signal state. */
LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
LONG KeResetEvent(PRKEVENT Event);
VOID KeClearEvent(PRKEVENT Event);
LONG KeReadStateEvent(PRKEVENT Event);
LONG KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level);
LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait);
LONG KeReadStateMutex(PRKMUTEX Mutex);
VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit);
LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait);
LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore);
/* Waits on an event, mutex or semaphore, or on a process or thread (signalled once it has
 * exited). A signalled object satisfies the wait at once (STATUS_SUCCESS; a synchronization
 * event is reset, a mutex owned, a semaphore decremented). Otherwise, unless the harness was
 * told other host threads will signal (Harness::allow_blocking_waits), no one can: a zero or
 * finite Timeout returns STATUS_TIMEOUT at once, and an infinite one (Timeout NULL) is a
 * `wait-deadlock` finding and returns STATUS_POSSIBLE_DEADLOCK instead of hanging. */
NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                               BOOLEAN Alertable, PLARGE_INTEGER Timeout);
#define KeWaitForMutexObject KeWaitForSingleObject
/* Returns STATUS_SUCCESS at once, after moving the model clock (ntemu/wdk/ketime.h) by the
 * interval (negative: relative) or to the absolute system time given, if that is ahead: time
 * passes for the driver, never for the host. */
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                PLARGE_INTEGER Interval);

/* UserMode inside a dispatch routine the harness runs for a user-mode client, else
 * KernelMode. */
KPROCESSOR_MODE ExGetPreviousMode(VOID);
KPROCESSOR_MODE KeGetPreviousMode(VOID);

/* Stops the machine: prints the bugcheck code and parameters to stderr and aborts the host
 * process (the driver's code after the call must not run, and unwinding through its C frames
 * is not possible). */
__attribute__((__noreturn__)) VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
                                                ULONG_PTR BugCheckParameter2,
                                                ULONG_PTR BugCheckParameter3,
                                                ULONG_PTR BugCheckParameter4);
__attribute__((__noreturn__)) VOID KeBugCheck(ULONG BugCheckCode);

/* A breakpoint: a `debug-break` finding (the machine would stop in the debugger, or bugcheck
 * 0x80000003 without one); execution goes on. */
VOID DbgBreakPoint(VOID);
VOID DbgBreakPointWithStatus(ULONG Status);
#define KdBreakPoint() DbgBreakPoint()
#define KdBreakPointWithStatus(s) DbgBreakPointWithStatus(s)

#ifdef __cplusplus
}
#endif

/* --- interlocked operations (sequentially consistent host atomics) -----------------------------
 */
#define NTEMU_WDK_ATOMIC __ATOMIC_SEQ_CST
NTEMU_WDK_INLINE LONG InterlockedIncrement(LONG volatile* Addend) {
  return __atomic_add_fetch(Addend, 1, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG InterlockedDecrement(LONG volatile* Addend) {
  return __atomic_sub_fetch(Addend, 1, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG InterlockedExchange(LONG volatile* Target, LONG Value) {
  return __atomic_exchange_n(Target, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG InterlockedExchangeAdd(LONG volatile* Addend, LONG Value) {
  return __atomic_fetch_add(Addend, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG InterlockedAdd(LONG volatile* Addend, LONG Value) {
  return __atomic_add_fetch(Addend, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG InterlockedCompareExchange(LONG volatile* Destination, LONG Exchange,
                                                 LONG Comparand) {
  __atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, NTEMU_WDK_ATOMIC,
                              NTEMU_WDK_ATOMIC);
  return Comparand;
}
NTEMU_WDK_INLINE LONG InterlockedOr(LONG volatile* Destination, LONG Value) {
  return __atomic_fetch_or(Destination, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG InterlockedAnd(LONG volatile* Destination, LONG Value) {
  return __atomic_fetch_and(Destination, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG InterlockedXor(LONG volatile* Destination, LONG Value) {
  return __atomic_fetch_xor(Destination, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG64 InterlockedIncrement64(LONG64 volatile* Addend) {
  return __atomic_add_fetch(Addend, 1, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG64 InterlockedDecrement64(LONG64 volatile* Addend) {
  return __atomic_sub_fetch(Addend, 1, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG64 InterlockedExchange64(LONG64 volatile* Target, LONG64 Value) {
  return __atomic_exchange_n(Target, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG64 InterlockedExchangeAdd64(LONG64 volatile* Addend, LONG64 Value) {
  return __atomic_fetch_add(Addend, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG64 InterlockedAdd64(LONG64 volatile* Addend, LONG64 Value) {
  return __atomic_add_fetch(Addend, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE LONG64 InterlockedCompareExchange64(LONG64 volatile* Destination, LONG64 Exchange,
                                                     LONG64 Comparand) {
  __atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, NTEMU_WDK_ATOMIC,
                              NTEMU_WDK_ATOMIC);
  return Comparand;
}
NTEMU_WDK_INLINE PVOID InterlockedExchangePointer(PVOID volatile* Target, PVOID Value) {
  return __atomic_exchange_n(Target, Value, NTEMU_WDK_ATOMIC);
}
NTEMU_WDK_INLINE PVOID InterlockedCompareExchangePointer(PVOID volatile* Destination,
                                                         PVOID Exchange, PVOID Comparand) {
  __atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, NTEMU_WDK_ATOMIC,
                              NTEMU_WDK_ATOMIC);
  return Comparand;
}
#define InterlockedIncrementAcquire InterlockedIncrement
#define InterlockedIncrementRelease InterlockedIncrement
#define InterlockedDecrementAcquire InterlockedDecrement
#define InterlockedDecrementRelease InterlockedDecrement
#define InterlockedCompareExchangeAcquire InterlockedCompareExchange
#define InterlockedCompareExchangeRelease InterlockedCompareExchange
#define InterlockedExchangeAddSizeT(a, b) \
  ((SIZE_T)InterlockedExchangeAdd64((LONG64 volatile*)(a), (LONG64)(b)))
#define InterlockedIncrementSizeT(a) ((SIZE_T)InterlockedIncrement64((LONG64 volatile*)(a)))
#define InterlockedDecrementSizeT(a) ((SIZE_T)InterlockedDecrement64((LONG64 volatile*)(a)))
#define _InterlockedIncrement InterlockedIncrement
#define _InterlockedDecrement InterlockedDecrement
#define _InterlockedExchange InterlockedExchange
#define _InterlockedExchangeAdd InterlockedExchangeAdd
#define _InterlockedCompareExchange InterlockedCompareExchange
#define _InterlockedOr InterlockedOr
#define _InterlockedAnd InterlockedAnd
#define _InterlockedCompareExchangePointer InterlockedCompareExchangePointer
#define _InterlockedExchangePointer InterlockedExchangePointer
#define KeMemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define MemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define _ReadWriteBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define KeMemoryBarrierWithoutFence() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define YieldProcessor() ((void)0)
#define ReadNoFence(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define WriteNoFence(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ReadAcquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define WriteRelease(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#endif /* NTEMU_WDK_KE_H */
