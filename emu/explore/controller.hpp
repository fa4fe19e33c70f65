// SPDX-License-Identifier: MIT
// The controlled scheduler of one run (explore/engine.hpp): the pool of the CPUs' host threads,
// the baton that lets exactly one of them run between two scheduling points, and the decisions,
// taken from a replayed schedule, from the depth-first search's path or from PCT's priorities.
// There is no controller thread: the CPU that parks at a point decides who steps next, goes on
// itself at once when that is itself, or wakes the chosen CPU's thread and sleeps.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ntemu/explore/engine.hpp"

namespace ntemu::explore::detail {

/// One decision of the search's current path.
struct Node {
  unsigned ready = 0;  ///< CPUs that could step (mask)
  unsigned done = 0;   ///< CPUs explored from here (mask), the chosen one included
  unsigned sleep = 0;  ///< CPUs whose step here only reorders an explored schedule
  int chosen = 0;
  int last = -1;        ///< the CPU that ran the step before
  int preemptions = 0;  ///< before this decision
  bool preempts(int cpu) const { return last >= 0 && (ready >> last & 1U) != 0 && cpu != last; }
};

/// True when the two steps (of different CPUs) may not commute.
bool dependent(const sched::Op& a, const sched::Op& b);

/// A deterministic generator (splitmix64): the same numbers on every host and library.
struct Random {
  std::uint64_t state = 0;
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

/// One PCT sample's priorities (engine.hpp, PctOptions).
struct PctDraw {
  std::array<int, kMaxCpus> priority{};
  std::vector<std::uint64_t> change_points;  ///< decision numbers (from 1), i-th lowers to i+1
};

/// The search's sharding state across runs.
struct Sharding {
  std::uint32_t depth = 0;    ///< 0: not sharded
  std::uint64_t next = 0;     ///< the next subtree's ordinal
  std::uint64_t current = 0;  ///< the subtree the path is in
};

class Controller;

/// The CPUs' host threads, kept for the Explorer's lifetime. One mutex guards the baton.
class Pool {
 public:
  ~Pool();
  void ensure(int cpus);  // starts threads up to `cpus`
  std::mutex m;
  struct Slot {
    std::condition_variable wake;
    bool go = false;
  };
  std::array<Slot, kMaxCpus> slots;
  std::condition_variable finished_cv;  // the caller waits here for the run's end
  Controller* controller = nullptr;

 private:
  void worker(int cpu);
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

class Controller final : public sched::Scheduler {
 public:
  /// A replay of `schedule`.
  Controller(Pool& pool, Execution& execution, const Schedule& schedule,
             const Explorer::OnSwitch& on_switch);
  /// A run of the search: follows `path`, then extends it with new decisions.
  Controller(Pool& pool, Execution& execution, std::vector<Node>& path, const Options& options,
             Sharding* sharding);
  /// A PCT sample.
  Controller(Pool& pool, Execution& execution, const PctDraw& draw);

  RunResult run();
  void point(const sched::Op& op, sched::Ready ready, const void* ready_arg) override;
  void stop_branching();
  /// Search, sharded: the run entered a subtree of another shard (it is not to be counted).
  bool foreign() const { return foreign_; }
  bool subtree_named() const { return subtree_named_; }
  void cpu_main(int cpu);

 private:
  enum class State : std::uint8_t { Running, Parked, Done };
  struct Cpu {
    State state = State::Parked;
    bool unwinding = false;
    sched::Op op{sched::Access::Any, nullptr, nullptr, "start", 0};
    sched::Ready ready = nullptr;
    const void* ready_arg = nullptr;
  };
  // With the pool's mutex held: who steps next (its state set to Running), or -1 when every
  // CPU is done (the caller is then woken).
  int next_step();
  void hand_to(int cpu);
  unsigned ready_mask() const;
  int decide(unsigned ready);
  int decide_search(unsigned ready, int fallback);
  int decide_pct(unsigned ready);

  Pool& pool_;
  Execution& execution_;
  const int n_;
  const Schedule* replay_ = nullptr;
  const Explorer::OnSwitch* on_switch_ = nullptr;
  std::vector<Node>* path_ = nullptr;
  const Options* options_ = nullptr;
  Sharding* sharding_ = nullptr;
  const PctDraw* pct_ = nullptr;
  std::array<int, kMaxCpus> priority_{};
  std::size_t next_change_ = 0;

  std::array<Cpu, kMaxCpus> cpus_;
  std::array<std::exception_ptr, kMaxCpus> errors_;
  bool finished_ = false;
  bool aborting_ = false;
  bool no_branch_ = false;
  bool foreign_ = false;
  bool subtree_named_ = false;
  int last_ = -1;
  unsigned next_sleep_ = 0;     // the sleep set the next new node starts with
  std::string nondeterminism_;  // set when a replayed decision found other CPUs ready
  std::vector<int> defaults_;   // per decision: the choice a replay would default to
  RunResult result_;
};

}  // namespace ntemu::explore::detail
