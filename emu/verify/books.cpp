// SPDX-License-Identifier: MIT
#include "books.hpp"

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

bool RoutineBook::count_exit(BalanceKind kind, std::uint64_t id, bool only_if_pending,
                             std::uint32_t step, const ob::Object& object) {
  Shard& sh = shard(id);
  SpinLocker hold(sh.lock);
  if (only_if_pending) {
    const Balance* b = sh.balance.find(BalanceKey::make(kind, id));
    if (b == nullptr || b->generation != generation.load() || b->creates <= b->exits) {
      return false;
    }
  }
  count_locked(sh, kind, id, false, step, object);
  return true;
}

void RoutineBook::count(BalanceKind kind, std::uint64_t id, bool create, std::uint32_t step,
                        const ob::Object& object) {
  Shard& sh = shard(id);
  SpinLocker hold(sh.lock);
  count_locked(sh, kind, id, create, step, object);
}

void RoutineBook::count_locked(Shard& sh, BalanceKind kind, std::uint64_t id, bool create,
                               std::uint32_t step, const ob::Object& object) {
  const std::uint64_t key = BalanceKey::make(kind, id);
  Balance& b = sh.balance[key];
  const std::uint32_t now = generation.load(std::memory_order_acquire);
  if (b.generation != now) {
    // The counts of an ended registration: judge them now, then start afresh.
    if (closed_hazard(key, b)) sh.closed.push_back({key, b});
    b = Balance{};
    b.generation = now;
  }
  (create ? b.creates : b.exits) += 1;
  b.last_step = step;
  b.object = object.address();
  b.serial = object.serial();
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

RoutineBook& Verifier::Books::book(ps::NotifyRoutine& routine, const ob::ObjectManager& objects) {
  if (void* b = routine.annotation.load(std::memory_order_acquire)) {
    return *static_cast<RoutineBook*>(b);
  }
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
