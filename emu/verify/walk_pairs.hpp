// SPDX-License-Identifier: MIT
// `WalkPairs`: the verifier's balance books (books.hpp) without the per-routine work of the
// common case. A walk is one pass of a notify array over its routines for one object: the calls
// a host thread's log holds side by side under one header (books.hpp's WalkHeader: the object,
// IDs, step and direction). A create walk is held by object, not counted; when the same
// object's exit walk tells the same routines
// the same IDs, the two walks are one pair per ID of that set of routines — one count instead of
// one per routine and call. Everything held is counted in the routines' books, exactly as if
// each call had been counted in its turn (the same totals, the same last step and object, every
// exit judged against the same pending creates), before anything reads the books: the audit, a
// removal, a poke, a call counted at once (Books::settle), after which pairing stops for good.
//
// Why that is exact: a pair adds as many creates as exits to its IDs, so it changes no balance
// and no "is a create pending" answer; the last count of an ID is chosen by (step, counting
// order), which does not depend on when a count is added; and an exit whose counting depends
// on the creates held (an object born before the routine's registration, with no create
// pending) settles everything first. A walk that pairs needs every routine of it with no ID
// whose exits outnumber its creates, so its exit would have been counted. Under the counts lock.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "balance_map.hpp"

namespace ntemu::verify {

struct LoggedCall;
struct RoutineBook;
struct WalkHeader;

class WalkPairs {
 public:
  /// At most this many calls make one walk (a notify array has at most 64 slots).
  static constexpr std::size_t kMaxWalk = 64;

  bool on() const { return on_; }
  /// Counts one walk: `n` calls under header `w`, the i-th counted `seq + i`-th. Counts the
  /// calls one by one once pairing is off, or when the walk cannot be held.
  void walk(const WalkHeader& w, const LoggedCall* const* calls, std::size_t n, std::uint64_t seq);
  /// Counts everything held in the routines' books and stops pairing.
  void settle();

 private:
  // A create walk waiting for its exit walk, under the object's address.
  struct Open {
    std::uint64_t serial = 0;  // 0: none (a closed one, or never)
    std::uint64_t seq = 0;     // its first call's place in counting order
    std::uint32_t set = 0;     // its routines (sets_)
    std::uint32_t step = 0;
    std::uint32_t id = 0;   // the PID or TID it told
    std::uint32_t pid = 0;  // thread walks: the PID it told
    bool thread = false;
  };
  // The pairs of one ID and one set of routines.
  struct Pairs {
    std::uint64_t count = 0;
    std::uint64_t last_seq = 0;  // the last exit walk's first call
    std::uint64_t object = 0;
    std::uint64_t serial = 0;
    std::uint32_t last_step = 0;
  };

  /// The set of routines of `calls`, or -1 when there are too many sets to hold.
  std::int64_t intern(const LoggedCall* const* calls, std::size_t n);
  bool pairs_with(const Open& open, const WalkHeader& w, const LoggedCall* const* calls,
                  std::size_t n) const;
  /// Counts the create walk `open` held for the object at `address` in its routines' books.
  void count_open(std::uint64_t address, Open& open);
  void add_pair(std::uint32_t set, std::uint64_t kind, std::uint32_t id, const WalkHeader& exit,
                std::uint64_t seq);
  /// The pairs of `id` under `kind` for the routines of `set`, made (count 0) if there were none.
  Pairs& pairs_of(std::uint32_t set, std::uint64_t kind, std::uint32_t id);
  /// Whether the pairs of `id` for the routines of `set` sit in a row (dense_), not the map.
  static bool in_rows(std::uint32_t set, std::uint32_t id) {
    return (id & 3) == 0 && id < kDenseIds && set < kDenseSets;
  }
  /// pairs_of's way out of line: the map, or a dense row grown to hold `id`.
  [[gnu::noinline]] Pairs& new_pairs_of(std::uint32_t set, std::uint64_t kind, std::uint32_t id);
  /// Counts the pairs `p` of `id` under `kind` in the books of the routines of `set`.
  void count_pairs(std::uint32_t set, std::uint64_t kind, std::uint64_t id, const Pairs& p);
  /// Counts the calls one by one.
  void count_each(const WalkHeader& w, const LoggedCall* const* calls, std::size_t n,
                  std::uint64_t seq);

  bool on_ = true;
  BalanceMap<Open> opens_;
  std::size_t open_count_ = 0;
  // The kernel hands out IDs as multiples of 4 from the bottom of PspCidTable: the pairs of such
  // an ID below kDenseIds, of one of the first kDenseSets sets, sit in a row of their set and
  // kind at ID / 4 (no hashing: an XP table hands out its freed IDs in FIFO order, so an exit's
  // TID is seldom the one before); any other in the map.
  static constexpr std::uint32_t kDenseIds = std::uint32_t{1} << 18;
  static constexpr std::uint32_t kDenseSets = 16;
  static constexpr std::size_t kKinds = 3;  // BalanceKind's
  std::array<std::vector<Pairs>, kDenseSets * kKinds> dense_;
  BalanceMap<Pairs> pairs_;  // key: set << 34 | BalanceKind << 32 | ID
  std::vector<std::vector<RoutineBook*>> sets_;
  std::uint32_t last_set_ = 0;
};

}  // namespace ntemu::verify
