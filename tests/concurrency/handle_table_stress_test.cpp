// SPDX-License-Identifier: MIT
// Host threads creating, destroying, mapping and enumerating one handle table at once.
// Run under the tsan preset (label "concurrency"); the assertions hold in any build.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/ex/handle_table.hpp"

using namespace ntemu;
using namespace ntemu::ex;

namespace {

// Objects encode their creator and serial number, so any mapped entry can be checked for being
// a value some thread really stored: bits 3..22 serial, 23..26 creator, 0x8xxxxxxx kernel range.
constexpr std::uint64_t make_object(unsigned creator, std::uint64_t serial) {
  return 0x80000000ULL | (std::uint64_t{creator} << 23) | ((serial & 0xFFFFF) << 3);
}
constexpr bool plausible_object(std::uint64_t object, unsigned creators) {
  return (object & 0x80000007ULL) == 0x80000000ULL && ((object >> 23) & 0xF) < creators;
}

template <Arch A>
void stress(FreePolicy policy) {
  constexpr unsigned kCreators = 3;
  constexpr std::size_t kRoundsPerCreator = 200'000;
  HandleTable<A> table({.free_policy = policy});
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> bad_maps{0};
  std::atomic<std::uint64_t> good_maps{0};
  std::atomic<std::uint64_t> wrong_own{0};

  std::vector<std::thread> threads;
  for (unsigned c = 0; c < kCreators; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(1000 + c);
      std::vector<std::pair<Handle, std::uint64_t>> mine;
      for (std::size_t i = 0; i < kRoundsPerCreator; ++i) {
        if (mine.size() < 64 && (mine.size() < 8 || rng() % 2 == 0)) {
          const std::uint64_t object = make_object(c, i);
          const Handle h = table.create({.object = object, .granted_access = c});
          if (h.value() != 0) mine.emplace_back(h, object);
        } else {
          const std::size_t k = rng() % mine.size();
          // My own entry must still hold my object: nobody else may free or reuse it.
          if (auto* e = table.map(mine[k].first)) {
            if (e->object() != mine[k].second) wrong_own.fetch_add(1);
            table.unlock(e);
          } else {
            wrong_own.fetch_add(1);
          }
          // (A second destroy here could hit another thread's fresh entry with the same
          // reused value, so double destroy is tested where nobody creates meanwhile.)
          if (!table.destroy(mine[k].first)) wrong_own.fetch_add(1);
          mine[k] = mine.back();
          mine.pop_back();
        }
      }
      for (auto& [h, object] : mine) {
        if (!table.destroy(h)) wrong_own.fetch_add(1);
      }
    });
  }
  // A mapper probing random handles, and an enumerator walking the table, concurrently.
  threads.emplace_back([&] {
    std::mt19937_64 rng(77);
    while (!done.load(std::memory_order_relaxed)) {
      const Handle h{rng() % 0x4000};
      if (auto* e = table.map(h)) {
        if (plausible_object(e->object(), kCreators)) {
          good_maps.fetch_add(1, std::memory_order_relaxed);
        } else {
          bad_maps.fetch_add(1, std::memory_order_relaxed);
        }
        table.unlock(e);
      }
    }
  });
  threads.emplace_back([&] {
    while (!done.load(std::memory_order_relaxed)) {
      table.enumerate([&](const auto& e, Handle) {
        if (!plausible_object(e.object(), kCreators))
          bad_maps.fetch_add(1, std::memory_order_relaxed);
        return false;
      });
    }
  });

  for (unsigned c = 0; c < kCreators; ++c)
    threads[c].join();
  done.store(true);
  for (std::size_t i = kCreators; i < threads.size(); ++i)
    threads[i].join();

  CHECK(wrong_own.load() == 0);
  CHECK(bad_maps.load() == 0);
  CHECK(table.handle_count() == 0);
  MESSAGE("successful concurrent maps: ", good_maps.load());
  // Every value is free again: nothing maps, and the free lists account for every entry.
  std::size_t in_use = 0;
  table.enumerate([&](const auto&, Handle) {
    ++in_use;
    return false;
  });
  CHECK(in_use == 0);
}

}  // namespace

TEST_CASE("stress: x86 StrictFIFO table, 3 creators + mapper + enumerator") {
  stress<Arch::X86>(FreePolicy::StrictFifo);
}
TEST_CASE("stress: x64 LIFO table, 3 creators + mapper + enumerator") {
  stress<Arch::X64>(FreePolicy::Lifo);
}

TEST_CASE("stress: racing destroys of one handle succeed exactly once") {
  HandleTable<Arch::X86> table;
  constexpr int kRounds = 20'000;
  std::atomic<int> wins{0};
  std::vector<Handle> handles;
  for (int i = 0; i < kRounds; ++i) {
    handles.push_back(table.create({.object = make_object(0, static_cast<std::uint64_t>(i))}));
  }
  auto racer = [&] {
    for (Handle h : handles) {
      if (table.destroy(h)) wins.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::thread a(racer), b(racer);
  a.join();
  b.join();
  CHECK(wins.load() == kRounds);
  CHECK(table.handle_count() == 0);
}

TEST_CASE("stress: concurrent growth hands out every value exactly once") {
  HandleTable<Arch::X86> table({.free_policy = FreePolicy::StrictFifo});
  constexpr unsigned kThreads = 4;
  constexpr std::size_t kEach = 40'000;  // 160,000 entries: level 1, many expansions
  std::vector<std::vector<Handle>> got(kThreads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < kEach; ++i)
        got[t].push_back(table.create({.object = make_object(t, i)}));
    });
  }
  for (auto& th : threads)
    th.join();
  std::vector<std::uint64_t> all;
  for (auto& v : got) {
    for (Handle h : v)
      all.push_back(h.value());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front() == 4);
  CHECK(std::none_of(all.begin(), all.end(), [](std::uint64_t v) { return v % 0x800 == 0; }));
  CHECK(table.handle_count() == kThreads * kEach);
  // Dense: with no frees, the values are exactly the first N usable ones.
  const std::size_t pages = table.low_level_pages();
  CHECK(pages == (kThreads * kEach + 510) / 511);
  for (unsigned t = 0; t < kThreads; ++t) {
    for (std::size_t i = 0; i < kEach; i += 997) {
      auto* e = table.map(got[t][i]);
      REQUIRE(e != nullptr);
      CHECK(e->object() == make_object(t, i));
      table.unlock(e);
    }
  }
}
