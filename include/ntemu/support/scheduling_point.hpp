// SPDX-License-Identifier: MIT
/// \file
/// Scheduling points: the places where one emulated CPU may give way to another when a
/// controlled scheduler runs the model (explore/, docs/concurrency.md). Every modeled
/// synchronisation step calls `sched::point` just before it acts — each interlocked operation on
/// a fast reference, a rundown word, a handle-table entry or free list, each lock acquire and
/// release, each notify routine's call and return — naming the word it is about to touch, so a
/// scheduler can tell steps that commute from steps that race.
///
/// With no scheduler installed on the calling host thread (the normal case) a point is one
/// thread-local pointer test, predicted not taken. A step that may have to wait (a lock held
/// elsewhere, a rundown still draining) passes a `Ready` test: under a scheduler it is run only
/// once the test holds, and until then its CPU is *blocked*, never spinning its host thread.
///
/// \code
///   ntemu::sched::point(ntemu::sched::Access::Write, &word, "InterlockedIncrement");
///   word.fetch_add(1);
///   // A step that may wait: the scheduler resumes the caller only when `ready(&m)` holds.
///   ntemu::sched::wait(ntemu::sched::Access::Acquire, &m, "lock", &is_free);
/// \endcode
#pragma once

#include <cstdint>

namespace ntemu::sched {

/// What a step does to the word it names. Two steps of different CPUs *race* (their order can
/// matter) when they touch a common word and at least one of them is not a Read; `Any` races
/// with every step.
enum class Access : std::uint8_t {
  Read,     ///< a load another CPU's store can change
  Write,    ///< a store, an exchange or any read-modify-write
  Acquire,  ///< taking a lock (may wait)
  Release,  ///< letting a lock go
  Wait,     ///< waiting for a condition on the word (may wait): a rundown draining
  Call,     ///< a notify routine is called
  Return,   ///< it returned
  Any,      ///< anything at all: a statement of a scenario, a user's own point
};

/// A step, described just before it happens. `object` (and `object2`, for a step that touches
/// two words) identify the words by address: they are compared, never dereferenced or printed.
/// `what` is static text naming the step for traces; `arg` a deterministic detail (a handle
/// value, a slot number, a model address).
struct Op {
  Access access = Access::Any;
  const void* object = nullptr;
  const void* object2 = nullptr;
  const char* what = "";
  std::uint64_t arg = 0;
};

/// Whether a step that may wait can proceed now; called with the `ready_arg` given to wait().
using Ready = bool (*)(const void* ready_arg);

/// Thrown from a wait() by a controlled scheduler abandoning a schedule whose CPUs can no longer
/// proceed (every one of them waits): it unwinds the CPU's statement. Never thrown without a
/// scheduler, never from point(), never while the CPU is already unwinding.
struct Aborted {};

/// A controlled scheduler (explore/engine.hpp implements it).
class Scheduler {
 public:
  /// Called on the CPU's host thread before the step `op`. Returns when this CPU is to perform
  /// it — at once, or after other CPUs ran — and, if `ready` is given, only once `ready(arg)`
  /// holds. May throw Aborted from a step that cannot proceed while the whole schedule is being
  /// abandoned; never from a step without `ready`.
  virtual void point(const Op& op, Ready ready, const void* ready_arg) = 0;

 protected:
  ~Scheduler() = default;
};

/// The scheduler controlling the calling host thread, or nullptr (the normal case).
extern constinit thread_local Scheduler* t_scheduler;

/// True when a controlled scheduler runs the calling host thread.
inline bool controlled() {
  return t_scheduler != nullptr;
}

/// A step that cannot have to wait.
inline void point(Access access, const void* object, const char* what, std::uint64_t arg = 0) {
  if (Scheduler* s = t_scheduler; s != nullptr) [[unlikely]] {
    s->point({access, object, nullptr, what, arg}, nullptr, nullptr);
  }
}

/// A step touching two words.
inline void point2(Access access, const void* object, const void* object2, const char* what,
                   std::uint64_t arg = 0) {
  if (Scheduler* s = t_scheduler; s != nullptr) [[unlikely]] {
    s->point({access, object, object2, what, arg}, nullptr, nullptr);
  }
}

/// A step that may have to wait until `ready(ready_arg)` holds. Only meaningful under a
/// scheduler: without one the caller waits its own way (callers test controlled() first).
inline void wait(Access access, const void* object, const char* what, Ready ready,
                 const void* ready_arg, std::uint64_t arg = 0) {
  if (Scheduler* s = t_scheduler; s != nullptr) {
    s->point({access, object, nullptr, what, arg}, ready, ready_arg);
  }
}

/// Installs `scheduler` on the calling host thread for the scope's lifetime.
class Controlled {
 public:
  explicit Controlled(Scheduler* scheduler) : previous_(t_scheduler) { t_scheduler = scheduler; }
  ~Controlled() { t_scheduler = previous_; }
  Controlled(const Controlled&) = delete;
  Controlled& operator=(const Controlled&) = delete;

 private:
  Scheduler* previous_;
};

}  // namespace ntemu::sched
