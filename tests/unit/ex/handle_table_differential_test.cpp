// SPDX-License-Identifier: MIT
// Randomized differential test: the handle table against a deliberately naive reference model
// of the same rules (semantics.md §6.2–6.4), over millions of mixed operations with fixed seeds.
// The reference uses plain containers and no concurrency, so every handle value, every
// failure and every count must agree exactly.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/ex/handle_table.hpp"

using namespace ntemu;
using namespace ntemu::ex;

namespace {

// The naive model: FirstFree as a deque (front = head), LastFree as a stack, live entries in a
// map. It is written from the prose rules, not from the implementation.
class ReferenceTable {
 public:
  ReferenceTable(std::uint32_t low_count, FreePolicy policy, std::uint32_t max_pages)
      : low_(low_count), strict_(policy == FreePolicy::StrictFifo), max_pages_(max_pages) {
    expand();
  }

  std::uint64_t create(std::uint64_t object, std::uint32_t access) {
    if (first_free_.empty()) {
      bool have_moved = false;
      if (!last_free_.empty()) {
        // LastFree holds newest-last. Non-strict with empty FirstFree installs it as a chain
        // (newest first); otherwise it is reversed (oldest first) and pushed in front.
        std::deque<std::uint64_t> moved;
        if (!strict_) {
          moved.assign(last_free_.rbegin(), last_free_.rend());
        } else {
          moved.assign(last_free_.begin(), last_free_.end());
        }
        const std::size_t count = last_free_.size();
        last_free_.clear();
        first_free_.insert(first_free_.begin(), moved.begin(), moved.end());
        have_moved = !(strict_ && count < 100);
      }
      if (!have_moved) {
        const bool grew = expand();
        if (!grew && first_free_.empty()) return 0;
      }
    }
    const std::uint64_t v = first_free_.front();
    first_free_.pop_front();
    live_[v] = {object, access};
    return v;
  }

  bool destroy(std::uint64_t value) {
    value &= ~std::uint64_t{3};
    auto it = live_.find(value);
    if (it == live_.end()) return false;
    live_.erase(it);
    if (strict_) {
      last_free_.push_back(value);
    } else {
      first_free_.push_front(value);
    }
    return true;
  }

  // The object a map() of `value` must find, or 0.
  std::uint64_t object_of(std::uint64_t value) const {
    auto it = live_.find(value & ~std::uint64_t{3});
    return it == live_.end() ? 0 : it->second.first;
  }
  std::uint32_t access_of(std::uint64_t value) const {
    return live_.at(value & ~std::uint64_t{3}).second;
  }
  const std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>>& live() const {
    return live_;
  }
  std::uint64_t limit() const { return std::uint64_t{pages_} * low_ * 4; }

 private:
  bool expand() {
    if (pages_ >= max_pages_) return false;
    std::vector<std::uint64_t> fresh;
    for (std::uint32_t i = 1; i < low_; ++i)
      fresh.push_back((std::uint64_t{pages_} * low_ + i) * 4);
    first_free_.insert(first_free_.begin(), fresh.begin(), fresh.end());
    ++pages_;
    return true;
  }

  std::uint32_t low_;
  bool strict_;
  std::uint32_t max_pages_;
  std::uint32_t pages_ = 0;
  std::deque<std::uint64_t> first_free_;
  std::vector<std::uint64_t> last_free_;
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>> live_;
};

template <Arch A>
void run_differential(std::uint64_t seed, FreePolicy policy, std::uint32_t max_pages,
                      std::size_t ops) {
  using G = HandleTableGeometry<A>;
  HandleTable<A> table({.free_policy = policy, .max_low_level_pages = max_pages});
  ReferenceTable ref(G::kLowLevelCount, policy, max_pages);
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> live;  // handle values, for picking victims

  auto random_value = [&]() -> std::uint64_t {
    switch (rng() % 4) {
      case 0:  // any value in (and a little past) the allocated range, tag bits included
        return rng() % (ref.limit() + 0x1000);
      case 1:  // a reserved value
        return (rng() % (max_pages + 1)) * G::kPageSpan;
      case 2:  // a live value with random tag bits
        return live.empty() ? 0 : live[rng() % live.size()] | (rng() & 3);
      default:  // something huge
        return rng();
    }
  };

  std::uint64_t serial = 0;
  for (std::size_t step = 0; step < ops; ++step) {
    const unsigned op = static_cast<unsigned>(rng() % 100);
    // Bias towards growth, then towards shrinkage, so the table fills and drains repeatedly.
    const bool growing = (step / 50'000) % 2 == 0;
    if (op < (growing ? 45U : 25U)) {
      const std::uint64_t object = 0x80000000ULL + ((++serial & 0x3FFFFFF) << 3) + (rng() & 6);
      const auto access = static_cast<std::uint32_t>(rng());
      const std::uint64_t expected = ref.create(object, access);
      const Handle got = table.create({.object = object, .granted_access = access});
      REQUIRE_MESSAGE(got.value() == expected, "seed ", seed, " step ", step, ": create");
      if (expected != 0) live.push_back(expected);
    } else if (op < 75) {
      std::uint64_t v;
      if (!live.empty() && rng() % 4 != 0) {
        const std::size_t i = rng() % live.size();
        v = live[i] | (rng() & 3);
        live[i] = live.back();
        live.pop_back();
      } else {
        v = random_value();
        if (ref.object_of(v) != 0) {
          live.erase(std::find(live.begin(), live.end(), v & ~std::uint64_t{3}));
        }
      }
      const bool expected = ref.destroy(v);
      REQUIRE_MESSAGE(table.destroy(Handle{v}) == expected, "seed ", seed, " step ", step,
                      ": destroy ", v);
    } else if (op < 98) {
      const std::uint64_t v = random_value();
      auto* e = table.map(Handle{v});
      const std::uint64_t expected = ref.object_of(v);
      if (expected == 0 || (v & ~std::uint64_t{3}) % G::kPageSpan == 0) {
        REQUIRE_MESSAGE(e == nullptr, "seed ", seed, " step ", step, ": map ", v);
      } else {
        REQUIRE_MESSAGE(e != nullptr, "seed ", seed, " step ", step, ": map ", v);
        REQUIRE((e->raw_object() & ~std::uint64_t{1}) == expected);
        REQUIRE(e->granted_access() == ref.access_of(v));
        table.unlock(e);
      }
    } else {
      // Whole-table comparison: enumeration and counters.
      std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
      table.enumerate([&](const auto& entry, Handle h) {
        seen.emplace_back(h.value(), entry.raw_object() & ~std::uint64_t{1});
        return false;
      });
      REQUIRE(seen.size() == ref.live().size());
      auto it = ref.live().begin();
      for (const auto& [h, object] : seen) {
        REQUIRE(h == it->first);
        REQUIRE(object == it->second.first);
        ++it;
      }
    }
    REQUIRE(table.handle_count() == ref.live().size());
  }
  CHECK(table.next_handle_needing_pool() == ref.limit());
}

}  // namespace

// 4 configurations x 300,000 operations = 1,200,000 mixed operations.
TEST_CASE("differential: x86 StrictFIFO table (PspCidTable) matches the reference model") {
  run_differential<Arch::X86>(0x5EED0001, FreePolicy::StrictFifo, 4, 300'000);
}
TEST_CASE("differential: x86 LIFO table (object handle table) matches the reference model") {
  run_differential<Arch::X86>(0x5EED0002, FreePolicy::Lifo, 4, 300'000);
}
TEST_CASE("differential: x64 StrictFIFO table matches the reference model") {
  run_differential<Arch::X64>(0x5EED0003, FreePolicy::StrictFifo, 6, 300'000);
}
TEST_CASE("differential: x64 LIFO table matches the reference model") {
  run_differential<Arch::X64>(0x5EED0004, FreePolicy::Lifo, 6, 300'000);
}
