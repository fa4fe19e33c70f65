// SPDX-License-Identifier: MIT
/// \file
/// One execution of a concurrent scenario (explore_scenario.hpp) for the explorer: a fresh
/// kernel booted and set up, the CPUs' statements run by explore::Explorer's scheduler, then
/// the checks and the automatic audit — and the run's *outcome*, the part of the result the
/// explorer tells schedules apart by: each CPU statement's status, the bugcheck, the findings,
/// the expectations that failed, the routines' call counts and the final PspCidTable and
/// notify arrays. With a sink (a replay) every statement and kernel event is reported too, as
/// `ntemu run` reports them, each runner event with its `cpu`.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "explore_scenario.hpp"
#include "ntemu/explore/engine.hpp"
#include "ntemu/kernel.hpp"
#include "routines.hpp"

namespace ntemu::cli {

/// What a schedule ended in. Equal outcomes are one outcome of the exploration.
struct ExploreOutcome {
  std::vector<std::string> statuses;      ///< "cpu 0 line 5: NtCreateProcess -> STATUS_SUCCESS"
  std::optional<std::string> bugcheck;    ///< "0x17 CID_HANDLE_DELETION (cpu 1 line 7)"
  std::vector<Kernel::Finding> findings;  ///< the automatic audit's, sorted
  std::vector<std::string> failed;        ///< "line 9: expected ..."
  std::uint64_t expects_passed = 0;
  std::string calls;  ///< "edr 2, av 1"
  std::string state;  ///< the final dumps of PspCidTable and the notify arrays
  /// Every part, as one text: equal keys, equal outcomes.
  std::string key() const;
};

class ExploreMachine final : public explore::Execution, public RoutineListener {
 public:
  /// Boots the kernel and runs the setup (on the calling thread). `sink` may be null.
  ExploreMachine(const Concurrent& program, TraceSink* sink);
  ~ExploreMachine() override;
  int cpus() const override { return program_.cpus; }
  void run_cpu(int cpu) override;
  void routine_invoked(const RoutineCall& call) override;
  /// After the CPUs finished: the checks, the automatic audit; returns the outcome.
  const ExploreOutcome& finish();

 private:
  struct HandleRecord {
    ps::Process* owner = nullptr;
    Handle handle{};
  };
  void run_statement(int cpu, const Statement& s);
  void exec(int cpu, const Statement& s);
  void create_thread(int cpu, const Statement& s, ps::Process& process, int symbol,
                     CreateSuspended suspended, bool via_create_process);
  void lookup(int cpu, const Statement& s, const LookupStmt& b);
  void object_op(int cpu, const Statement& s, const ObjectOpStmt& b);
  void check(const Statement& s);
  void expect(const Statement& s, bool ok, std::string detail);
  void status(int cpu, const Statement& s, std::string_view api, Status st, Event e);
  void skip(int cpu, const Statement& s, std::string reason);
  std::uint64_t eval(const IdExpr& e) const;
  ps::Process* process_of(int symbol) const;
  ps::Thread* thread_of(int symbol) const;
  void emit(Event e, int cpu);
  std::string step_label(int cpu, const Statement& s) const;

  const Concurrent& program_;
  const Script& script_;
  TraceSink* sink_;
  std::optional<Kernel> kernel_;
  std::vector<ob::Object*> objects_;
  std::vector<HandleRecord> handles_;
  std::vector<std::uint64_t> values_;
  std::vector<std::uint64_t> calls_;  // per routine, every kind
  std::vector<std::optional<Status>> vetoes_;
  std::array<ps::Thread*, explore::kMaxCpus> context_{};  // per CPU: its current thread
  ps::Thread* setup_context_ = nullptr;
  std::vector<Kernel::Finding> last_audit_;
  std::optional<std::uint32_t> down_;  // the bugcheck's code, once the machine stopped
  ExploreOutcome outcome_;
};

}  // namespace ntemu::cli
