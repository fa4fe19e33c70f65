// SPDX-License-Identifier: MIT
// The verifier's books (verify/verifier.hpp): step labels, per-routine balances of the creates
// and exits each routine was told of, the pokes, and the findings raised while running. A call
// costs the books no lock and no interlocked instruction: its counts go to its host thread's log
// and are counted in order when the log is full or before anything reads the balances.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/container/flat_map.hpp>

#include "balance_map.hpp"
#include "ntemu/ob/object.hpp"
#include "ntemu/ps/notify_routine.hpp"
#include "ntemu/ps/process.hpp"
#include "ntemu/ps/thread.hpp"
#include "ntemu/support/flat_map.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/scheduling_point.hpp"
#include "ntemu/verify/verifier.hpp"

namespace ntemu::verify {

/// Which of an object's two annotation words (ob::Object::annotations) holds which step.
inline constexpr std::size_t kStepCidCreated = 0;
inline constexpr std::size_t kStepDeleted = 1;

/// A routine's counts for one ID of one kind.
struct Balance {
  std::uint64_t creates = 0;
  std::uint64_t exits = 0;
  std::uint32_t last_step = 0;
  std::uint32_t generation = 0;  // the routine's registration the counts belong to
  std::uint64_t object = 0;      // the object last counted under the ID: its address
  std::uint64_t serial = 0;      // and its serial (an address may be reused)
};

/// What a balance counts: process IDs, thread IDs, or the PIDs thread routines were told.
enum BalanceKind : std::uint64_t { kProcessIds = 0, kThreadIds = 1, kThreadPids = 2 };

/// A balance key: the kind in the top two bits, the ID below.
struct BalanceKey {
  static constexpr std::uint64_t kIdMask = (std::uint64_t{1} << 62) - 1;
  static std::uint64_t make(BalanceKind kind, std::uint64_t id) {
    return (static_cast<std::uint64_t>(kind) << 62) | (id & kIdMask);
  }
  static BalanceKind kind(std::uint64_t key) { return static_cast<BalanceKind>(key >> 62); }
  static std::uint64_t id(std::uint64_t key) { return key & kIdMask; }
};

/// The ID `o` carries now under `kind` (its PID, its TID, or its process's PID).
std::uint64_t current_id(const ob::Object& o, BalanceKind kind);

struct Unpaired {
  std::uint64_t key;
  Balance balance;
};

/// What one call told one routine, waiting to be counted in its book (RoutineBook::apply).
struct PendingCount {
  RoutineBook* book = nullptr;
  std::uint64_t object = 0;  // the object told of: its address and serial
  std::uint64_t serial = 0;
  std::uint64_t id = 0;   // the PID (process calls) or the TID (thread calls)
  std::uint64_t pid = 0;  // thread calls: the PID the routine was told
  std::uint32_t step = 0;
  std::uint32_t generation = 0;  // the routine's registration when it was called
  bool thread = false;
  bool create = false;
  bool born_before = false;  // the object existed before the routine's registration
};

/// A host thread's calls not yet counted: a single-producer ring that only its thread writes
/// and that is emptied under Verifier::Books::counts, when full or before the books are read.
struct CountLog {
  static constexpr std::uint32_t kEntries = 128;
  std::atomic<std::uint32_t> head{0};  // the next entry to count
  std::atomic<std::uint32_t> tail{0};  // the next entry to write
  std::thread::id owner;               // guarded by Verifier::Books::counts
  std::array<PendingCount, kEntries> entries;
};

/// One book per routine, created at its first registration and never freed, so its routine's
/// record may point at it (NotifyRoutine::annotation). Its balances and closed counts are
/// guarded by Verifier::Books::counts; calls reach them through the calling thread's CountLog.
struct RoutineBook {
  RoutineBook(const ps::NotifyRoutine& r, const ob::ObjectManager& o) : routine(r), objects(o) {}
  const ps::NotifyRoutine& routine;
  const ob::ObjectManager& objects;
  // Registrations alive (guarded by Verifier::Books::lock), and the object serial watermark at
  // the first one: objects below it existed before the routine could hear of them. The
  // generation counts registrations that ended (the last removal of the routine returned).
  int registrations = 0;
  std::atomic<std::uint64_t> registered_since{0};
  std::atomic<std::uint32_t> generation{0};
  // Once a registration of the routine ended, its calls are counted at once, not logged: a count
  // that closes an ended registration's balance judges it against the object as it is then.
  std::atomic<bool> direct{false};
  BalanceMap<Balance> balance;
  std::vector<Unpaired> closed;  // judged hazards of ended registrations

  /// Counts of an ended registration: a create without its exit is explained by the removal
  /// (the routine could not hear of the exit), unless the object it was told of still exists
  /// and no longer carries the ID — then the kernel changed the ID under it (a hazard).
  bool closed_hazard(std::uint64_t key, const Balance& b) const;
  /// Counts what `call` told the routine (under Verifier::Books::counts).
  void apply(const PendingCount& call);

 private:
  /// Counts an exit, unless `only_if_pending` and the routine saw no unpaired create for the
  /// ID in the call's registration; returns whether it counted.
  bool count_exit(BalanceKind kind, std::uint64_t id, bool only_if_pending,
                  const PendingCount& call);
  void count(BalanceKind kind, std::uint64_t id, bool create, const PendingCount& call);
};

struct Verifier::Books {
  mutable Mutex lock;
  // Step labels (set_step) are interned: objects and books keep an index, 0 = none.
  std::deque<std::string> step_labels NTEMU_GUARDED_BY(lock){std::string()};
  std::atomic<std::uint32_t> step_now{0};
  std::vector<std::unique_ptr<RoutineBook>> routines NTEMU_GUARDED_BY(lock);  // creation order
  // Small ordered tables: flat maps. Keyed by model address (PID pokes) and, for slot pokes,
  // by EX_CALLBACK block address and by array (0 process, 1 thread).
  boost::container::flat_map<std::uint64_t, std::uint32_t> pid_changed_step NTEMU_GUARDED_BY(lock);
  boost::container::flat_map<std::uint64_t, std::uint32_t> slot_cleared_step NTEMU_GUARDED_BY(lock);
  std::vector<Finding> raised NTEMU_GUARDED_BY(lock);    // while running, in raise order
  std::vector<Finding> reported NTEMU_GUARDED_BY(lock);  // from outside (report)
  // The routines' balances and the host threads' count logs. A spin lock, not an ntemu::Mutex:
  // taking it is no scheduling point, so the explorer's schedules do not depend on the verifier.
  SpinLock counts;
  std::vector<std::unique_ptr<CountLog>> logs NTEMU_GUARDED_BY(counts);
  const std::uint64_t serial;  // distinct for every Books ever made (thread-local log caches)

  Books();

  std::uint32_t now() const { return step_now.load(std::memory_order_relaxed); }
  std::string step_text(std::uint32_t index) const NTEMU_EXCLUDES(lock);
  std::string current_step() const { return step_text(step_now.load(std::memory_order_acquire)); }
  using StepTable = boost::container::flat_map<std::uint64_t, std::uint32_t> Books::*;
  void note(StepTable table, std::uint64_t key) NTEMU_EXCLUDES(lock);
  std::string noted(StepTable table, std::uint64_t key) const NTEMU_EXCLUDES(lock);
  /// The book of `routine`, created (and hung on the record) on first use.
  RoutineBook& book(ps::NotifyRoutine& routine, const ob::ObjectManager& objects)
      NTEMU_EXCLUDES(lock);
  /// Whether a call of `book`'s routine is counted at once (count_now) rather than logged
  /// (reserve, fill, publish): when the book is direct, and when a controlled scheduler runs the
  /// calling thread (the explorer's CPUs share no order of their logs).
  static bool counts_now(const RoutineBook& book) {
    return sched::controlled() || book.direct.load(std::memory_order_acquire);
  }
  void count_now(const PendingCount& call) NTEMU_EXCLUDES(counts);
  /// The calling host thread's next log entry, to be filled in place and then published.
  PendingCount& reserve() NTEMU_EXCLUDES(counts);
  void publish();
  /// Counts every logged call, each host thread's log in order.
  void drain() NTEMU_REQUIRES(counts);

 private:
  CountLog& my_log() NTEMU_EXCLUDES(counts);
};

}  // namespace ntemu::verify
