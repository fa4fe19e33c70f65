// SPDX-License-Identifier: MIT
// The verifier's books (verify/verifier.hpp): step labels, per-routine balances of the creates
// and exits each routine was told of, the pokes, and the findings raised while running.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/container/flat_map.hpp>

#include "balance_map.hpp"
#include "ntemu/ob/object.hpp"
#include "ntemu/ps/notify_routine.hpp"
#include "ntemu/ps/process.hpp"
#include "ntemu/ps/thread.hpp"
#include "ntemu/support/flat_map.hpp"
#include "ntemu/support/mutex.hpp"
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

struct alignas(64) Shard {  // a cache line each: host threads on different IDs do not meet
  SpinLock lock;
  BalanceMap<Balance> balance NTEMU_GUARDED_BY(lock);
  std::vector<Unpaired> closed NTEMU_GUARDED_BY(lock);  // judged hazards of ended registrations
};

/// One book per routine, created at its first registration and never freed, so its routine's
/// record may point at it (NotifyRoutine::annotation). Creates and exits are counted in shards
/// by ID, so host threads on different IDs do not meet.
struct RoutineBook {
  RoutineBook(const ps::NotifyRoutine& r, const ob::ObjectManager& o) : routine(r), objects(o) {}
  const ps::NotifyRoutine& routine;
  const ob::ObjectManager& objects;
  std::atomic<int> in_flight{0};  // calls running now (plain arrays only)
  // Registrations alive (guarded by Verifier::Books::lock), and the object serial watermark at
  // the first one: objects below it existed before the routine could hear of them. The
  // generation counts registrations that ended (the last removal of the routine returned).
  int registrations = 0;
  std::atomic<std::uint64_t> registered_since{0};
  std::atomic<std::uint32_t> generation{0};
  std::array<Shard, 16> shards;

  Shard& shard(std::uint64_t id) { return shards[(id >> 2) % shards.size()]; }
  /// Counts of an ended registration: a create without its exit is explained by the removal
  /// (the routine could not hear of the exit), unless the object it was told of still exists
  /// and no longer carries the ID — then the kernel changed the ID under it (a hazard).
  bool closed_hazard(std::uint64_t key, const Balance& b) const;
  /// Counts an exit, unless `only_if_pending` and the routine saw no unpaired create for the
  /// ID in this registration; returns whether it counted.
  bool count_exit(BalanceKind kind, std::uint64_t id, bool only_if_pending, std::uint32_t step,
                  const ob::Object& object);
  void count(BalanceKind kind, std::uint64_t id, bool create, std::uint32_t step,
             const ob::Object& object);

 private:
  void count_locked(Shard& sh, BalanceKind kind, std::uint64_t id, bool create, std::uint32_t step,
                    const ob::Object& object) NTEMU_REQUIRES(sh.lock);
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

  std::uint32_t now() const { return step_now.load(std::memory_order_relaxed); }
  std::string step_text(std::uint32_t index) const NTEMU_EXCLUDES(lock);
  std::string current_step() const { return step_text(step_now.load(std::memory_order_acquire)); }
  using StepTable = boost::container::flat_map<std::uint64_t, std::uint32_t> Books::*;
  void note(StepTable table, std::uint64_t key) NTEMU_EXCLUDES(lock);
  std::string noted(StepTable table, std::uint64_t key) const NTEMU_EXCLUDES(lock);
  /// The book of `routine`, created (and hung on the record) on first use.
  RoutineBook& book(ps::NotifyRoutine& routine, const ob::ObjectManager& objects)
      NTEMU_EXCLUDES(lock);
};

}  // namespace ntemu::verify
