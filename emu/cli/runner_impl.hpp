// SPDX-License-Identifier: MIT
// The scenario runner's interpreter: one class, its members defined by concern — runner.cpp (the
// run, names and values, routine calls), statements.cpp (the API statements and pokes),
// checks.cpp (audits, expectations, the stopped machine, dumps). Races live beside it
// (races.hpp). Statements map one to one onto kernel entry points; the runner adds only
// bookkeeping and reports what it did after each call returns.
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ntemu/kernel.hpp"
#include "races.hpp"
#include "routines.hpp"
#include "runner.hpp"

namespace ntemu::cli {

class Runner final : public RoutineListener {
 public:
  Runner(const Script& script, std::string_view file, TraceSink& sink);
  RunOutcome run();
  // Runs inside the kernel, on the notify routine's call (this host thread).
  void routine_invoked(const RoutineCall& call) override;

 private:
  // --- runner.cpp: names, values, reporting ------------------------------------------------
  Kernel& kernel() { return *kernel_; }
  void bind_boot_objects();
  const Symbol& symbol(int index) const { return script_.symbols[static_cast<std::size_t>(index)]; }
  ps::Process* process_of(int index) const;
  ps::Thread* thread_of(int index) const;
  void bind(int index, ob::Object* o);
  void record_handle(int index, ps::Process& owner, Handle h);
  std::string not_created(int index) const;
  /// The value of an ID expression now. A name whose object was never created reads as 0.
  std::uint64_t eval(const Statement& s, const IdExpr& e);
  void set_status(const Statement& s, Status status);
  /// A statement whose object does not exist at run time is skipped, not an error: the earlier
  /// failure that caused it is already in the output.
  void skip(const Statement& s, std::string reason);
  void note(const Statement& s, std::string message);
  /// The routine's body is a breakpoint: report it the way the kernel debugger would.
  void report_break(const RoutineCall& call);

  // --- statements.cpp ----------------------------------------------------------------------
  void exec(const Statement&, const KernelStmt&) {}
  void exec(const Statement& s, const ProcessNotifyStmt& b);
  void exec(const Statement& s, const ThreadNotifyStmt& b);
  void exec(const Statement& s, const ImageNotifyStmt& b);
  void exec(const Statement& s, const LoadImageStmt& b);
  void exec(const Statement& s, const CreateProcessStmt& b);
  void exec(const Statement& s, const CreateThreadStmt& b);
  void exec(const Statement& s, const ObjectOpStmt& b);
  void exec(const Statement& s, const LookupStmt& b);
  void exec(const Statement& s, const ContextStmt& b);
  void exec(const Statement& s, const LetStmt& b);
  void exec(const Statement& s, const PokePidStmt& b);
  void exec(const Statement& s, const PokeSlotStmt& b);
  void exec(const Statement& s, const DuringStmt& b);
  /// An Ex registration's veto is the routine's behaviour: set before the routine can be
  /// called, kept after its removal.
  void arm_veto(const ProcessNotifyStmt& b);
  Status run_race_statement(const DuringStmt& b);
  void create_thread(const Statement& s, ps::Process& process, int thread_symbol,
                     CreateSuspended suspended, bool via_create_process);
  void report_thread(const Statement& s, std::string_view api, const Kernel::ThreadCreated& t,
                     const std::string& name, ps::Process& process, bool via_create_process,
                     bool suspended);
  /// A real thread never returns from terminating itself; the scenario goes on, and says so.
  void note_if_current_exited(const Statement& s);

  // --- checks.cpp --------------------------------------------------------------------------
  void exec(const Statement& s, const AuditStmt&);
  void exec(const Statement& s, const ExpectStatusStmt& b);
  void exec(const Statement& s, const ExpectCallsStmt& b);
  void exec(const Statement& s, const ExpectFindingsStmt& b);
  void exec(const Statement& s, const ExpectBugcheckStmt& b);
  void exec(const Statement& s, const DumpStmt& b);
  static std::size_t slot(ps::NotifyKind kind) { return static_cast<std::size_t>(kind); }
  void exec(const Statement& s, const BreakStmt& b);
  /// The kernel's verifier, audited: an `audit` event heading every finding (line 0: the
  /// automatic audit at the end of the file).
  void run_audit(int line);
  void expect(const Statement& s, bool ok, std::string detail);
  void expect(int line, bool ok, std::string detail);
  void report_bugcheck(int line, const BugCheck& b);
  /// A statement bugchecked: the machine is stopped.
  void stopped(const Statement& s, const BugCheck& b);
  /// A statement after the bugcheck: only `expect bugcheck` is still checked.
  void after_bugcheck(const Statement& s);
  /// The bugcheck was not declared with `expect bugcheck`: a failed expectation.
  void check_bugcheck_expected();
  /// The `calls N` note dump_callbacks shows beside a pool routine.
  std::string calls_note(ps::NotifyKind kind, const void* routine) const;

  // The handle the scenario holds to an object it created, and the process whose table has it.
  struct HandleRecord {
    ps::Process* owner = nullptr;
    Handle handle{};
  };
  struct Down {  // the machine stopped with a bugcheck
    int line = 0;
    std::uint32_t code = 0;
    std::string name;
    bool skip_reported = false;
  };

  const Script& script_;
  std::string_view file_;
  TraceSink& sink_;
  RoutedSink routed_;  // the kernel's sink: holds CPU 1's events until their place is fixed
  std::optional<Kernel> kernel_;
  std::optional<Races> races_;
  std::optional<Kernel::ContextScope> context_;
  std::vector<ob::Object*> objects_;   // per symbol: the bound object (processes, threads)
  std::vector<HandleRecord> handles_;  // per symbol: its creation's handle
  std::vector<std::uint64_t> values_;  // per symbol: the value (variables)
  // Per notify kind, per routine: its calls, and whether a `break` is set for them.
  std::array<std::vector<std::uint64_t>, std::size(ps::kNotifyKinds)> calls_;
  std::array<std::vector<bool>, std::size(ps::kNotifyKinds)> breaks_;
  std::vector<std::optional<Status>> vetoes_;  // per routine: its Ex trampoline's veto
  std::optional<Status> last_status_;
  int last_api_line_ = 0;
  std::vector<Kernel::Finding> last_findings_;  // of the most recent audit
  int last_audit_line_ = 0;
  std::optional<Down> down_;  // set once a statement bugchecked: the machine is stopped
  bool bugcheck_expected_ = false;
  RunOutcome outcome_;
};

}  // namespace ntemu::cli
