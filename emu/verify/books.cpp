// SPDX-License-Identifier: MIT
#include "books.hpp"

#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::verify {

std::uint64_t current_id(const ob::Object& o, BalanceKind kind) {
  if (o.type() == ob::ObjectType::Process) return static_cast<const ps::Process&>(o).pid().value();
  const auto& t = static_cast<const ps::Thread&>(o);
  return kind == kThreadPids ? t.ThreadsProcess->pid().value() : t.tid().value();
}

bool RoutineBook::closed_hazard(std::uint64_t key, const Balance& b) const {
  if (b.creates == b.exits) return false;
  // Read under the object manager's lock: this book holds no reference on the object. A live
  // thread still references its process, so that one is there too.
  bool hazard = false;
  objects.inspect(b.object, [&](const ob::Object* o) {
    hazard = o != nullptr && o->serial() == b.serial && o->pointer_count() > 0 &&
             current_id(*o, BalanceKey::kind(key)) != BalanceKey::id(key);
  });
  return hazard;
}

bool RoutineBook::create_pending(BalanceKind kind, std::uint64_t id,
                                 std::uint32_t of_generation) const {
  const Balance* b = balance.find(BalanceKey::make(kind, id));
  return b != nullptr && b->generation == of_generation && b->creates > b->exits;
}

bool RoutineBook::exit_counts(const PendingCount& call) const {
  return !call.born_before ||
         create_pending(call.thread ? kThreadIds : kProcessIds, call.id, call.generation);
}

bool RoutineBook::count_exit(BalanceKind kind, std::uint64_t id, bool only_if_pending,
                             const PendingCount& call, std::uint64_t seq) {
  if (only_if_pending && !create_pending(kind, id, call.generation)) return false;
  count(kind, id, false, call, seq);
  return true;
}

void RoutineBook::count(BalanceKind kind, std::uint64_t id, bool create, const PendingCount& call,
                        std::uint64_t seq) {
  const std::uint64_t key = BalanceKey::make(kind, id);
  Balance& b = balance[key];
  const bool tracked = kind != kThreadPids;  // IDs whose surplus exits WalkPairs asks about
  const bool was_surplus = tracked && b.exits > b.creates;
  if (b.generation != call.generation) {
    if (b.generation > call.generation) {
      // A call made before its registration ended, counted after (host threads racing the
      // removal): it belongs to the ended registration and is judged with it.
      Balance late;
      late.generation = call.generation;
      (create ? late.creates : late.exits) = 1;
      late.last_step = call.step;
      late.last_seq = seq;
      late.object = call.object;
      late.serial = call.serial;
      if (closed_hazard(key, late)) closed.push_back({key, late});
      return;
    }
    // The counts of an ended registration: judge them now, then start afresh.
    if (closed_hazard(key, b)) closed.push_back({key, b});
    b = Balance{};
    b.generation = call.generation;
  }
  (create ? b.creates : b.exits) += 1;
  // The latest step wins, not the latest counted: host threads' logs are counted one after the
  // other, and steps only grow. Within a step, the later counted.
  note_last(b, call.step, seq, call.object, call.serial);
  const bool is_surplus = tracked && b.exits > b.creates;
  if (is_surplus != was_surplus) is_surplus ? ++surplus_exits : --surplus_exits;
}

void RoutineBook::add_pairs(std::uint64_t key, std::uint64_t pairs, std::uint32_t step,
                            std::uint64_t seq, std::uint64_t object, std::uint64_t serial) {
  Balance& b = balance[key];  // pairs are only held while no registration ended: generation 0
  b.creates += pairs;
  b.exits += pairs;
  note_last(b, step, seq, object, serial);
}

void RoutineBook::apply(const PendingCount& call, std::uint64_t seq) {
  if (!call.thread) {
    if (call.create) {
      count(kProcessIds, call.id, true, call, seq);
    } else {
      count_exit(kProcessIds, call.id, call.born_before, call, seq);
    }
    return;
  }
  // Thread bookkeeping is per TID; the PID a routine saw is checked through the process.
  if (call.create) {
    count(kThreadIds, call.id, true, call, seq);
    count(kThreadPids, call.pid, true, call, seq);
  } else if (count_exit(kThreadIds, call.id, call.born_before, call, seq)) {
    count(kThreadPids, call.pid, false, call, seq);
  }
}

namespace {
std::atomic<std::uint64_t> g_books_made{0};
}  // namespace

Verifier::Books::Books() : serial(g_books_made.fetch_add(1, std::memory_order_relaxed) + 1) {}

CountLog& Verifier::Books::find_log() {
  SpinLocker hold(counts);
  const std::thread::id me = std::this_thread::get_id();
  CountLog* mine = nullptr;
  for (const auto& log : logs) {
    if (log->owner == me) mine = log.get();  // a thread that ended left it to this id's next
  }
  if (mine == nullptr) {
    logs.push_back(std::make_unique<CountLog>());
    mine = logs.back().get();
    mine->owner = me;
  }
  mine->walk = 0;  // a new owner's walks are numbered afresh: its first call writes a header
  t_log = {serial, mine};
  return *mine;
}

void Verifier::Books::count_now(const PendingCount& call) {
  SpinLocker hold(counts);
  settle();
  call.book->apply(call, seq++);
}

void Verifier::Books::make_room() {
  // Only this thread's log: the others are counted when they fill or before a read, and
  // counting them here would pull their lines from the cores writing them.
  SpinLocker hold(counts);
  drain(*t_log.log);
}

void Verifier::Books::drain() {
  for (const auto& log : logs)
    drain(*log);
}

void Verifier::Books::drain(CountLog& log) {
  const std::uint32_t head = log.head.load(std::memory_order_relaxed);
  const std::uint32_t tail = log.tail.load(std::memory_order_acquire);
  for (std::uint32_t i = head; i != tail;) {
    const LoggedCall& first = log.calls[i % CountLog::kEntries];
    const WalkHeader& header = log.walks[first.walk];
    if (!pairs.on()) {
      first.book->apply(unpack(header, first), seq++);
      ++i;
      continue;
    }
    // The calls of one walk lie side by side in its host thread's log, naming one header. A
    // walk of a nested callout may cut one in two: WalkPairs then finds no pair and counts the
    // calls one by one.
    const LoggedCall* walk[WalkPairs::kMaxWalk];
    std::size_t n = 0;
    walk[n++] = &first;
    for (++i; i != tail && n < WalkPairs::kMaxWalk; ++i) {
      const LoggedCall& next = log.calls[i % CountLog::kEntries];
      if (next.walk != first.walk) break;
      walk[n++] = &next;
    }
    pairs.walk(header, walk, n, seq);
    seq += n;
  }
  log.head.store(tail, std::memory_order_release);
}

void Verifier::Books::settle() {
  drain();
  pairs.settle();
}

std::string Verifier::Books::step_text(std::uint32_t index) const {
  MutexLocker hold(lock);
  return index < step_labels.size() ? step_labels[index] : std::string();
}

void Verifier::Books::note(StepTable table, std::uint64_t key) {
  MutexLocker hold(lock);
  (this->*table)[key] = step_now.load(std::memory_order_relaxed);
}

std::string Verifier::Books::noted(StepTable table, std::uint64_t key) const {
  MutexLocker hold(lock);
  const auto& where = this->*table;
  auto it = where.find(key);
  if (it == where.end() || it->second >= step_labels.size()) return std::string();
  return step_labels[it->second];
}

RoutineBook& Verifier::Books::make_book(ps::NotifyRoutine& routine,
                                        const ob::ObjectManager& objects) {
  MutexLocker hold(lock);
  if (void* b = routine.annotation.load(std::memory_order_acquire)) {
    return *static_cast<RoutineBook*>(b);
  }
  routines.push_back(std::make_unique<RoutineBook>(routine, objects));
  RoutineBook* made = routines.back().get();
  routine.annotation.store(made, std::memory_order_release);
  return *made;
}

}  // namespace ntemu::verify
