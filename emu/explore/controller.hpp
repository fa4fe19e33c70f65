// SPDX-License-Identifier: MIT
// The controlled scheduler of one run (explore/engine.hpp): the CPUs' host threads, the baton
// that lets exactly one of them run between two scheduling points, and the decisions, taken
// from a replayed schedule or from the depth-first search's path.
#pragma once

#include <array>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
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

class Controller final : public sched::Scheduler {
 public:
  /// A replay of `schedule`.
  Controller(Execution& execution, const Schedule& schedule, const Explorer::OnSwitch& on_switch);
  /// A run of the search: follows `path`, then extends it with new decisions.
  Controller(Execution& execution, std::vector<Node>& path, const Options& options);

  RunResult run();
  void point(const sched::Op& op, sched::Ready ready, const void* ready_arg) override;
  void stop_branching();

 private:
  enum class State : std::uint8_t { Running, Parked, Done };
  struct Cpu {
    State state = State::Running;
    bool go = false;
    bool unwinding = false;
    sched::Op op;
    sched::Ready ready = nullptr;
    const void* ready_arg = nullptr;
    std::condition_variable wake;
  };
  void cpu_main(int cpu);
  unsigned ready_mask() const;
  int decide(unsigned ready);
  int decide_search(unsigned ready, int fallback);

  Execution& execution_;
  const int n_;
  const Schedule* replay_ = nullptr;
  const Explorer::OnSwitch* on_switch_ = nullptr;
  std::vector<Node>* path_ = nullptr;
  const Options* options_ = nullptr;

  std::mutex m_;
  std::condition_variable parked_;  // the controller waits here for the running CPU to park
  std::array<Cpu, kMaxCpus> cpus_;
  std::array<std::exception_ptr, kMaxCpus> errors_;
  bool aborting_ = false;
  bool no_branch_ = false;
  int last_ = -1;
  unsigned next_sleep_ = 0;     // the sleep set the next new node starts with
  std::string nondeterminism_;  // set when a replayed decision found other CPUs ready
  std::vector<int> defaults_;   // per decision: the choice a replay would default to
  RunResult result_;
};

}  // namespace ntemu::explore::detail
