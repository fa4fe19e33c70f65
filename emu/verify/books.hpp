// SPDX-License-Identifier: MIT
// The verifier's books (verify/verifier.hpp): step labels, per-routine balances of the creates
// and exits each routine was told of, the pokes, and the findings raised while running. A call
// costs the books no lock and no interlocked instruction: its counts go to its host thread's log
// and are counted in order when the log is full or before anything reads the balances.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
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
#include "ntemu/ps/observer.hpp"
#include "ntemu/ps/process.hpp"
#include "ntemu/ps/thread.hpp"
#include "ntemu/support/flat_map.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/scheduling_point.hpp"
#include "ntemu/verify/verifier.hpp"
#include "walk_pairs.hpp"

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
  std::uint64_t last_seq = 0;    // the count's place in counting order (Books::seq), so that of
                                 // two counts of one step the later counted is the last one
};

/// Makes a count at (`step`, `seq`) of `object` / `serial` the last one of `c` (a Balance, or
/// WalkPairs' pairs of an ID) unless it is before it: the latest step wins, then the later
/// counted.
template <class Counts>
void note_last(Counts& c, std::uint32_t step, std::uint64_t seq, std::uint64_t object,
               std::uint64_t serial) {
  if (step < c.last_step || (step == c.last_step && seq < c.last_seq)) return;
  c.last_step = step;
  c.last_seq = seq;
  c.object = object;
  c.serial = serial;
}

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

/// What every call of one notify walk told its routines (NotifyCall::walk): the object, the
/// IDs, the step and the direction. A host thread's log holds it once per walk.
struct WalkHeader {
  std::uint64_t object = 0;  // the object told of: its address and serial
  std::uint64_t serial = 0;
  std::uint64_t id = 0;   // the PID (process calls) or the TID (thread calls)
  std::uint64_t pid = 0;  // thread calls: the PID the routine was told
  std::uint32_t step = 0;
  bool thread = false;
  bool create = false;
};

/// The header of `call`'s walk, at `step` (not an image call: those have no object to pair).
inline WalkHeader header_of(const ps::NotifyCall& call, std::uint32_t step) {
  WalkHeader w;
  w.object = call.object->address();
  w.serial = call.object->serial();
  w.thread = call.kind == ps::NotifyKind::Thread;
  w.id = w.thread ? call.tid.value() : call.pid.value();
  w.pid = call.pid.value();
  w.step = step;
  w.create = call.create;
  return w;
}

/// One logged call: the routine's book, what is the routine's own, and the walk it belongs to
/// (its header's place in the log).
struct LoggedCall {
  RoutineBook* book = nullptr;
  std::uint32_t generation = 0;  // the routine's registration when it was called
  std::uint16_t walk = 0;        // CountLog::walks index of its header
  bool born_before = false;      // the object existed before the routine's registration
};
static_assert(sizeof(LoggedCall) == 16, "a logged call is two words");

/// The call a header and its logged call make.
inline PendingCount unpack(const WalkHeader& w, const LoggedCall& c) {
  PendingCount p;
  p.book = c.book;
  p.object = w.object;
  p.serial = w.serial;
  p.id = w.id;
  p.pid = w.pid;
  p.step = w.step;
  p.generation = c.generation;
  p.thread = w.thread;
  p.create = w.create;
  p.born_before = c.born_before;
  return p;
}

/// A host thread's calls not yet counted: a single-producer ring of calls that only its thread
/// writes and that is emptied under Verifier::Books::counts, when full or before the books are
/// read, with a ring of walk headers beside it. A header is written before the first call of its
/// walk that is logged, and again when the step changes within the walk; the calls in the ring
/// name at most kEntries headers, the latest kEntries written, so none is overwritten while a
/// call still names it.
struct CountLog {
  static constexpr std::uint32_t kEntries = 128;
  std::atomic<std::uint32_t> head{0};  // the next call to count
  std::atomic<std::uint32_t> tail{0};  // the next call to write
  std::thread::id owner;               // guarded by Verifier::Books::counts
  // The owner's: the walk and step of the header written last, and its place.
  std::uint64_t walk = 0;  // 0: none (a new owner, or a walk not numbered)
  std::uint32_t walk_step = 0;
  std::uint32_t headers = 0;  // headers ever written
  std::array<WalkHeader, kEntries> walks;
  std::array<LoggedCall, kEntries> calls;
};

/// One book per routine, created at its first registration and never freed, so its routine's
/// record may point at it (NotifyRoutine::annotation). Its balances and closed counts are
/// guarded by Verifier::Books::counts; calls reach them through the calling thread's CountLog.
struct RoutineBook {
  RoutineBook(const ps::NotifyRoutine& r, const ob::ObjectManager& o) : routine(r), objects(o) {}
  const ps::NotifyRoutine& routine;
  const ob::ObjectManager& objects;
  // Registrations alive (guarded by Verifier::Books::lock), and the object serial watermark
  // read once the first one put the routine in its array: objects below it existed before the
  // routine could hear of them (a creation's notify walk may have passed the slot before the
  // routine was in it). Between the first registration's start and that read it is
  // kUntilInserted: every object counts as existing before. The generation counts
  // registrations that ended (the last removal of the routine returned).
  static constexpr std::uint64_t kUntilInserted = ~std::uint64_t{0};
  int registrations = 0;
  std::atomic<std::uint64_t> registered_since{0};
  std::atomic<std::uint32_t> generation{0};
  // Once a registration of the routine ended, its calls are counted at once, not logged: a count
  // that closes an ended registration's balance judges it against the object as it is then.
  std::atomic<bool> direct{false};
  BalanceMap<Balance> balance;
  std::vector<Unpaired> closed;  // judged hazards of ended registrations
  // Process and thread IDs whose counted exits outnumber their creates (WalkPairs asks).
  std::uint64_t surplus_exits = 0;

  /// Counts of an ended registration: a create without its exit is explained by the removal
  /// (the routine could not hear of the exit), unless the object it was told of still exists
  /// and no longer carries the ID — then the kernel changed the ID under it (a hazard).
  bool closed_hazard(std::uint64_t key, const Balance& b) const;
  /// Counts what `call` told the routine, `seq`-th in counting order (under
  /// Verifier::Books::counts).
  void apply(const PendingCount& call, std::uint64_t seq);
  /// Whether an exit `call` would be counted now: it is not born before the routine's
  /// registration, or a create of its ID waits for it.
  bool exit_counts(const PendingCount& call) const;
  /// Whether a create of `id` told in registration `of_generation` waits for its exit.
  bool create_pending(BalanceKind kind, std::uint64_t id, std::uint32_t of_generation) const;
  /// Adds `pairs` creates and as many exits under `key`, the last of them at `step`, `seq`, for
  /// `object` / `serial` (WalkPairs: walks that paired up).
  void add_pairs(std::uint64_t key, std::uint64_t pairs, std::uint32_t step, std::uint64_t seq,
                 std::uint64_t object, std::uint64_t serial);

 private:
  /// Counts an exit, unless `only_if_pending` and the routine saw no unpaired create for the
  /// ID in the call's registration; returns whether it counted.
  bool count_exit(BalanceKind kind, std::uint64_t id, bool only_if_pending,
                  const PendingCount& call, std::uint64_t seq);
  void count(BalanceKind kind, std::uint64_t id, bool create, const PendingCount& call,
             std::uint64_t seq);
};

/// Whether the object `call` is about existed before `book`'s routine was registered. An exit
/// the routine cannot pair with a create it saw, of such an object, is not judged: it registered
/// too late to hear of the creation.
inline bool born_before(const ps::NotifyCall& call, const RoutineBook& book) {
  return call.object->serial() < book.registered_since.load(std::memory_order_acquire);
}

/// A host thread's log of the Books it used last (Books::serial): most host threads work for
/// one kernel at a time, so finding the log is one comparison.
struct LogCache {
  std::uint64_t books = 0;
  CountLog* log = nullptr;
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
  std::uint64_t seq NTEMU_GUARDED_BY(counts) = 0;  // counts made so far, in counting order
  WalkPairs pairs NTEMU_GUARDED_BY(counts);
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
      NTEMU_EXCLUDES(lock) {
    if (void* b = routine.annotation.load(std::memory_order_acquire)) {
      return *static_cast<RoutineBook*>(b);
    }
    return make_book(routine, objects);
  }
  /// Whether a call of `book`'s routine is counted at once (count_now) rather than logged (log):
  /// when the book is direct, and when a controlled scheduler runs the calling thread (the
  /// explorer's CPUs share no order of their logs).
  static bool counts_now(const RoutineBook& book) {
    return sched::controlled() || book.direct.load(std::memory_order_acquire);
  }
  void count_now(const PendingCount& call) NTEMU_EXCLUDES(counts);
  /// The calling host thread's log when it is the one it used last, else nullptr.
  CountLog* cached_log() const { return t_log.books == serial ? t_log.log : nullptr; }
  /// Whether `log` holds kEntries calls not yet counted.
  static bool full(const CountLog& log) {
    return log.tail.load(std::memory_order_relaxed) - log.head.load(std::memory_order_acquire) ==
           CountLog::kEntries;
  }
  /// Appends a call of `book`'s routine, of the walk `call` is part of, made at `step`, to
  /// `log`, its owner's log, which has room; a header is written first when the walk or the
  /// step is not the last one's.
  static void append_in_walk(CountLog& log, const ps::NotifyCall& call, std::uint32_t step,
                             RoutineBook& book, bool born_before) {
    if (!in_last_walk(log, call, step)) begin_walk(log, call, step);
    append(log, book, born_before);
  }
  /// append_in_walk to the calling host thread's log, counted first when it is full.
  void log(const ps::NotifyCall& call, std::uint32_t step, RoutineBook& book, bool born_before)
      NTEMU_EXCLUDES(counts) {
    CountLog& log = my_log();
    if (full(log)) [[unlikely]]
      make_room();
    append_in_walk(log, call, step, book, born_before);
  }
  /// Counts every logged call, each host thread's log in order (walks that pair up as pairs).
  void drain() NTEMU_REQUIRES(counts);
  /// Counts the calls of one host thread's log, in order.
  void drain(CountLog& log) NTEMU_REQUIRES(counts);
  /// Drains, then counts every walk WalkPairs holds in its routines' books, and stops pairing:
  /// before anything reads the balances or changes how a call is counted.
  void settle() NTEMU_REQUIRES(counts);

 private:
  static inline constinit thread_local LogCache t_log{};

  /// Whether the last header of `log` is that of `call`'s walk (a numbered one) at `step`.
  static bool in_last_walk(const CountLog& log, const ps::NotifyCall& call, std::uint32_t step) {
    return call.walk == log.walk && step == log.walk_step && call.walk != 0;
  }
  /// Writes the header of `call`'s walk at `step` in the owner's `log`.
  static void begin_walk(CountLog& log, const ps::NotifyCall& call, std::uint32_t step) {
    log.walks[log.headers % CountLog::kEntries] = header_of(call, step);
    ++log.headers;
    log.walk = call.walk;
    log.walk_step = step;
  }
  /// Appends a call of `book`'s routine under the last header of `log`, its owner's log, which
  /// has room.
  static void append(CountLog& log, RoutineBook& book, bool born_before) {
    // Field by field: a copy of the 15 bytes the fields fill would be two overlapping 8-byte
    // moves, the second a load that the stores before it cannot forward to (a stall a call).
    const std::uint32_t tail = log.tail.load(std::memory_order_relaxed);
    LoggedCall& slot = log.calls[tail % CountLog::kEntries];
    slot.book = &book;
    slot.generation = book.generation.load(std::memory_order_acquire);
    slot.walk = static_cast<std::uint16_t>((log.headers - 1) % CountLog::kEntries);
    slot.born_before = born_before;
    log.tail.store(tail + 1, std::memory_order_release);
  }

  CountLog& my_log() NTEMU_EXCLUDES(counts) {
    if (t_log.books == serial) [[likely]] {
      return *t_log.log;
    }
    return find_log();
  }
  CountLog& find_log() NTEMU_EXCLUDES(counts);
  void make_room() NTEMU_EXCLUDES(counts);
  RoutineBook& make_book(ps::NotifyRoutine& routine, const ob::ObjectManager& objects)
      NTEMU_EXCLUDES(lock);
};

}  // namespace ntemu::verify
