// SPDX-License-Identifier: MIT
// Dispatcher objects and waits: events (notification and synchronization), mutexes (KMUTEX,
// recursive for their owner), semaphores, and KeWaitForSingleObject on them or on a process or
// thread (signalled once it exits); the previous mode; breakpoints and
// failed assertions. Every object's state changes under one lock. A wait on an object that is
// not signalled cannot be satisfied unless another host thread signals it; unless the harness
// was told one will (Harness::allow_blocking_waits), a finite wait times out at once and an
// infinite one is a `wait-deadlock` finding returning ::STATUS_POSSIBLE_DEADLOCK: the model never
// hangs on a wait no one can end.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"

using ntemu::verify::FindingKind;
using ntemu::wdk::non_null;

namespace ntemu::wdk {
namespace {

constexpr UCHAR kEventNotification = 0;
constexpr UCHAR kEventSynchronization = 1;
constexpr UCHAR kMutant = 2;
constexpr UCHAR kSemaphore = 5;
constexpr UCHAR kInitialized = 0xA5;  // DISPATCHER_HEADER.Reserved1 of an initialized object

std::mutex g_dispatcher;
thread_local KPROCESSOR_MODE t_previous_mode = KernelMode;

void init_header(DISPATCHER_HEADER& h, UCHAR type, LONG state, std::size_t size) {
  std::lock_guard hold(g_dispatcher);
  h.Type = type;
  h.Signalling = 0;
  h.Size = static_cast<UCHAR>(size / sizeof(LONG));
  h.Reserved1 = kInitialized;
  h.SignalState = state;
  InitializeListHead(&h.WaitListHead);
}

bool initialized(const DISPATCHER_HEADER* h, const char* function) {
  if (h->Reserved1 == kInitialized) return true;
  report(FindingKind::BadObjectPointer,
         fmt::format("{} was given {:#x}, which is no initialized event, mutex or semaphore",
                     function, address_of(h)));
  return false;
}

// Satisfies a wait on `h` now if it is signalled (under g_dispatcher).
bool try_satisfy(DISPATCHER_HEADER* h) {
  switch (h->Type) {
    case kEventNotification:
      return h->SignalState > 0;
    case kEventSynchronization:
      if (h->SignalState <= 0) return false;
      h->SignalState = 0;
      return true;
    case kMutant: {
      auto* m = reinterpret_cast<KMUTANT*>(h);
      if (m->OwnerToken != 0 && m->OwnerToken != owner_token()) return false;
      m->OwnerToken = owner_token();
      ++m->RecursionCount;
      h->SignalState = 1 - m->RecursionCount;
      return true;
    }
    case kSemaphore:
      if (h->SignalState <= 0) return false;
      h->SignalState = h->SignalState - 1;
      return true;
    default:
      return false;
  }
}

// The not-signalled case (see the file comment), polling for `poll` while blocking is allowed.
template <class Poll>
NTSTATUS wait_unsignalled(PLARGE_INTEGER timeout, const char* what, Poll&& poll) {
  if (timeout != nullptr && timeout->QuadPart == 0) return ::STATUS_TIMEOUT;
  const Current c = current();
  const bool blocking =
      c.state != nullptr && c.state->blocking_waits.load(std::memory_order_acquire);
  if (blocking) {
    const auto start = std::chrono::steady_clock::now();
    const auto limit = timeout == nullptr || timeout->QuadPart > 0
                           ? std::chrono::nanoseconds::max()
                           : std::chrono::nanoseconds(-timeout->QuadPart * 100);
    for (;;) {
      if (poll()) return ::STATUS_SUCCESS;
      if (std::chrono::steady_clock::now() - start >= limit) return ::STATUS_TIMEOUT;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  if (timeout != nullptr) return ::STATUS_TIMEOUT;
  report(FindingKind::WaitDeadlock,
         fmt::format("KeWaitForSingleObject waits forever on {} that is not signalled and that "
                     "no other thread can signal: the real machine would hang this thread; "
                     "STATUS_POSSIBLE_DEADLOCK returned instead",
                     what));
  return ::STATUS_POSSIBLE_DEADLOCK;
}

}  // namespace

KPROCESSOR_MODE previous_mode() {
  return t_previous_mode;
}
void set_previous_mode(KPROCESSOR_MODE mode) {
  t_previous_mode = mode;
}

}  // namespace ntemu::wdk

using ntemu::wdk::g_dispatcher;

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State) {
  if (!non_null(Event, "KeInitializeEvent", "event")) return;
  ntemu::wdk::init_header(Event->Header,
                          Type == SynchronizationEvent ? ntemu::wdk::kEventSynchronization
                                                       : ntemu::wdk::kEventNotification,
                          State != FALSE ? 1 : 0, sizeof(KEVENT));
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait) {
  static_cast<void>(Increment);
  static_cast<void>(Wait);
  if (!non_null(Event, "KeSetEvent", "event") ||
      !ntemu::wdk::initialized(&Event->Header, "KeSetEvent"))
    return 0;
  ntemu::wdk::irql_too_high(DISPATCH_LEVEL, "KeSetEvent");
  std::lock_guard hold(g_dispatcher);
  const LONG previous = Event->Header.SignalState;
  Event->Header.SignalState = 1;
  return previous;
}

LONG KeResetEvent(PRKEVENT Event) {
  if (!non_null(Event, "KeResetEvent", "event") ||
      !ntemu::wdk::initialized(&Event->Header, "KeResetEvent"))
    return 0;
  std::lock_guard hold(g_dispatcher);
  const LONG previous = Event->Header.SignalState;
  Event->Header.SignalState = 0;
  return previous;
}

VOID KeClearEvent(PRKEVENT Event) {
  static_cast<void>(KeResetEvent(Event));
}

LONG KeReadStateEvent(PRKEVENT Event) {
  if (!non_null(Event, "KeReadStateEvent", "event") ||
      !ntemu::wdk::initialized(&Event->Header, "KeReadStateEvent"))
    return 0;
  std::lock_guard hold(g_dispatcher);
  return Event->Header.SignalState;
}

LONG KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait) {
  static_cast<void>(Increment);
  static_cast<void>(Wait);
  return KeResetEvent(Event);  // no waiter can be waiting in the model at this instant
}

VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level) {
  if (!non_null(Mutex, "KeInitializeMutex", "mutex")) return;
  ntemu::wdk::init_header(Mutex->Header, ntemu::wdk::kMutant, 1, sizeof(KMUTEX));
  std::lock_guard hold(g_dispatcher);
  Mutex->OwnerToken = 0;
  Mutex->RecursionCount = 0;
  Mutex->Level = Level;
}

LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait) {
  static_cast<void>(Wait);
  if (!non_null(Mutex, "KeReleaseMutex", "mutex") ||
      !ntemu::wdk::initialized(&Mutex->Header, "KeReleaseMutex"))
    return 0;
  std::lock_guard hold(g_dispatcher);
  const LONG previous = Mutex->Header.SignalState;
  if (Mutex->OwnerToken != ntemu::wdk::owner_token() || Mutex->RecursionCount <= 0) {
    ntemu::wdk::report(FindingKind::LockNotHeld,
                       "KeReleaseMutex on a mutex this thread does not own (STATUS_MUTANT_NOT_"
                       "OWNED on the machine); the mutex was left as it was");
    return previous;
  }
  if (--Mutex->RecursionCount == 0) Mutex->OwnerToken = 0;
  Mutex->Header.SignalState = 1 - Mutex->RecursionCount;
  return previous;
}

LONG KeReadStateMutex(PRKMUTEX Mutex) {
  if (!non_null(Mutex, "KeReadStateMutex", "mutex")) return 0;
  std::lock_guard hold(g_dispatcher);
  return Mutex->Header.SignalState;
}

VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit) {
  if (!non_null(Semaphore, "KeInitializeSemaphore", "semaphore")) return;
  ntemu::wdk::init_header(Semaphore->Header, ntemu::wdk::kSemaphore, Count, sizeof(KSEMAPHORE));
  std::lock_guard hold(g_dispatcher);
  Semaphore->Limit = Limit;
}

LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment,
                        BOOLEAN Wait) {
  static_cast<void>(Increment);
  static_cast<void>(Wait);
  if (!non_null(Semaphore, "KeReleaseSemaphore", "semaphore") ||
      !ntemu::wdk::initialized(&Semaphore->Header, "KeReleaseSemaphore"))
    return 0;
  std::lock_guard hold(g_dispatcher);
  const LONG previous = Semaphore->Header.SignalState;
  if (Adjustment <= 0 || previous > Semaphore->Limit - Adjustment) {
    ntemu::wdk::report(FindingKind::LockNotHeld,
                       fmt::format("KeReleaseSemaphore by {} would exceed the limit {} "
                                   "(STATUS_SEMAPHORE_LIMIT_EXCEEDED on the machine); nothing "
                                   "changed",
                                   Adjustment, Semaphore->Limit));
    return previous;
  }
  Semaphore->Header.SignalState = previous + Adjustment;
  return previous;
}

LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore) {
  if (!non_null(Semaphore, "KeReadStateSemaphore", "semaphore")) return 0;
  std::lock_guard hold(g_dispatcher);
  return Semaphore->Header.SignalState;
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                               BOOLEAN Alertable, PLARGE_INTEGER Timeout) {
  static_cast<void>(WaitReason);
  static_cast<void>(WaitMode);
  static_cast<void>(Alertable);
  if (!non_null(Object, "KeWaitForSingleObject", "object")) return ::STATUS_INVALID_PARAMETER;
  const bool zero = Timeout != nullptr && Timeout->QuadPart == 0;
  ntemu::wdk::irql_too_high(zero ? DISPATCH_LEVEL : APC_LEVEL, "KeWaitForSingleObject");
  const ntemu::wdk::Current c = ntemu::wdk::current();
  // A process or thread of the model (PEPROCESS / PETHREAD): signalled once it has exited.
  if (c.kernel != nullptr && c.kernel->objects().find(ntemu::wdk::address_of(Object)) != nullptr) {
    auto* o = ntemu::wdk::resolve(c, Object, "KeWaitForSingleObject");
    const auto exited = [o]() -> bool {
      if (o == nullptr) return true;  // deleted (reported): long exited
      if (o->type() == ntemu::ob::ObjectType::Thread) {
        return (static_cast<ntemu::ps::Thread*>(o)->CrossThreadFlags.load() &
                ntemu::ps::Thread::kFlagDeadThread) != 0;
      }
      if (o->type() == ntemu::ob::ObjectType::Process) {
        return (static_cast<ntemu::ps::Process*>(o)->Flags.load() &
                ntemu::ps::Process::kFlagProcessExiting) != 0;
      }
      return false;
    };
    if (exited()) return ::STATUS_SUCCESS;
    return ntemu::wdk::wait_unsignalled(Timeout, "a process or thread that has not exited", exited);
  }
  auto* header = static_cast<DISPATCHER_HEADER*>(Object);
  if (!ntemu::wdk::initialized(header, "KeWaitForSingleObject")) return ::STATUS_INVALID_PARAMETER;
  const auto poll = [header] {
    std::lock_guard hold(g_dispatcher);
    return ntemu::wdk::try_satisfy(header);
  };
  if (poll()) return ::STATUS_SUCCESS;
  const char* what = header->Type == ntemu::wdk::kMutant      ? "a mutex another thread owns"
                     : header->Type == ntemu::wdk::kSemaphore ? "a semaphore at 0"
                                                              : "an event";
  return ntemu::wdk::wait_unsignalled(Timeout, what, poll);
}

KPROCESSOR_MODE ExGetPreviousMode(VOID) {
  return ntemu::wdk::previous_mode();
}

KPROCESSOR_MODE KeGetPreviousMode(VOID) {
  return ntemu::wdk::previous_mode();
}

VOID DbgBreakPoint(VOID) {
  ntemu::wdk::report(FindingKind::DebugBreak,
                     "DbgBreakPoint: the machine would stop in the kernel debugger (or bugcheck "
                     "0x80000003 without one)");
}

VOID DbgBreakPointWithStatus(ULONG Status) {
  ntemu::wdk::report(FindingKind::DebugBreak,
                     fmt::format("DbgBreakPointWithStatus({:#x}): the machine would stop in the "
                                 "kernel debugger",
                                 Status));
}

VOID NtemuAssertFailed(PCSTR Expression, PCSTR File, ULONG Line, PCSTR Message) {
  ntemu::wdk::report(
      FindingKind::DebugBreak,
      fmt::format("assertion failed: {} at {}:{}{}{}", Expression != nullptr ? Expression : "?",
                  File != nullptr ? File : "?", Line, Message != nullptr ? ": " : "",
                  Message != nullptr ? Message : ""));
}

VOID RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber,
               PSTR MutableMessage) {
  NtemuAssertFailed(static_cast<PCSTR>(VoidFailedAssertion), static_cast<PCSTR>(VoidFileName),
                    LineNumber, MutableMessage);
}

VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1, ULONG_PTR BugCheckParameter2,
                  ULONG_PTR BugCheckParameter3, ULONG_PTR BugCheckParameter4) {
  std::fprintf(stderr,
               "ntemu: the driver called KeBugCheckEx(%#x, %#llx, %#llx, %#llx, %#llx): the "
               "machine stops here. Aborting.\n",
               BugCheckCode, static_cast<unsigned long long>(BugCheckParameter1),
               static_cast<unsigned long long>(BugCheckParameter2),
               static_cast<unsigned long long>(BugCheckParameter3),
               static_cast<unsigned long long>(BugCheckParameter4));
  std::abort();
}

VOID KeBugCheck(ULONG BugCheckCode) {
  KeBugCheckEx(BugCheckCode, 0, 0, 0, 0);
}
