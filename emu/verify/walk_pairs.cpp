// SPDX-License-Identifier: MIT
#include "walk_pairs.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

#include "books.hpp"

namespace ntemu::verify {
namespace {
constexpr std::uint64_t kMaxHeldId = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxSets = 1024;

// Whether `calls` were made to the routines of `set`, in its order.
bool same_books(const std::vector<RoutineBook*>& set, const LoggedCall* const* calls,
                std::size_t n) {
  if (set.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (set[i] != calls[i]->book) return false;
  }
  return true;
}
}  // namespace

void WalkPairs::walk(const WalkHeader& w, const LoggedCall* const* calls, std::size_t n,
                     std::uint64_t seq) {
  // Only calls of registrations that never ended are held (add_pairs counts generation 0).
  if (!on_ || w.id > kMaxHeldId || w.pid > kMaxHeldId ||
      std::any_of(calls, calls + n, [](const LoggedCall* c) { return c->generation != 0; })) {
    count_each(w, calls, n, seq);
    return;
  }
  // The object's entry: none yet, a closed one (serial 0), or a held create walk.
  Open* entry = opens_.find(w.object);
  Open* held = entry != nullptr && entry->serial != 0 ? entry : nullptr;
  if (w.create) {
    const std::int64_t set = intern(calls, n);
    if (set < 0) {
      count_each(w, calls, n, seq);
      return;
    }
    // Held already: another object's, at the same address, or this object's earlier creation.
    if (held != nullptr) count_open(w.object, *held);
    Open& open = entry != nullptr ? *entry : opens_[w.object];
    open.serial = w.serial;
    open.seq = seq;
    open.set = static_cast<std::uint32_t>(set);
    open.step = w.step;
    open.id = static_cast<std::uint32_t>(w.id);
    open.pid = static_cast<std::uint32_t>(w.pid);
    open.thread = w.thread;
    ++open_count_;
    return;
  }
  if (held != nullptr && held->serial == w.serial && pairs_with(*held, w, calls, n)) {
    const std::uint32_t set = held->set;
    held->serial = 0;
    --open_count_;
    if (w.thread) {
      add_pair(set, kThreadIds, held->id, w, seq);
      add_pair(set, kThreadPids, held->pid, w, seq);
    } else {
      add_pair(set, kProcessIds, held->id, w, seq);
    }
    return;
  }
  if (held != nullptr) count_open(w.object, *held);
  count_each(w, calls, n, seq);
}

bool WalkPairs::pairs_with(const Open& open, const WalkHeader& w, const LoggedCall* const* calls,
                           std::size_t n) const {
  if (open.thread != w.thread || open.id != w.id || (w.thread && open.pid != w.pid)) return false;
  const std::vector<RoutineBook*>& set = sets_[open.set];
  if (set.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i) {  // the same routines, none with an ID's exits in surplus
    if (set[i] != calls[i]->book || set[i]->surplus_exits != 0) return false;
  }
  return true;
}

std::int64_t WalkPairs::intern(const LoggedCall* const* calls, std::size_t n) {
  auto matches = [&](const std::vector<RoutineBook*>& set) { return same_books(set, calls, n); };
  if (last_set_ < sets_.size() && matches(sets_[last_set_])) return last_set_;
  for (std::size_t s = 0; s < sets_.size(); ++s) {
    if (matches(sets_[s])) {
      last_set_ = static_cast<std::uint32_t>(s);
      return last_set_;
    }
  }
  if (sets_.size() == kMaxSets) return -1;
  std::vector<RoutineBook*>& made = sets_.emplace_back();
  for (std::size_t i = 0; i < n; ++i)
    made.push_back(calls[i]->book);
  last_set_ = static_cast<std::uint32_t>(sets_.size() - 1);
  return last_set_;
}

void WalkPairs::count_open(std::uint64_t address, Open& open) {
  PendingCount call;
  call.object = address;
  call.serial = open.serial;
  call.id = open.id;
  call.pid = open.pid;
  call.step = open.step;
  call.thread = open.thread;
  call.create = true;
  const std::vector<RoutineBook*>& set = sets_[open.set];
  for (std::size_t i = 0; i < set.size(); ++i) {
    call.book = set[i];
    set[i]->apply(call, open.seq + i);
  }
  open.serial = 0;
  --open_count_;
}

void WalkPairs::add_pair(std::uint32_t set, std::uint64_t kind, std::uint32_t id,
                         const WalkHeader& exit, std::uint64_t seq) {
  Pairs& p = pairs_of(set, kind, id);
  ++p.count;
  note_last(p, exit.step, seq, exit.object, exit.serial);
}

WalkPairs::Pairs& WalkPairs::pairs_of(std::uint32_t set, std::uint64_t kind, std::uint32_t id) {
  if (in_rows(set, id)) {
    std::vector<Pairs>& row = dense_[set * kKinds + kind];
    if (id / 4 < row.size()) return row[id / 4];
  }
  return new_pairs_of(set, kind, id);
}

WalkPairs::Pairs& WalkPairs::new_pairs_of(std::uint32_t set, std::uint64_t kind, std::uint32_t id) {
  if (!in_rows(set, id)) return pairs_[(std::uint64_t{set} << 34) | (kind << 32) | id];
  std::vector<Pairs>& row = dense_[set * kKinds + kind];
  row.resize(std::max<std::size_t>(64, std::bit_ceil(std::size_t{id / 4} + 1)));
  return row[id / 4];
}

void WalkPairs::count_pairs(std::uint32_t set, std::uint64_t kind, std::uint64_t id,
                            const Pairs& p) {
  const std::vector<RoutineBook*>& books = sets_[set];
  for (std::size_t i = 0; i < books.size(); ++i) {
    books[i]->add_pairs(BalanceKey::make(static_cast<BalanceKind>(kind), id), p.count, p.last_step,
                        p.last_seq + i, p.object, p.serial);
  }
}

void WalkPairs::count_each(const WalkHeader& w, const LoggedCall* const* calls, std::size_t n,
                           std::uint64_t seq) {
  for (std::size_t i = 0; i < n; ++i) {
    const PendingCount call = unpack(w, *calls[i]);
    // Whether this exit counts may depend on a create held here: count those first.
    if (on_ && !call.create && open_count_ != 0 && !call.book->exit_counts(call)) settle();
    call.book->apply(call, seq + i);
  }
}

void WalkPairs::settle() {
  if (!on_) return;
  on_ = false;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> held;  // (seq, address)
  held.reserve(open_count_);
  opens_.for_each([&](std::uint64_t address, const Open& open) {
    if (open.serial != 0) held.emplace_back(open.seq, address);
  });
  std::sort(held.begin(), held.end());
  for (const auto& [seq, address] : held)
    count_open(address, *opens_.find(address));
  // The order pairs are counted in changes nothing: a pair adds as many creates as exits, and
  // the last count of an ID is chosen by (step, counting order).
  for (std::size_t row = 0; row < dense_.size(); ++row) {
    for (std::size_t at = 0; at < dense_[row].size(); ++at) {
      const Pairs& p = dense_[row][at];
      if (p.count != 0)
        count_pairs(static_cast<std::uint32_t>(row / kKinds), row % kKinds, at * 4, p);
    }
  }
  pairs_.for_each([&](std::uint64_t key, const Pairs& p) {
    count_pairs(static_cast<std::uint32_t>(key >> 34), (key >> 32) & 3, key & kMaxHeldId, p);
  });
  opens_ = BalanceMap<Open>();
  pairs_ = BalanceMap<Pairs>();
  dense_ = {};
  sets_ = {};
}

}  // namespace ntemu::verify
