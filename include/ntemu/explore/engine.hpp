// SPDX-License-Identifier: MIT
/// \file
/// The interleaving explorer (docs/concurrency.md): runs a program of two or more emulated CPUs
/// on one kernel under a controlled, deterministic scheduler, and searches its schedules.
///
/// Each CPU runs on a host thread of its own, but only one runs at a time: a CPU runs until its
/// next scheduling point (support/scheduling_point.hpp: a fast-reference or rundown operation,
/// a lock, a notify-array slot, a routine's call or return, a PID assignment, a handle-table
/// entry) and parks there; the scheduler then picks which parked CPU takes the next step. A
/// *decision* is a point where more than one CPU could step; a schedule is the list of CPUs
/// chosen at the decisions. Nothing depends on host timing, so a schedule replays exactly.
///
/// The search is stateless depth-first search (each schedule runs on a fresh `Execution`, made
/// by the caller's factory): every schedule within a preemption bound (choosing another CPU
/// while the one that just ran could go on is a preemption; CHESS's bound), with sleep sets
/// pruning schedules that only reorder independent steps (steps of different CPUs on different
/// words, or two reads, commute). The caller classifies each finished execution.
///
/// \code
///   struct Race : ntemu::explore::Execution {
///     int cpus() const override { return 2; }
///     void run_cpu(int cpu) override { cpu == 0 ? create_a_process() : remove_the_routine(); }
///   };
///   ntemu::explore::Explorer explorer({.preemption_bound = 2});
///   auto summary = explorer.explore([] { return std::make_unique<Race>(); },
///                                   [](ntemu::explore::Execution& e, const auto& run) { ... });
/// \endcode
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::explore {

/// The most CPUs one program may have.
inline constexpr int kMaxCpus = 8;

/// One run of the program under test, made fresh for every schedule.
class Execution {
 public:
  virtual ~Execution() = default;
  /// How many CPUs (2 … kMaxCpus).
  virtual int cpus() const = 0;
  /// CPU `cpu`'s part, called on its own host thread under the scheduler. An exception other
  /// than sched::Aborted escaping it is a host error, rethrown by run().
  virtual void run_cpu(int cpu) = 0;
};

/// A schedule: the CPU chosen at each decision. Printed as runs, `CPU:COUNT` joined by commas
/// (`0:3,1:2,0:1`: CPU 0 at three decisions, CPU 1 at two, then CPU 0); `-` is the empty
/// schedule. Decisions past the end take the default: the CPU that ran last if it can go on,
/// else the lowest-numbered ready CPU.
struct Schedule {
  std::vector<std::uint8_t> choices;
  std::string to_string() const;
  /// Parses a printed schedule; nullopt (and `error`) when malformed.
  static std::optional<Schedule> parse(std::string_view text, std::string* error);
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

/// A CPU taking over at a step (a replay's trace shows these).
struct Switch {
  int cpu = 0;
  const char* what = "";  ///< the step it performs first
  std::uint64_t arg = 0;
};

/// What one run did.
struct RunResult {
  Schedule schedule;          ///< every decision taken, trimmed of trailing defaults
  std::size_t decisions = 0;  ///< decisions taken (untrimmed)
  std::size_t steps = 0;      ///< scheduling points passed
  int preemptions = 0;
  bool deadlock = false;  ///< every unfinished CPU waited: the run was abandoned
  /// Search: nothing new below a decision (every CPU left to try there is asleep: it would
  /// only reorder a schedule already explored; or it is beyond the preemption bound).
  bool redundant = false;
  bool cut = false;  ///< redundant because of the preemption bound
  /// Replay: the schedule named a CPU that was not ready (or more decisions than the run had).
  std::optional<std::string> misfit;
};

struct Options {
  int preemption_bound = 2;  ///< < 0: unbounded
  std::uint64_t max_interleavings = 100000;
  bool reduction = true;  ///< sleep sets
};

/// What a search covered.
struct Summary {
  std::uint64_t schedules = 0;  ///< complete, non-redundant runs (each classified)
  std::uint64_t redundant = 0;  ///< runs that found nothing new (RunResult::redundant)
  std::uint64_t deadlocks = 0;
  bool bounded = false;  ///< some schedule was left out only because of the preemption bound
  bool limit = false;    ///< stopped at max_interleavings: not exhaustive
};

class Explorer {
 public:
  explicit Explorer(Options options) : options_(options) {}

  using Factory = std::function<std::unique_ptr<Execution>()>;
  /// Told of every complete, non-redundant run, with the execution it ran on.
  using Visit = std::function<void(Execution&, const RunResult&)>;
  /// Told of every CPU switch during a run.
  using OnSwitch = std::function<void(const Switch&)>;

  /// Every schedule within the bound, depth first, in a fixed order.
  Summary explore(const Factory& make, const Visit& visit);
  /// One run of `execution` following `schedule` (then the defaults).
  RunResult run(Execution& execution, const Schedule& schedule, const OnSwitch& on_switch = {});

  /// Called from a CPU (e.g. after a bugcheck): the rest of this run takes default decisions
  /// and branches no more. Outside a run, it does nothing.
  static void stop_branching();

 private:
  Options options_;
};

}  // namespace ntemu::explore
