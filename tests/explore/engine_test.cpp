// SPDX-License-Identifier: MIT
// The explorer's engine through its library API (explore/engine.hpp): schedules' printed form,
// and a small program of two CPUs on shared words whose every interleaving is known.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <string>

#include "ntemu/explore/engine.hpp"
#include "ntemu/support/mutex.hpp"

using namespace ntemu;
using explore::Schedule;

TEST_CASE("explore: a schedule prints as runs and parses back") {
  Schedule s;
  s.choices = {0, 0, 0, 1, 1, 0};
  CHECK(s.to_string() == "0:3,1:2,0");
  std::string error;
  const auto back = Schedule::parse("0:3,1:2,0", &error);
  REQUIRE(back);
  CHECK(*back == s);
  CHECK(Schedule::parse("-", &error)->choices.empty());
  CHECK(Schedule{}.to_string() == "-");
  CHECK_FALSE(Schedule::parse("", &error));
  CHECK_FALSE(Schedule::parse("0:0", &error));
  CHECK_FALSE(Schedule::parse("9", &error));
  CHECK_FALSE(Schedule::parse("0,", &error));
  CHECK_FALSE(Schedule::parse("a:1", &error));
  CHECK(error.find("'a:1'") != std::string::npos);
}

namespace {

// Two CPUs each doing `read x; write x = read + 1` (a lost update when interleaved), with a
// point before each access. The final value is 1 or 2.
struct LostUpdate final : explore::Execution {
  std::atomic<int> x{0};
  int cpus() const override { return 2; }
  void run_cpu(int) override {
    sched::point(sched::Access::Read, &x, "read");
    const int seen = x.load();
    sched::point(sched::Access::Write, &x, "write");
    x.store(seen + 1);
  }
};

// The same, under a Mutex: the lock makes the update atomic.
struct Locked final : explore::Execution {
  Mutex m;
  std::atomic<int> x{0};
  int cpus() const override { return 2; }
  void run_cpu(int) override {
    MutexLocker hold(m);
    sched::point(sched::Access::Read, &x, "read");
    const int seen = x.load();
    sched::point(sched::Access::Write, &x, "write");
    x.store(seen + 1);
  }
};

// Two CPUs writing different words: every order is equivalent.
struct Independent final : explore::Execution {
  std::atomic<int> a{0};
  std::atomic<int> b{0};
  int cpus() const override { return 2; }
  void run_cpu(int cpu) override {
    std::atomic<int>& w = cpu == 0 ? a : b;
    for (int i = 0; i < 3; ++i) {
      sched::point(sched::Access::Write, &w, "write");
      w.fetch_add(1);
    }
  }
};

template <class Program>
std::set<int> finals(explore::Options options, explore::Summary* summary = nullptr) {
  std::set<int> seen;
  explore::Explorer explorer(options);
  const explore::Summary s =
      explorer.explore([] { return std::make_unique<Program>(); },
                       [&](explore::Execution& e, const explore::RunResult&) {
                         seen.insert(static_cast<Program&>(e).x.load());
                       });
  if (summary != nullptr) *summary = s;
  return seen;
}

}  // namespace

TEST_CASE("explore: the lost update is found, and the lock rules it out") {
  explore::Summary summary;
  CHECK(finals<LostUpdate>({.preemption_bound = -1}, &summary) == std::set<int>{1, 2});
  CHECK_FALSE(summary.bounded);
  CHECK_FALSE(summary.limit);
  // The count is a property of the program, the same on every search.
  const std::uint64_t reduced = summary.schedules;
  explore::Summary again;
  (void)finals<LostUpdate>({.preemption_bound = -1}, &again);
  CHECK(again.schedules == reduced);
  // Without reduction: the three steps (start, read, write) of each CPU interleave in
  // C(6,3) = 20 ways; the sleep sets leave fewer, and the same two finals.
  CHECK(finals<LostUpdate>({.preemption_bound = -1, .reduction = false}, &again) ==
        std::set<int>{1, 2});
  CHECK(again.schedules == 20);
  CHECK(reduced < 20);
  CHECK(finals<Locked>({.preemption_bound = -1}, &summary) == std::set<int>{2});
  CHECK(summary.deadlocks == 0);
}

TEST_CASE("explore: a preemption bound of 0 runs each CPU to its end, one after the other") {
  explore::Summary summary;
  CHECK(finals<LostUpdate>({.preemption_bound = 0}, &summary) == std::set<int>{2});
  CHECK(summary.schedules == 2);  // CPU 0 first, or CPU 1 first
  CHECK(summary.bounded);
}

TEST_CASE("explore: sleep sets explore independent steps in one order only") {
  explore::Summary reduced;
  explore::Summary full;
  explore::Explorer with({.preemption_bound = -1, .reduction = true});
  explore::Explorer without({.preemption_bound = -1, .reduction = false});
  auto make = [] { return std::make_unique<Independent>(); };
  reduced = with.explore(make, [](explore::Execution&, const explore::RunResult&) {});
  full = without.explore(make, [](explore::Execution&, const explore::RunResult&) {});
  // Without reduction: the interleavings of 4 steps each (the start and three writes) = C(8,4).
  CHECK(full.schedules == 70);
  CHECK(reduced.schedules < full.schedules);
  CHECK(reduced.schedules >= 1);
}

TEST_CASE("explore: a replayed schedule takes the same decisions, a misfit is reported") {
  explore::Explorer explorer({.preemption_bound = -1});
  std::set<std::string> schedules;
  explorer.explore([] { return std::make_unique<LostUpdate>(); },
                   [&](explore::Execution& e, const explore::RunResult& r) {
                     LostUpdate replay;
                     const explore::RunResult again = explorer.run(replay, r.schedule);
                     CHECK_FALSE(again.misfit);
                     CHECK(again.schedule == r.schedule);
                     CHECK(replay.x.load() == static_cast<LostUpdate&>(e).x.load());
                     schedules.insert(r.schedule.to_string());
                   });
  CHECK(schedules.size() > 2);
  LostUpdate program;
  std::string error;
  const explore::RunResult r = explorer.run(program, *Schedule::parse("0:40", &error));
  REQUIRE(r.misfit);
  CHECK(r.misfit->find("40 decisions") != std::string::npos);
}

TEST_CASE("explore: the max-interleavings limit stops the search and says so") {
  explore::Summary summary;
  (void)finals<LostUpdate>({.preemption_bound = -1, .max_interleavings = 2}, &summary);
  CHECK(summary.limit);
  CHECK(summary.schedules + summary.redundant == 2);
}

namespace {

// Two CPUs taking two locks in opposite orders: some schedule deadlocks.
struct AbBa final : explore::Execution {
  Mutex a;
  Mutex b;
  int finished = 0;
  int cpus() const override { return 2; }
  void run_cpu(int cpu) override {
    if (cpu == 0) {
      MutexLocker first(a);
      MutexLocker second(b);
      ++finished;
    } else {
      MutexLocker first(b);
      MutexLocker second(a);
      ++finished;
    }
  }
};

}  // namespace

TEST_CASE("explore: a lock-order deadlock is reported, and its CPUs are unwound") {
  explore::Explorer explorer({.preemption_bound = -1});
  std::uint64_t deadlocked = 0;
  std::uint64_t clean = 0;
  const explore::Summary s =
      explorer.explore([] { return std::make_unique<AbBa>(); },
                       [&](explore::Execution& e, const explore::RunResult& r) {
                         const int finished = static_cast<AbBa&>(e).finished;
                         if (r.deadlock) {
                           ++deadlocked;
                           CHECK(finished < 2);  // the unwound CPU never got both locks
                         } else {
                           ++clean;
                           CHECK(finished == 2);
                         }
                       });
  CHECK(s.deadlocks == deadlocked);
  CHECK(deadlocked >= 1);
  CHECK(clean >= 2);  // either CPU first, all the way
}

TEST_CASE("explore: the shards of a search partition its schedules exactly") {
  for (const bool reduction : {true, false}) {
    CAPTURE(reduction);
    std::multiset<std::string> whole;
    explore::Explorer all({.preemption_bound = -1, .reduction = reduction});
    const auto make = [] { return std::make_unique<LostUpdate>(); };
    const explore::Summary s =
        all.explore(make, [&](explore::Execution&, const explore::RunResult& r) {
          whole.insert(r.schedule.to_string());
        });
    for (const std::uint32_t n : {2U, 3U, 7U}) {
      CAPTURE(n);
      std::multiset<std::string> parts;
      std::uint64_t sum = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        explore::Explorer shard({.preemption_bound = -1,
                                 .reduction = reduction,
                                 .shard_index = i,
                                 .shard_count = n,
                                 .shard_depth = 2});
        sum += shard
                   .explore(make,
                            [&](explore::Execution&, const explore::RunResult& r) {
                              CHECK(r.subtree % n == i);
                              parts.insert(r.schedule.to_string());
                            })
                   .schedules;
      }
      CHECK(sum == s.schedules);
      CHECK(parts == whole);
    }
  }
}

TEST_CASE("explore: PCT samples are deterministic for a seed and find the lost update") {
  auto sample = [](std::uint64_t seed) {
    std::vector<std::string> schedules;
    std::set<int> finals;
    explore::Explorer explorer({});
    const explore::Summary s = explorer.explore_pct(
        {.seed = seed, .depth = 2, .schedules = 50}, [] { return std::make_unique<LostUpdate>(); },
        [&](explore::Execution& e, const explore::RunResult& r) {
          schedules.push_back(r.schedule.to_string());
          finals.insert(static_cast<LostUpdate&>(e).x.load());
        });
    CHECK(s.randomized);
    CHECK(s.schedules == 50);
    CHECK(s.estimated_decisions >= 1);
    return std::pair{schedules, finals};
  };
  const auto a = sample(1);
  CHECK(a == sample(1));
  CHECK(a.second == std::set<int>{1, 2});  // depth 2 reaches the lost update
  CHECK(sample(2).second == std::set<int>{1, 2});
  // Depth 1 (no change point) runs each CPU to its end: never the lost update.
  explore::Explorer explorer({});
  std::set<int> finals;
  (void)explorer.explore_pct(
      {.seed = 3, .depth = 1, .schedules = 20}, [] { return std::make_unique<LostUpdate>(); },
      [&](explore::Execution& e, const explore::RunResult&) {
        finals.insert(static_cast<LostUpdate&>(e).x.load());
      });
  CHECK(finals == std::set<int>{2});
}
