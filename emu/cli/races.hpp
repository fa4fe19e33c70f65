// SPDX-License-Identifier: MIT
// `during` races (docs/scenario-language.md): a registration statement armed for a routine runs
// on a second CPU — another host thread, as the first system thread, the context a driver's
// unload runs in — while that routine's next call is in flight on the scenario's own thread.
// The routine returns once the statement has returned or is blocked waiting for it
// (ExWaitForCallBacks). CPU 1's kernel events are held by the RoutedSink and written at points
// where the order is fixed, so the output never depends on host scheduling.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ntemu/kernel.hpp"
#include "routines.hpp"
#include "scenario.hpp"

namespace ntemu::cli {

/// The kernel's sink while a race may run: events raised on the scenario's own host thread go
/// straight out; events raised on another are kept until the scenario's thread flushes them.
class RoutedSink final : public TraceSink {
 public:
  explicit RoutedSink(TraceSink& out) : out_(out), owner_(std::this_thread::get_id()) {}
  void emit(const Event& e) override;
  /// On the owner's thread: writes the events the other CPU raised so far.
  void flush();

 private:
  TraceSink& out_;
  const std::thread::id owner_;
  std::mutex lock_;
  std::vector<Event> held_;
};

class Races {
 public:
  /// Prepares a race's inner statement on the scenario's thread before CPU 1 starts (an Ex
  /// registration's veto is set there, before the routine can be called).
  using Prepare = std::function<void(const DuringStmt&)>;
  /// Runs a race's inner statement on CPU 1 and returns its status (without reporting it).
  using RunInner = std::function<Status(const DuringStmt&)>;
  Races(Kernel& kernel, TraceSink& out, RoutedSink& routed, const Script& script, Prepare prepare,
        RunInner run_inner);
  ~Races();
  Races(const Races&) = delete;
  Races& operator=(const Races&) = delete;

  /// A `during` statement at `line`: armed until its routine's next call.
  void arm(int line, const DuringStmt& stmt);
  /// On a pool routine's call, on the scenario's thread: starts the race armed for it, if any
  /// (one race at a time; the others stay armed), and returns when CPU 1 has returned or
  /// waits for the routine.
  void on_call(const RoutineCall& call);
  /// Joins CPU 1 and reports its statement's `call` event (after a statement's routines ran).
  void finish();
  /// A `note` for each race armed but never run (at the end of the file).
  void report_unrun();

 private:
  struct Armed {
    std::size_t routine;
    std::optional<ps::NotifyKind> kind;
    const DuringStmt* stmt;
    int line;
  };
  struct Race {
    const DuringStmt* stmt;
    int line;
    std::string in_flight;  // the routine's symbol
    std::thread cpu1;
    std::atomic<bool> done{false};
    Status status;
  };
  /// The pool function a call came through, as the slot array stores it.
  static const void* called_function(const RoutineCall& call);
  /// The EX_CALLBACK block whose reference this call holds (nullptr on plain arrays).
  const ex::CallbackBlock* in_flight_block(const RoutineCall& call) const;

  Kernel& kernel_;
  TraceSink& out_;
  RoutedSink& routed_;
  const Script& script_;
  Prepare prepare_;
  RunInner run_inner_;
  std::vector<Armed> armed_;    // races not yet run
  std::unique_ptr<Race> race_;  // the race running now, if any
};

}  // namespace ntemu::cli
