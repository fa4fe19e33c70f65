// SPDX-License-Identifier: MIT
// The kd session's state, shared by its files: kd_session.cpp drives the run and stops it
// (statement boundaries, modeled routines' entries, driver routines' bodies, findings),
// kd_breakpoints.cpp keeps the breakpoints, kd_inspect.cpp answers the inspection commands, and
// kd_commands.cpp reads a command line and dispatches it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "kd_line.hpp"
#include "ntemu/dbg/shadow_stack.hpp"
#include "parser.hpp"
#include "runner_impl.hpp"
#include "scenario.hpp"
#include "text_output.hpp"

namespace ntemu::cli::kd {

/// `bp SYMBOL` (a modeled routine or a driver routine) or `bp finding KIND`.
struct Breakpoint {
  int number = 0;
  bool finding = false;  ///< `symbol` is a finding kind ("dangling-cid")
  std::string symbol;    ///< "nt!PspCreateThread", "edr!ProcessNotifyRoutine"
};

/// A process's fields its lock guards, read under the lock — or in place when this host thread
/// holds it (the machine is stopped inside a call that took it).
struct LockedFields {
  std::uint32_t active_threads = 0;
  ps::ThreadList::Snapshot threads;
};
LockedFields read_locked(ps::Process& p);

/// Every routine the model pushes a frame for ("nt!PspCreateThread"), sorted.
std::span<const std::string_view> modeled_routines();

/// What the session does when a command resumes the machine.
enum class Mode : std::uint8_t {
  Go,        ///< g: to the next breakpoint
  StepOver,  ///< p: to the next statement (breakpoints still stop)
  StepInto,  ///< t: to the next modeled routine's entry or the next statement
  Quit,      ///< q, end of input: no more stops, nothing more printed
  Restart,   ///< .restart: as Quit, then the file again on a fresh kernel
};

/// Where the machine is stopped.
struct Stop {
  enum class Where : std::uint8_t { Boundary, End, Frame, Routine };
  Where where = Where::Boundary;
  const Statement* next = nullptr;  ///< Boundary: the statement that runs next
};

class Session final : public RoutineBodyHook, public dbg::FrameObserver, public TraceSink {
 public:
  Session(std::string_view text, const CheckOptions& options, std::string label, const Streams& io);
  int run();

  // The run's hooks (on the scenario's host thread).
  void routine_body(const RoutineCall& call, const std::string& symbol,
                    const std::string& arguments) override;
  void frame_entered(const dbg::Frame& frame, std::size_t depth) override;
  void emit(const Event& e) override;

  // --- kd_session.cpp ----------------------------------------------------------------------
  /// Writes `text` (and a newline) to the session's output.
  void say(std::string_view text);
  void error(std::string_view text);

 private:
  /// One run of the file; true when `.restart` asked for another.
  bool run_once(bool first);
  void stop_at(const Stop& stop, std::string heading);
  /// Reads and runs commands until one resumes the machine.
  void prompt(const Stop& stop);
  /// A breakpoint hit announced by a finding, taken at the next point the machine can stop.
  std::optional<std::string> take_pending_finding();

  // --- kd_breakpoints.cpp ------------------------------------------------------------------
  void cmd_bp(std::string_view args);
  void cmd_bl();
  void cmd_bc(std::string_view args);
  /// The breakpoint on `symbol`, or nullptr.
  const Breakpoint* routine_breakpoint(std::string_view symbol) const;
  /// Whether `module` names one of the scenario's routines (a driver).
  bool is_driver(std::string_view module) const;

  // --- kd_commands.cpp ---------------------------------------------------------------------
  /// One command line at `stop`: true when it resumes the machine.
  bool command(const std::string& line, const Stop& stop);
  void cmd_help();
  /// A scenario statement typed at the prompt.
  void cmd_statement(const std::string& line, const Stop& stop);
  void cmd_edit(std::string_view args, unsigned width);

  // --- kd_inspect.cpp ----------------------------------------------------------------------
  void cmd_kb();
  void cmd_r(const Stop& stop);
  void cmd_process(std::string_view args);
  void cmd_thread(std::string_view args);
  void cmd_dt(std::string_view args);
  void cmd_handle(std::string_view args);
  /// dd, dq, dps (`name`) on a notify array.
  void cmd_display(std::string_view args, std::string_view name);
  /// The process or thread named by `word`: an address as !process 0 0 prints it, or a
  /// scenario name. Reports why not and returns nullptr.
  ob::Object* object_arg(std::string_view word, std::string_view command);
  /// Every process: Idle, then PspCidTable's processes in handle order (each once).
  std::vector<ps::Process*> processes();
  std::string describe_process(ps::Process& p);
  std::string describe_thread(ps::Thread& t);
  std::string address(std::uint64_t a) const;

  const std::string_view text_;
  const CheckOptions options_;
  const std::string label_;
  const Streams io_;
  TextOutput output_;
  LineReader reader_;
  // The run's script (its file, checked, and the names typed at the prompt), its checker for
  // those, and the Runner: made again for each run.
  std::unique_ptr<Script> script_;
  std::unique_ptr<ScenarioChecker> checker_;
  std::unique_ptr<Runner> runner_;
  Mode mode_ = Mode::StepOver;  // the session starts stopped before the first statement
  bool stops_allowed_ = false;  // the run is between start() and teardown()
  bool in_prompt_ = false;      // no stop inside a stop (a statement typed at the prompt)
  std::vector<Breakpoint> breakpoints_;
  int next_breakpoint_ = 0;
  std::optional<std::string> pending_finding_;  // "Breakpoint N hit: finding KIND ..."
  std::set<std::string> seen_findings_;         // "KIND DETAIL" of each finding reported
  std::deque<Statement> typed_;                 // statements typed at the prompt (races keep
                                                // pointers to them)
  std::string line_;                            // the command running
  std::string where_;  // the statement running or next, for `r` and frame stops
  bool write_failed_ = false;
};

}  // namespace ntemu::cli::kd
