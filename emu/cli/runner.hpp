// SPDX-License-Identifier: MIT
/// \file
/// Running a checked scenario: one fresh `Kernel` per file, every statement executed in order,
/// then the kernel's verifier once more (the automatic audit), every observable step reported as
/// an `Event` to one sink (the kernel's own `notify`, `cid` and `finding` events and the runner's
/// `begin`, `statement`, `call`, `expect`, `dump`, `context`, `let`, `poke`, `audit`,
/// `bugcheck`, `skip`, `note`, `end`; docs/scenario-language.md lists their fields).
///
/// A statement that bugchecks stops the machine: no later statement runs except
/// `expect bugcheck`, and unless one of those matches, the bugcheck counts as a failed
/// expectation (exit status 1).
///
/// \code
///   ntemu::cli::Compiled c = ntemu::cli::compile_scenario(text, {});
///   ntemu::JsonlSink sink(stdout);
///   ntemu::cli::RunOutcome r = ntemu::cli::run_script(c.script, "file.ntemu", sink);
///   return r.exit_code();   // 0, or 1 if an expect failed
/// \endcode
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ntemu/kernel.hpp"
#include "ntemu/trace.hpp"
#include "scenario.hpp"

namespace ntemu::cli {

struct RunOutcome {
  std::uint64_t expects_passed = 0;
  std::uint64_t expects_failed = 0;       ///< including an unexpected bugcheck
  std::optional<std::uint32_t> bugcheck;  ///< the code that stopped the machine, if any
  int exit_code() const { return expects_failed == 0 ? 0 : 1; }
};

/// A point of a run at which the machine's state is shown to a StateListener.
struct StatePoint {
  enum class Kind : std::uint8_t {
    Boot,       ///< after boot, before the first statement
    Statement,  ///< after a statement (and any race it started) has finished
    Snapshot,   ///< at a `snapshot` statement (its Statement point follows)
    End,        ///< after the automatic audit
  };
  Kind kind = Kind::Boot;
  int line = 0;             ///< the statement's line (0 for Boot and End)
  std::string_view source;  ///< the statement's text (Statement, Snapshot)
  std::string_view label;   ///< a snapshot's label ("" when it has none)
};

/// Sees the machine at the points of a run (the pictures: viz/state.hpp captures it). Called on
/// the runner's host thread, between entry-point calls, with no race in flight.
class StateListener {
 public:
  virtual ~StateListener() = default;
  virtual void state(const StatePoint& where, Kernel& kernel) = 0;
};

struct RunOptions {
  StateListener* states = nullptr;
  /// Kernel events carry where they were raised: `cpu`, `frames`, `stack`
  /// (viz/stack_stamp.hpp), for the sequence diagram and the HTML report.
  bool stacks = false;
  /// `--reclaim`: a deleted object no PspCidTable entry names is released from host memory
  /// (ob::Tombstones::ReclaimUnnamed), so a long run's deleted objects cost nothing. A name
  /// bound to a released object no longer reaches it: statements on it are skipped.
  bool reclaim = false;
};

/// Runs `script` (checked without error; its version and arch must have a profile) on a new
/// kernel. `file` names the file in the `begin` and `end` events. Single-threaded: the notify
/// routines report to the calling host thread.
RunOutcome run_script(const Script& script, std::string_view file, TraceSink& sink,
                      const RunOptions& options = {});

}  // namespace ntemu::cli
