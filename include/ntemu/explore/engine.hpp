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
/// words, or two reads, commute). The caller classifies each finished execution. A search can
/// be split into shards that together cover it exactly (Options::shard_count), and
/// explore_pct() samples schedules at random instead (PCT, Burckhardt et al. 2010).
///
/// The CPUs' host threads are a pool the Explorer keeps across runs; the CPU that parks at a
/// point takes the next decision itself, so a step that goes on with the same CPU costs no host
/// thread switch, and a CPU switch costs one.
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
  /// Search: the run's subtree, the ordinal (in depth-first order, from 0) of its first
  /// Options::shard_depth choices; shard i of n owns the subtrees whose ordinal % n == i.
  std::uint64_t subtree = 0;
  /// PCT: the sample's number (from 0).
  std::uint64_t sample = 0;
};

struct Options {
  int preemption_bound = 2;  ///< < 0: unbounded
  std::uint64_t max_interleavings = 100000;
  bool reduction = true;  ///< sleep sets
  /// Shard `shard_index` of `shard_count`: only the schedules of the subtrees it owns (see
  /// RunResult::subtree) are classified and counted; the shards' counts add up to the whole
  /// search's, without any coordination between them. Every shard still runs each foreign
  /// subtree's first schedule once, up to its depth, to find the next subtree.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  /// The decisions that name a subtree; 0: 4 + 2 * bit_width(shard_count).
  std::uint32_t shard_depth = 0;
};

/// The randomized search: PCT (probabilistic concurrency testing, Burckhardt, Kothari,
/// Musuvathi and Nagarakatte, ASPLOS 2010). Each sample gives the CPUs random distinct
/// priorities and picks `depth - 1` priority change points among the estimated number of
/// decisions (the most any run so far had, first measured on the default schedule); at each
/// decision the highest-priority ready CPU steps, and at the i-th change point the CPU that
/// ran last drops to priority i, below every initial one. A bug of depth d (d ordering
/// constraints) is found by each sample with probability at least 1/(n k^(d-1)). Deterministic
/// for a seed; it proves nothing about the schedules it did not sample.
struct PctOptions {
  std::uint64_t seed = 1;
  int depth = 3;                   ///< d (1 … 64): d - 1 change points
  std::uint64_t schedules = 1000;  ///< samples
};

/// What a search covered.
struct Summary {
  std::uint64_t schedules = 0;  ///< complete, non-redundant runs (each classified)
  std::uint64_t redundant = 0;  ///< runs that found nothing new (RunResult::redundant)
  std::uint64_t deadlocks = 0;
  bool bounded = false;        ///< some schedule was left out only because of the preemption bound
  bool limit = false;          ///< stopped at max_interleavings: not exhaustive
  std::uint64_t subtrees = 0;  ///< sharded search: subtrees seen (owned or not)
  std::uint64_t runs = 0;      ///< executions run, foreign subtrees' and PCT's probe included
  bool randomized = false;     ///< explore_pct(): samples, not a proof
  std::uint64_t estimated_decisions = 0;  ///< PCT: the k its change points were drawn from
};

/// What a search has done so far, for a progress display.
struct Progress {
  std::uint64_t runs = 0;
  std::uint64_t schedules = 0;
  /// The estimated fraction of the search done (0 … 1): for the depth-first search, the share
  /// of the tree left of the current path, counting each decision's untried CPUs as equal.
  double fraction = 0;
};

namespace detail {
class Pool;
}

class Explorer {
 public:
  explicit Explorer(Options options);
  ~Explorer();
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

  using Factory = std::function<std::unique_ptr<Execution>()>;
  /// Told of every complete, non-redundant run, with the execution it ran on.
  using Visit = std::function<void(Execution&, const RunResult&)>;
  /// Told of every CPU switch during a run.
  using OnSwitch = std::function<void(const Switch&)>;
  /// Told after every run (on the calling thread); may be empty.
  using OnProgress = std::function<void(const Progress&)>;

  /// Every schedule within the bound, depth first, in a fixed order.
  Summary explore(const Factory& make, const Visit& visit, const OnProgress& progress = {});
  /// `pct.schedules` random samples (see PctOptions), in a fixed order for a seed. Ignores the
  /// preemption bound, the reduction and the shard.
  Summary explore_pct(const PctOptions& pct, const Factory& make, const Visit& visit,
                      const OnProgress& progress = {});
  /// One run of `execution` following `schedule` (then the defaults).
  RunResult run(Execution& execution, const Schedule& schedule, const OnSwitch& on_switch = {});

  /// Called from a CPU (e.g. after a bugcheck): the rest of this run takes default decisions
  /// and branches no more. Outside a run, it does nothing.
  static void stop_branching();

 private:
  Options options_;
  std::unique_ptr<detail::Pool> pool_;  // the CPUs' host threads, kept across runs
};

}  // namespace ntemu::explore
