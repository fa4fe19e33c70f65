// SPDX-License-Identifier: MIT
// The scenario runner's interpreter: one class, its members defined by concern — runner.cpp (the
// run, names and values, routine calls), statements.cpp (the API statements and pokes), lookups.cpp
// (by ID), checks.cpp (audits, expectations, the stopped machine, dumps). Races live beside it
// (races.hpp). Statements map one to one onto kernel entry points; the runner adds only
// bookkeeping and reports what it did after each call returns.
//
// A front end that drives the run itself (ntemu kd: kd_session.cpp) takes run() apart:
//
//   Runner r(script, "file.ntemu", sink);
//   r.start();                               // `begin`, the boot
//   for (const Statement& s : script.statements) {
//     /* inspect r.machine() between statements */
//     r.execute(s);                          // `statement` and its events, its races joined
//   }
//   r.finish();                              // unrun races, the automatic audit, `end`
//   RunOutcome outcome = r.teardown();       // the kernel released
//
// run() is exactly that loop, so every `ntemu run` golden checks it. set_body_hook() is told of
// each pool routine's call from inside it; execute_typed() runs a statement that is not the
// file's (checked with ScenarioChecker::check_more, then script_grew()).
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ntemu/kernel.hpp"
#include "ntemu/viz/stack_stamp.hpp"
#include "races.hpp"
#include "routines.hpp"
#include "runner.hpp"

namespace ntemu::cli {

/// What a debugger driving the run (ntemu kd) is told: each call of a pool routine, from inside
/// the routine's body (after its count, veto and `break` report, before a race starts).
class RoutineBodyHook {
 public:
  virtual ~RoutineBodyHook() = default;
  /// `symbol` is the routine's debugger symbol ("edr!ProcessNotifyRoutine"), `arguments` its
  /// arguments as the `break` event shows them ("ParentId 0x8, ProcessId 0x10, Create TRUE").
  virtual void routine_body(const RoutineCall& call, const std::string& symbol,
                            const std::string& arguments) = 0;
};

class Runner final : public RoutineListener {
 public:
  Runner(const Script& script, std::string_view file, TraceSink& sink,
         const RunOptions& options = {});
  /// start(), every statement, finish(), teardown().
  RunOutcome run();
  // Runs inside the kernel, on the notify routine's call (this host thread).
  void routine_invoked(const RoutineCall& call) override;
  void object_callback_invoked(const ObCallbackCall& call) override;

  // --- the run in steps, for a debugger (kd_session.cpp) ----------------------------------
  /// The `begin` event and the boot; the runner listens to the pool routines on this thread
  /// until teardown().
  void start();
  /// One statement of the file: its `statement` event, the statement, the races it armed.
  void execute(const Statement& s);
  /// A statement typed at the kd prompt (checked, pos.line 0): as execute(), without the
  /// `statement` event (the prompt shows it); findings name it "kd> SOURCE". A bugcheck is
  /// rethrown when `inside_call` (the prompt stopped inside a routine: the machine stops in the
  /// routine's kernel call, as a routine body's bugcheck does).
  void execute_typed(const Statement& s, bool inside_call);
  /// After the last statement: unrun races, an unexpected bugcheck, the automatic audit, `end`.
  void finish();
  /// Releases the kernel. Returns the outcome.
  RunOutcome teardown();
  /// The script grew (a statement typed at the prompt defined names or routines): grow the
  /// per-name tables and name the new routines.
  void script_grew();
  void set_body_hook(RoutineBodyHook* hook) { body_hook_ = hook; }
  Kernel& machine() { return *kernel_; }
  /// The object bound to script symbol `symbol` (a process or thread), or nullptr.
  ob::Object* object_of(int symbol) const {
    const auto i = static_cast<std::size_t>(symbol);
    return symbol >= 0 && i < objects_.size() ? resolve(objects_[i]) : nullptr;
  }
  /// A `during` race is running on CPU 1 (a debugger must not stop the machine then: CPU 1
  /// would go on under it).
  bool racing() const { return races_ && races_->racing(); }
  /// The verifier's step label of the statement running ("line 9: NtCreateThread ...").
  const std::string& step() const { return step_; }
  bool machine_down() const { return down_.has_value(); }
  const RunOutcome& outcome() const { return outcome_; }
  /// The `calls N` note dump_callbacks shows beside a pool routine.
  std::string calls_note(ps::NotifyKind kind, const void* routine) const;
  /// The pokes, reported as the scenario's `poke` statements report them (`line` 0: the prompt).
  void poke_pid(int line, ps::Process& p, std::uint64_t value);
  void poke_slot(int line, ps::NotifyKind kind, std::uint32_t slot);
  /// Runs `fn` with the verifier's step label `label` (findings name it), then restores the
  /// label of the statement running.
  template <class Fn>
  void with_step(std::string label, Fn&& fn) {
    kernel().set_step(std::move(label));
    struct Restore {
      Runner& r;
      ~Restore() { r.kernel().set_step(r.step_); }
    } restore{*this};
    fn();
  }

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
  /// The routine's symbol and arguments, as the `break` event shows them.
  std::pair<std::string, std::string> describe_call(const RoutineCall& call) const;
  void set_step(std::string label);
  void name_routines(std::size_t from);

  // --- statements.cpp ----------------------------------------------------------------------
  void exec(const Statement&, const KernelStmt&) {}
  void exec(const Statement& s, const ProcessNotifyStmt& b);
  void exec(const Statement& s, const ThreadNotifyStmt& b);
  void exec(const Statement& s, const ImageNotifyStmt& b);
  void exec(const Statement& s, const LoadImageStmt& b);
  void exec(const Statement& s, const CreateProcessStmt& b);
  void create_user_process(const Statement& s, const CreateProcessStmt& b, ps::Process* parent,
                           const std::string& parent_name, Kernel::ProcessImage image);
  void exec(const Statement& s, const CreateThreadStmt& b);
  void exec(const Statement& s, const ObjectOpStmt& b);
  void exec(const Statement& s, const LookupStmt& b);
  void exec(const Statement& s, const ContextStmt& b);
  void exec(const Statement& s, const LetStmt& b);
  void exec(const Statement& s, const PokePidStmt& b);
  void exec(const Statement& s, const PokeSlotStmt& b);
  void exec(const Statement& s, const DuringStmt& b);
  void exec(const Statement& s, const ObCallbackStmt& b);  // obcallbacks.cpp
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
  void exec(const Statement& s, const SnapshotStmt& b);
  /// Shows the state to the options' listener, if any.
  void show_state(StatePoint::Kind kind, const Statement* s, std::string_view label = {});
  /// The kernel's verifier, audited: an `audit` event heading every finding (line 0: the
  /// automatic audit at the end of the file).
  void run_audit(int line, bool automatic = false);
  void expect(const Statement& s, bool ok, std::string detail);
  void expect(int line, bool ok, std::string detail);
  void report_bugcheck(int line, const BugCheck& b);
  /// A statement bugchecked: the machine is stopped.
  void stopped(const Statement& s, const BugCheck& b);
  /// A statement after the bugcheck: only `expect bugcheck` is still checked.
  void after_bugcheck(const Statement& s);
  /// The bugcheck was not declared with `expect bugcheck`: a failed expectation.
  void check_bugcheck_expected();

  // An object a name is bound to, by model address and serial, never by host pointer: under
  // `--reclaim` a deleted object's memory is released and its address may be reused, which the
  // serial tells apart (resolve() then finds nothing). Serial 0: never bound.
  struct ObjectRef {
    std::uint64_t address = 0;
    std::uint64_t serial = 0;
  };
  ob::Object* resolve(const ObjectRef& r) const {
    if (r.serial == 0) return nullptr;
    ob::Object* o = kernel_->objects().find(r.address);
    return o != nullptr && o->serial() == r.serial ? o : nullptr;
  }
  static ObjectRef ref(const ob::Object* o) {
    return o != nullptr ? ObjectRef{o->address(), o->serial()} : ObjectRef{};
  }
  /// The name was bound and its object's memory was released since (`--reclaim`).
  bool reclaimed(int index) const {
    const ObjectRef& r = objects_[static_cast<std::size_t>(index)];
    return r.serial != 0 && resolve(r) == nullptr;
  }
  // The handle the scenario holds to an object it created, and the process whose table has it.
  struct HandleRecord {
    ObjectRef owner;
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
  const RunOptions options_;
  RoutedSink routed_;  // holds CPU 1's kernel events until their place is fixed
  std::optional<viz::StackStampSink> stamp_;  // options_.stacks: in front of routed_
  std::optional<Kernel> kernel_;
  std::optional<Races> races_;
  std::optional<Kernel::ContextScope> context_;
  std::vector<ObjectRef> objects_;     // per symbol: the bound object (processes, threads)
  std::vector<HandleRecord> handles_;  // per symbol: its creation's handle
  std::vector<std::uint64_t> values_;  // per symbol: the value (variables)
  // Per notify kind, per routine: its calls, and whether a `break` is set for them.
  std::array<std::vector<std::uint64_t>, std::size(ps::kNotifyKinds)> calls_;
  std::array<std::vector<bool>, std::size(ps::kNotifyKinds)> breaks_;
  std::vector<std::optional<Status>> vetoes_;  // per routine: its Ex trampoline's veto
  // Per routine: its object-callback registrations (handles, latest last), and the rights its
  // pre routine strips; the calls of its pre and post routines.
  struct ObRegistrations {
    std::vector<void*> handles;
    std::uint32_t strip = 0;
    std::uint64_t calls = 0;
  };
  std::vector<ObRegistrations> ob_callbacks_;
  std::optional<Status> last_status_;
  int last_api_line_ = 0;
  std::vector<Kernel::Finding> last_findings_;  // of the most recent audit
  int last_audit_line_ = 0;
  std::optional<Down> down_;  // set once a statement bugchecked: the machine is stopped
  bool bugcheck_expected_ = false;
  RunOutcome outcome_;
  std::optional<ListenerScope> listening_;  // from start() to teardown()
  RoutineBodyHook* body_hook_ = nullptr;
  std::string step_;   // the verifier's step label of the statement running
  int file_line_ = 0;  // the line of the file's statement running or last run
};

}  // namespace ntemu::cli
