// SPDX-License-Identifier: MIT
/// \file
/// `KernelObserver`: the one narrow interface through which the executive reports what happens —
/// client IDs created and destroyed, objects deleted, routines registered, removed, called and
/// returned, lookups that reached a dead ID, pokes. The executive knows nothing of who watches:
/// the verifier (verify/verifier.hpp) keeps its books from these reports, the tracer turns them
/// into trace events, a scheduler could interleave at them.
///
/// Hooks run synchronously on the host thread doing the work, in the order the executive does
/// it, with the locks the comment of each names held; they must not call back into the
/// executive's entry points. Every hook does nothing by default.
///
/// \code
///   struct CidCounter final : ntemu::ps::KernelObserver {
///     int created = 0;
///     void cid_created(ntemu::Handle, const ntemu::ob::Object&) override { ++created; }
///   } counter;
///   kernel.add_observer(counter);   // before running operations
/// \endcode
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ntemu/ob/object.hpp"
#include "ntemu/ps/notify_routine.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu::ex {
class CallbackBlock;
}

namespace ntemu::ps {

class NotifySlots;
class Process;

/// One call of a notify routine, as the executive makes it.
struct NotifyCall {
  NotifyCall() = default;
  /// A walk's call with every field given (slot and routine are set per call): each member is
  /// stored on its own. A default-constructed one is cleared as a block, with `rep stos` under
  /// GCC, whose start-up cost (~15 ns on AMD hosts) was paid by every walk.
  NotifyCall(NotifyKind kind_, const NotifySlots* array_, bool create_, ProcessId pid_,
             ProcessId parent_, ThreadId tid_, ClientId context_, const ob::Object* object_,
             std::uint64_t walk_)
      : kind(kind_),
        array(array_),
        create(create_),
        pid(pid_),
        parent(parent_),
        tid(tid_),
        context(context_),
        object(object_),
        walk(walk_) {}

  NotifyKind kind = NotifyKind::Process;
  std::uint32_t slot = 0;
  const NotifySlots* array = nullptr;  ///< the array the slot is in
  NotifyRoutine* routine = nullptr;    ///< the routine's record
  bool create = false;
  ProcessId pid;                            ///< the ProcessId argument
  ProcessId parent;                         ///< process calls: the ParentId argument
  ThreadId tid;                             ///< thread calls: the ThreadId argument
  ClientId context;                         ///< the thread the routine runs on
  const ob::Object* object = nullptr;       ///< the process or thread the call is about (image
                                            ///< calls: the process mapped into; nullptr: a driver)
  const std::string* image_name = nullptr;  ///< image calls: the full image name
  const IMAGE_INFO* image = nullptr;        ///< image calls: the image
  /// The walk the call is part of: every call of one pass of the array over its routines for
  /// one object carries the same value, and no two walks made on one host thread do (0: not
  /// known). An observer can tell a walk's first call from the rest by it.
  std::uint64_t walk = 0;
};

class KernelObserver {
 public:
  virtual ~KernelObserver() = default;

  /// ExCreateHandle gave `object` the client ID `handle` in PspCidTable (no lock held, or the
  /// process lock of a process getting its lazy PID on Windows 2000).
  virtual void cid_created(Handle /*handle*/, const ob::Object& /*object*/) {}
  /// ExDestroyHandle removed `handle`; `named` is the object its entry named, nullptr when none
  /// is resident (normally the object being deleted; after a PID poke possibly another).
  virtual void cid_destroyed(Handle /*handle*/, const ob::Object* /*named*/) {}
  /// `object`'s delete procedure starts (PspThreadDelete / PspProcessDelete): its last
  /// reference went. It becomes a tombstone when the procedure returns.
  virtual void object_deleting(const ob::Object& /*object*/) {}
  /// A lookup of `id` reached a PspCidTable entry naming `address`, where no live object is
  /// (`object` is the tombstone there, or nullptr); the entry is locked. The lookup fails.
  virtual void lookup_reached_deleted(std::uint64_t /*id*/, std::uint64_t /*address*/,
                                      const ob::Object* /*object*/) {}

  /// A registration of `routine` starts: before its slot is written, so a call may follow at
  /// once on another host thread.
  virtual void routine_registering(NotifyKind /*kind*/, NotifyRoutine& /*routine*/) {}
  /// That registration ended with `status` (failed: no slot was written).
  virtual void routine_registered(NotifyKind /*kind*/, NotifyRoutine& /*routine*/,
                                  Status /*status*/) {}
  /// A removal of `routine` from `array` succeeded; on EX_CALLBACK storage every call in
  /// flight has returned, on plain storage some may still run.
  virtual void routine_removed(NotifyKind /*kind*/, NotifyRoutine& /*routine*/,
                               const NotifySlots& /*array*/) {}
  /// A removal of `routine` was refused with STATUS_POSSIBLE_DEADLOCK: it was asked from inside
  /// the routine's own call, and would wait for itself.
  virtual void removal_refused(NotifyKind /*kind*/, NotifyRoutine& /*routine*/) {}
  /// A notify routine is about to be called (no executive lock held, except the process lock
  /// where the profile says the process-notify loop holds it).
  virtual void routine_calling(const NotifyCall& /*call*/) {}
  /// It returned, or faulted (the machine is then stopping with a bugcheck). Told only to the
  /// observers whose hears_returns() was true when they were attached.
  virtual void routine_returned(const NotifyCall& /*call*/) {}
  /// Whether routine_returned does anything: an observer that says no is not called on every
  /// notify routine's return (a virtual call saved per call, a share of a call's cost that
  /// bench/ measures). Asked once, by add_observer.
  virtual bool hears_returns() const { return true; }

  /// `routine` was refused with STATUS_POSSIBLE_DEADLOCK: it needs `process`'s lock, which this
  /// host thread holds around the notify routine that called it (the real kernel would deadlock).
  virtual void process_lock_reentered(const Process& /*process*/, std::string_view /*routine*/) {}

  /// UniqueProcessId of `process` was written directly, outside the API (it now holds `value`).
  virtual void pid_poked(const Process& /*process*/, ProcessId /*value*/) {}
  /// Slot `slot` of the `kind` array is about to be cleared directly; `block` is the
  /// EX_CALLBACK block it named (nullptr on plain storage or for an empty slot).
  virtual void slot_poked(NotifyKind /*kind*/, std::uint32_t /*slot*/,
                          const ex::CallbackBlock* /*block*/) {}
};

}  // namespace ntemu::ps
