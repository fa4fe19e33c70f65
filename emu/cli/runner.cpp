// The scenario runner. Statements map one to one onto kernel entry points; the runner adds
// only bookkeeping (which scenario name is bound to which object and which handle, the last API
// status, the routine call counters, the latest audit) and reports what it did after each call
// returns, so the kernel's own events for a call always come before the call's `call` event.
// The one exception is an audit: its `audit` event comes first, as the heading of its findings.
//
// A BugCheck thrown by a statement stops the machine: the runner reports it, runs no further
// statement except `expect bugcheck`, and still runs the final audit on the stopped kernel.
#include "runner.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "routines.hpp"

namespace ntemu::cli {
namespace {

std::string status_text(Status s) {
  return s.name().empty() ? s.hex() : std::string(s.name());
}

std::string object_name(const ob::Object& o) {
  if (o.type() == ob::ObjectType::Process) return static_cast<const ps::Process&>(o).ImageFileName;
  return static_cast<const ps::Thread&>(o).Name;
}

std::size_t to_index(int symbol) {
  return static_cast<std::size_t>(symbol);
}

// An Ex trampoline as the slot array stores it (plain and Ex routines share the array).
PCREATE_PROCESS_NOTIFY_ROUTINE process_ex_as_plain(std::size_t index) {
  return ps::routine_cast<PCREATE_PROCESS_NOTIFY_ROUTINE>(process_routine_ex(index));
}

std::string plural(std::uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// The kernel's sink while a `during` race may run: events raised on the scenario's own host
// thread go straight out; events raised on the second CPU are kept until the scenario's thread
// flushes them at a point where the order is fixed, so the output never depends on scheduling.
class RoutedSink final : public TraceSink {
 public:
  explicit RoutedSink(TraceSink& out) : out_(out), owner_(std::this_thread::get_id()) {}
  void emit(const Event& e) override {
    if (std::this_thread::get_id() == owner_) return out_.emit(e);
    std::lock_guard<std::mutex> hold(lock_);
    held_.push_back(e);
  }
  /// On the owner's thread: writes the events the second CPU raised so far.
  void flush() {
    std::vector<Event> held;
    {
      std::lock_guard<std::mutex> hold(lock_);
      held.swap(held_);
    }
    for (const Event& e : held)
      out_.emit(e);
  }

 private:
  TraceSink& out_;
  const std::thread::id owner_;
  std::mutex lock_;
  std::vector<Event> held_;
};

class Runner final : public RoutineListener {
 public:
  Runner(const Script& script, std::string_view file, TraceSink& sink)
      : script_(script),
        file_(file),
        sink_(sink),
        routed_(sink),
        objects_(script.symbols.size(), nullptr),
        handles_(script.symbols.size()),
        values_(script.symbols.size(), 0),
        process_calls_(script.routines.size(), 0),
        thread_calls_(script.routines.size(), 0),
        process_breaks_(script.routines.size(), false),
        thread_breaks_(script.routines.size(), false),
        vetoes_(script.routines.size()) {}

  RunOutcome run() {
    sink_.emit(Event{"begin", {}}
                   .add("file", std::string(file_))
                   .add("kernel", std::string(to_string(script_.version)))
                   .add("arch", std::string(to_string(script_.arch))));
    ListenerScope listening(*this);
    kernel_.emplace(*Profile::make(script_.version, script_.arch), &routed_);
    for (std::size_t i = 0; i < script_.routines.size(); ++i) {
      kernel().name_routine(reinterpret_cast<const void*>(process_routine(i)), script_.routines[i],
                            "ProcessNotifyRoutine");
      kernel().name_routine(reinterpret_cast<const void*>(thread_routine(i)), script_.routines[i],
                            "ThreadNotifyRoutine");
      kernel().name_routine(reinterpret_cast<const void*>(process_routine_ex(i)),
                            script_.routines[i], "ProcessNotifyRoutineEx");
    }
    bind_boot_objects();
    for (const Statement& s : script_.statements) {
      if (std::holds_alternative<KernelStmt>(s.body)) continue;
      if (down_) {
        after_bugcheck(s);
        continue;
      }
      sink_.emit(Event{"statement", {}}.add("line", s.pos.line).add("source", s.source));
      kernel().set_step(fmt::format("line {}: {}", s.pos.line, s.source));
      try {
        std::visit([&](const auto& body) { exec(s, body); }, s.body);
      } catch (const BugCheck& b) {
        stopped(s, b);
      }
      // A removal racing a routine of this statement returns once the routine has.
      finish_race();
    }
    for (const Armed& a : armed_) {
      sink_.emit(Event{"note", {}}
                     .add("line", a.line)
                     .add("message", fmt::format("the race armed at line {} never ran: {} was "
                                                 "not called again",
                                                 a.line, script_.routines[a.routine])));
    }
    if (down_ && !bugcheck_expected_) {
      expect(down_->line, false,
             fmt::format("BugCheck {:#x} {} at line {} was not expected (declare it with "
                         "'expect bugcheck {:#x}' after that statement)",
                         down_->code, down_->name, down_->line, down_->code));
    }
    // The automatic audit, also on a stopped machine (the kernel stays inspectable).
    kernel().set_step("end of file");
    try {
      run_audit(0);
    } catch (const BugCheck& b) {
      report_bugcheck(0, b);
    }
    context_.reset();
    sink_.emit(Event{"end", {}}
                   .add("file", std::string(file_))
                   .add("expects_passed", outcome_.expects_passed)
                   .add("expects_failed", outcome_.expects_failed)
                   .add("exit", outcome_.exit_code()));
    kernel().set_trace_sink(nullptr);
    kernel_.reset();
    return outcome_;
  }

  // Runs inside the kernel, on the notify routine's call (this host thread).
  void routine_invoked(const RoutineCall& call) override {
    const bool process = call.kind == ps::NotifyKind::Process;
    auto& calls = process ? process_calls_ : thread_calls_;
    if (call.index >= calls.size()) return;
    ++calls[call.index];
    // An Ex routine registered with veto= refuses every creation it is told of.
    if (call.info != nullptr && vetoes_[call.index]) {
      call.info->CreationStatus = *vetoes_[call.index];
    }
    if ((process ? process_breaks_ : thread_breaks_)[call.index]) report_break(call);
    start_race(call);
  }

 private:
  // The routine's body is a breakpoint: report it the way the kernel debugger would.
  void report_break(const RoutineCall& call) {
    const bool process = call.kind == ps::NotifyKind::Process;
    Kernel& k = kernel();
    const std::string& name = script_.routines[call.index];
    const std::string function = !process  ? "ThreadNotifyRoutine"
                                 : call.ex ? "ProcessNotifyRoutineEx"
                                           : "ProcessNotifyRoutine";
    std::string arguments =
        process ? fmt::format("ParentId {:#x}, ProcessId {:#x}", call.first, call.second)
                : fmt::format("ProcessId {:#x}, ThreadId {:#x}", call.first, call.second);
    if (call.ex) {
      arguments = call.info != nullptr
                      ? fmt::format("ProcessId {:#x}, CreateInfo (ParentProcessId {:#x})",
                                    call.second, call.first)
                      : fmt::format("ProcessId {:#x}, CreateInfo NULL", call.second);
    }
    sink_.emit(Event{"break", {}}
                   .add("routine", name)
                   .add("symbol", fmt::format("{}!{}", name, function))
                   .add("kind", process ? "process" : "thread")
                   .add("context_pid", k.PsGetCurrentProcessId().value())
                   .add("context_tid", k.PsGetCurrentThreadId().value())
                   .add("text", fmt::format("Break instruction exception - code 80000003 (first "
                                            "chance)\n{}!{}: {}, Create {}\nkd> kb\n{}",
                                            name, function, arguments,
                                            call.create ? "TRUE" : "FALSE", k.format_stack_kb())));
  }

  // --- during: a registration racing a routine in flight ---------------------------------
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

  void exec(const Statement& s, const DuringStmt& b) {
    const auto kind = b.kind;
    armed_.push_back({to_index(b.routine.index), kind, &b, s.pos.line});
  }

  // The pool function a call came through, as the slot array stores it.
  const void* called_function(const RoutineCall& call) const {
    if (call.kind == ps::NotifyKind::Thread) {
      return reinterpret_cast<const void*>(thread_routine(call.index));
    }
    return call.ex ? reinterpret_cast<const void*>(process_routine_ex(call.index))
                   : reinterpret_cast<const void*>(process_routine(call.index));
  }

  // The EX_CALLBACK block whose reference this call holds (nullptr on plain arrays).
  const ex::CallbackBlock* in_flight_block(const RoutineCall& call) {
    const void* fn = called_function(call);
    auto find = [&](const auto& array) -> const ex::CallbackBlock* {
      if (array.storage() != NotifyStorage::ExCallback) return nullptr;
      for (std::uint32_t i = 0; i < array.size(); ++i) {
        if (reinterpret_cast<const void*>(array.slot(i)) == fn) return array.block(i);
      }
      return nullptr;
    };
    return call.kind == ps::NotifyKind::Process ? find(kernel().process_notify_array())
                                                : find(kernel().thread_notify_array());
  }

  // Runs on the routine's call: if a race is armed for it, CPU 1 runs the statement now, and
  // the routine returns once that statement has returned or waits for the routine.
  void start_race(const RoutineCall& call) {
    if (race_) return;  // one race at a time; the others stay armed
    const auto it = std::find_if(armed_.begin(), armed_.end(), [&](const Armed& a) {
      return a.routine == call.index && (!a.kind || *a.kind == call.kind);
    });
    if (it == armed_.end()) return;
    const Armed armed = *it;
    armed_.erase(it);
    const ex::CallbackBlock* block = in_flight_block(call);
    race_ = std::make_unique<Race>();
    race_->stmt = armed.stmt;
    race_->line = armed.line;
    race_->in_flight = kernel().routine_symbol(called_function(call));
    sink_.emit(
        Event{"race", {}}
            .add("line", armed.line)
            .add("cpu", std::int64_t{1})
            .add("source", armed.stmt->inner_source)
            .add("in_flight", race_->in_flight)
            .add("text", fmt::format("CPU 1: {}  (line {}, while {} runs on CPU 0)",
                                     armed.stmt->inner_source, armed.line, race_->in_flight)));
    if (const auto* p = std::get_if<ProcessNotifyStmt>(&armed.stmt->inner)) arm_veto(*p);
    Race& race = *race_;
    race.cpu1 = std::thread([this, &race] {
      // A driver's unload runs in a system thread: the first one here.
      Kernel::ContextScope context(kernel(), kernel().first_system_thread());
      race.status = std::visit([this](const auto& inner) { return register_routine(inner); },
                               race.stmt->inner);
      race.done.store(true, std::memory_order_release);
    });
    // Wait for CPU 1 to return, or to block in ExWaitForCallBacks on this routine's block.
    while (!race.done.load(std::memory_order_acquire) &&
           (block == nullptr || !block->RundownProtect.is_active())) {
      std::this_thread::yield();
    }
    if (race.done.load(std::memory_order_acquire)) {
      finish_race();
      return;
    }
    routed_.flush();
    sink_.emit(Event{"race", {}}
                   .add("line", armed.line)
                   .add("cpu", std::int64_t{1})
                   .add("waits_for", race_->in_flight)
                   .add("block", block->address())
                   .add("rundown", block->RundownProtect.raw())
                   .add("text", fmt::format("CPU 1 waits in ExWaitForCallBacks: block {:#x} "
                                            "rundown active ({:#x}), until {} returns",
                                            block->address(), block->RundownProtect.raw(),
                                            race_->in_flight)));
  }

  // Joins CPU 1 and reports its statement's call (the routine it raced has returned, or is
  // still running if the statement did not wait for it).
  void finish_race() {
    if (!race_) return;
    race_->cpu1.join();
    routed_.flush();
    const Race& race = *race_;
    std::visit(
        [&](const auto& inner) {
          sink_.emit(call_event(race.line, api_name(inner), race.status)
                         .add("cpu", std::int64_t{1})
                         .add("routine", inner.routine.name.text));
        },
        race.stmt->inner);
    race_.reset();
  }

  static std::string_view api_name(const ProcessNotifyStmt& b) {
    return b.ex ? "PsSetCreateProcessNotifyRoutineEx" : "PsSetCreateProcessNotifyRoutine";
  }
  static std::string_view api_name(const ThreadNotifyStmt& b) {
    return b.remove ? "PsRemoveCreateThreadNotifyRoutine" : "PsSetCreateThreadNotifyRoutine";
  }

  // The registration API a statement calls, without reporting it.
  Status register_routine(const ProcessNotifyStmt& b) {
    if (b.ex) {
      return kernel().PsSetCreateProcessNotifyRoutineEx(
          b.routine.is_null() ? nullptr : process_routine_ex(to_index(b.routine.index)), b.remove);
    }
    return kernel().PsSetCreateProcessNotifyRoutine(
        b.routine.is_null() ? nullptr : process_routine(to_index(b.routine.index)), b.remove);
  }
  Status register_routine(const ThreadNotifyStmt& b) {
    const PCREATE_THREAD_NOTIFY_ROUTINE routine =
        b.routine.is_null() ? nullptr : thread_routine(to_index(b.routine.index));
    return b.remove ? kernel().PsRemoveCreateThreadNotifyRoutine(routine)
                    : kernel().PsSetCreateThreadNotifyRoutine(routine);
  }

  Kernel& kernel() { return *kernel_; }

  void bind_boot_objects() {
    for (std::size_t i = 0; i < script_.symbols.size(); ++i) {
      switch (script_.symbols[i].boot) {
        case Symbol::Boot::SystemProcess:
          objects_[i] = &kernel().system_process();
          break;
        case Symbol::Boot::SystemThread:
          objects_[i] = &kernel().first_system_thread();
          break;
        case Symbol::Boot::IdleProcess:
          objects_[i] = &kernel().idle_process();
          break;
        case Symbol::Boot::IdleThread:
          objects_[i] = &kernel().idle_thread();
          break;
        case Symbol::Boot::None:
          break;
      }
    }
  }

  const Symbol& symbol(int index) const { return script_.symbols[to_index(index)]; }
  ps::Process* process_of(int index) const {
    if (index == kNoSymbol) return nullptr;
    return static_cast<ps::Process*>(objects_[to_index(index)]);
  }
  ps::Thread* thread_of(int index) const {
    if (index == kNoSymbol) return nullptr;
    return static_cast<ps::Thread*>(objects_[to_index(index)]);
  }
  void bind(int index, ob::Object* o) {
    if (index != kNoSymbol) objects_[to_index(index)] = o;
  }
  void record_handle(int index, ps::Process& owner, Handle h) {
    if (index != kNoSymbol) handles_[to_index(index)] = HandleRecord{&owner, h};
  }

  std::string not_created(int index) const {
    const Symbol& s = symbol(index);
    return fmt::format("'{}' does not exist: its creation at line {} failed", s.name,
                       s.defined.line);
  }

  // --- reporting ---------------------------------------------------------------------------
  static Event call_event(int line, std::string_view api, Status status) {
    return Event{"call", {}}
        .add("line", line)
        .add("api", std::string(api))
        .add("status", status_text(status))
        .add("ntstatus", status.hex());
  }
  static Event call_event(const Statement& s, std::string_view api, Status status) {
    return call_event(s.pos.line, api, status);
  }

  void set_status(const Statement& s, Status status) {
    last_status_ = status;
    last_api_line_ = s.pos.line;
  }

  /// A statement whose object does not exist at run time is skipped, not an error: the earlier
  /// failure that caused it is already in the output.
  void skip(const Statement& s, std::string reason) {
    sink_.emit(Event{"skip", {}}.add("line", s.pos.line).add("reason", std::move(reason)));
    if (calls_api(s)) {
      last_status_.reset();
      last_api_line_ = s.pos.line;
    }
  }

  void note(const Statement& s, std::string message) {
    sink_.emit(Event{"note", {}}.add("line", s.pos.line).add("message", std::move(message)));
  }

  /// The value of an ID expression now. A name whose object was never created reads as 0.
  std::uint64_t eval(const Statement& s, const IdExpr& e) {
    std::uint64_t v = 0;
    switch (e.kind) {
      case IdExpr::Kind::Number:
        v = e.number;
        break;
      case IdExpr::Kind::Variable:
        v = values_[to_index(e.symbol)];
        break;
      case IdExpr::Kind::Pid:
      case IdExpr::Kind::Tid: {
        ob::Object* o = objects_[to_index(e.symbol)];
        if (o == nullptr) {
          note(s, not_created(e.symbol) + fmt::format(", so {}.{} is 0", e.name.text,
                                                      e.kind == IdExpr::Kind::Pid ? "pid" : "tid"));
        } else if (o->type() == ob::ObjectType::Process) {
          v = static_cast<ps::Process*>(o)->pid().value();
        } else {
          const ClientId cid = static_cast<ps::Thread*>(o)->Cid();
          v = e.kind == IdExpr::Kind::Pid ? cid.UniqueProcess.value() : cid.UniqueThread.value();
        }
        break;
      }
    }
    switch (e.op) {
      case IdExpr::Op::None:
        break;
      case IdExpr::Op::Plus:
        v += e.operand;
        break;
      case IdExpr::Op::Or:
        v |= e.operand;
        break;
    }
    return v;
  }

  // --- statements --------------------------------------------------------------------------
  void exec(const Statement&, const KernelStmt&) {}

  // An Ex registration's veto is the routine's behaviour: set before the routine can be called,
  // kept after its removal.
  void arm_veto(const ProcessNotifyStmt& b) {
    if (b.ex && !b.remove && !b.routine.is_null()) vetoes_[to_index(b.routine.index)] = b.veto;
  }

  void exec(const Statement& s, const ProcessNotifyStmt& b) {
    arm_veto(b);
    const Status status = register_routine(b);
    Event e = call_event(s, api_name(b), status)
                  .add("routine", b.routine.name.text)
                  .add("remove", b.remove);
    if (b.veto) e.add("veto", status_text(*b.veto));
    sink_.emit(std::move(e));
    set_status(s, status);
  }

  void exec(const Statement& s, const ThreadNotifyStmt& b) {
    const Status status = register_routine(b);
    sink_.emit(call_event(s, api_name(b), status).add("routine", b.routine.name.text));
    set_status(s, status);
  }

  void exec(const Statement& s, const CreateProcessStmt& b) {
    ps::Process* parent = nullptr;
    if (b.parent_symbol != kNoSymbol) {
      parent = process_of(b.parent_symbol);
      if (parent == nullptr) return skip(s, not_created(b.parent_symbol));
    }
    const std::string parent_name =
        object_name(parent != nullptr ? *parent : kernel().current_process());
    const std::string& name = symbol(b.symbol).name;
    ps::Process& creator = kernel().current_process();  // receives the handle
    Kernel::ProcessCreated p = kernel().NtCreateProcess(name, parent);
    Event e = call_event(s, "NtCreateProcess", p.status);
    if (b.with_thread) e.add("via", "CreateProcess");
    e.add("name", name).add("parent_name", parent_name);
    if (p.status.ok() && p.process != nullptr) {
      bind(b.symbol, p.process);
      record_handle(b.symbol, creator, p.handle);
      e.add("pid", p.process->pid().value())
          .add("parent", p.process->InheritedFromUniqueProcessId.value())
          .add("handle", p.handle.value());
    }
    sink_.emit(e);
    set_status(s, p.status);
    if (!b.with_thread || !p.status.ok() || p.process == nullptr) return;
    create_thread(s, *p.process, b.thread_symbol, CreateSuspended::No, /*via=*/true);
  }

  void create_thread(const Statement& s, ps::Process& process, int thread_symbol,
                     CreateSuspended suspended, bool via_create_process) {
    const std::string& name = symbol(thread_symbol).name;
    ps::Process& creator = kernel().current_process();  // receives the handle
    Kernel::ThreadCreated t = kernel().NtCreateThread(process, suspended, name);
    report_thread(s, "NtCreateThread", t, name, process, via_create_process,
                  suspended == CreateSuspended::Yes);
    if (t.status.ok()) {
      bind(thread_symbol, t.thread);
      record_handle(thread_symbol, creator, t.handle);
    }
    set_status(s, t.status);
  }

  void report_thread(const Statement& s, std::string_view api, const Kernel::ThreadCreated& t,
                     const std::string& name, ps::Process& process, bool via_create_process,
                     bool suspended) {
    Event e = call_event(s, api, t.status);
    if (via_create_process) e.add("via", "CreateProcess");
    e.add("name", name).add("process", process.ImageFileName);
    if (suspended) e.add("suspended", true);
    if (t.status.ok() && t.thread != nullptr) {
      e.add("pid", t.cid.UniqueProcess.value())
          .add("tid", t.cid.UniqueThread.value())
          .add("handle", t.handle.value());
    }
    sink_.emit(e);
  }

  void exec(const Statement& s, const CreateThreadStmt& b) {
    if (b.system) {
      const std::string& name = symbol(b.symbol).name;
      Kernel::ThreadCreated t = kernel().PsCreateSystemThread(name);
      report_thread(s, "PsCreateSystemThread", t, name, kernel().system_process(), false, false);
      if (t.status.ok()) {
        bind(b.symbol, t.thread);
        record_handle(b.symbol, kernel().system_process(), t.handle);  // a kernel handle
      }
      set_status(s, t.status);
      return;
    }
    ps::Process* process = process_of(b.process_symbol);
    if (process == nullptr) return skip(s, not_created(b.process_symbol));
    create_thread(s, *process, b.symbol, b.suspended ? CreateSuspended::Yes : CreateSuspended::No,
                  false);
  }

  void exec(const Statement& s, const ObjectOpStmt& b) {
    if (objects_[to_index(b.symbol)] == nullptr) return skip(s, not_created(b.symbol));
    switch (b.op) {
      case ObjectOpStmt::Op::TerminateThread: {
        ps::Thread& t = *thread_of(b.symbol);
        const bool current_alive = !terminated(kernel().current_thread());
        const Status status = kernel().NtTerminateThread(t);
        Event e = call_event(s, "NtTerminateThread", status);
        add_thread_result(e, t);
        sink_.emit(e);
        set_status(s, status);
        if (current_alive) note_if_current_exited(s);
        return;
      }
      case ObjectOpStmt::Op::TerminateProcess: {
        ps::Process& p = *process_of(b.symbol);
        const bool current_alive = !terminated(kernel().current_thread());
        const Status status = kernel().NtTerminateProcess(p);
        sink_.emit(call_event(s, "NtTerminateProcess", status)
                       .add("name", p.ImageFileName)
                       .add("pid", p.pid().value()));
        set_status(s, status);
        if (current_alive) note_if_current_exited(s);
        return;
      }
      case ObjectOpStmt::Op::Close: {
        // The handle recorded at the creation, in the table that received it; a second close
        // passes the same value again and gets the kernel's answer.
        const HandleRecord& h = handles_[to_index(b.symbol)];
        ob::Object& o = *objects_[to_index(b.symbol)];
        // Handle values are reused: say so when this one now names another object.
        std::uint64_t named = 0;
        (void)h.owner->ObjectTable->with_locked(h.handle,
                                                [&](const ex::EntryView& e) { named = e.object; });
        const ob::Object* other =
            named != 0 && named != o.address() ? kernel().objects().find(named) : nullptr;
        if (other != nullptr) {
          note(s, fmt::format("handle {:#x} in {}'s table was closed before and now names {} {}: "
                              "this close closes that handle",
                              h.handle.value(), h.owner->ImageFileName,
                              ob::to_string(other->type()), object_name(*other)));
        }
        const Status status = kernel().NtClose(*h.owner, h.handle);
        sink_.emit(call_event(s, "NtClose", status)
                       .add("name", symbol(b.symbol).name)
                       .add("type", std::string(ob::to_string(o.type())))
                       .add("handle", h.handle.value())
                       .add("owner", h.owner->ImageFileName));
        set_status(s, status);
        return;
      }
    }
  }

  static bool terminated(const ps::Thread& t) {
    return (t.CrossThreadFlags.load() & ps::Thread::kFlagTerminated) != 0;
  }

  // A real thread never returns from terminating itself; the scenario goes on, and says so.
  void note_if_current_exited(const Statement& s) {
    const ps::Thread& t = kernel().current_thread();
    if (!terminated(t)) return;
    note(s, fmt::format("the current thread ({}) has exited; later statements still run as it "
                        "until a 'context' statement",
                        t.Name));
  }

  void exec(const Statement& s, const LookupStmt& b) {
    switch (b.api) {
      case LookupStmt::Api::ProcessById: {
        const std::uint64_t id = eval(s, b.first);
        ps::Process* p = nullptr;
        const Status status = kernel().PsLookupProcessByProcessId(ProcessId{id}, &p);
        Event e = call_event(s, "PsLookupProcessByProcessId", status).add("id", id);
        if (status.ok() && p != nullptr) {
          e.add("name", p->ImageFileName).add("pid", p->pid().value());
          kernel().ObDereferenceObject(*p);
        }
        sink_.emit(e);
        set_status(s, status);
        return;
      }
      case LookupStmt::Api::ThreadById: {
        const std::uint64_t id = eval(s, b.first);
        ps::Thread* t = nullptr;
        const Status status = kernel().PsLookupThreadByThreadId(ThreadId{id}, &t);
        Event e = call_event(s, "PsLookupThreadByThreadId", status).add("id", id);
        if (status.ok() && t != nullptr) {
          add_thread_result(e, *t);
          kernel().ObDereferenceObject(*t);
        }
        sink_.emit(e);
        set_status(s, status);
        return;
      }
      case LookupStmt::Api::ProcessThreadByCid: {
        const ClientId cid{ProcessId{eval(s, b.first)}, ThreadId{eval(s, b.second)}};
        ps::Process* p = nullptr;
        ps::Thread* t = nullptr;
        const Status status = kernel().PsLookupProcessThreadByCid(cid, &p, &t);
        Event e = call_event(s, "PsLookupProcessThreadByCid", status)
                      .add("cid_pid", cid.UniqueProcess.value())
                      .add("cid_tid", cid.UniqueThread.value());
        if (status.ok() && t != nullptr) {
          add_thread_result(e, *t);
          kernel().ObDereferenceObject(*t);
        }
        if (status.ok() && p != nullptr) kernel().ObDereferenceObject(*p);
        sink_.emit(e);
        set_status(s, status);
        return;
      }
    }
  }

  static void add_thread_result(Event& e, const ps::Thread& t) {
    const ClientId cid = t.Cid();
    e.add("name", t.Name)
        .add("process", t.ThreadsProcess->ImageFileName)
        .add("pid", cid.UniqueProcess.value())
        .add("tid", cid.UniqueThread.value());
  }

  void exec(const Statement& s, const ContextStmt& b) {
    ps::Thread* t = thread_of(b.symbol);
    if (t == nullptr) return skip(s, not_created(b.symbol));
    context_.reset();
    context_.emplace(kernel(), *t);
    const ClientId cid = t->Cid();
    sink_.emit(Event{"context", {}}
                   .add("line", s.pos.line)
                   .add("name", t->Name)
                   .add("process", t->ThreadsProcess->ImageFileName)
                   .add("pid", cid.UniqueProcess.value())
                   .add("tid", cid.UniqueThread.value()));
  }

  void exec(const Statement& s, const LetStmt& b) {
    const std::uint64_t v = eval(s, b.value);
    if (b.symbol != kNoSymbol) values_[to_index(b.symbol)] = v;
    sink_.emit(Event{"let", {}}.add("line", s.pos.line).add("name", b.var.text).add("value", v));
  }

  void exec(const Statement& s, const PokePidStmt& b) {
    ps::Process* p = process_of(b.symbol);
    if (p == nullptr) return skip(s, not_created(b.symbol));
    const std::uint64_t v = eval(s, b.value);
    const std::uint64_t old = p->pid().value();
    kernel().poke_unique_process_id(*p, ProcessId{v});
    sink_.emit(Event{"poke", {}}
                   .add("line", s.pos.line)
                   .add("target", p->ImageFileName + ".UniqueProcessId")
                   .add("old", old)
                   .add("value", v));
  }

  void exec(const Statement& s, const PokeSlotStmt& b) {
    const auto slot = static_cast<std::uint32_t>(b.slot);
    const bool process = b.kind == ps::NotifyKind::Process;
    const void* old =
        process ? reinterpret_cast<const void*>(kernel().process_notify_array().slot(slot))
                : reinterpret_cast<const void*>(kernel().thread_notify_array().slot(slot));
    const std::string old_symbol = kernel().routine_symbol(old);
    kernel().poke_clear_notify_slot(b.kind, slot);
    sink_.emit(
        Event{"poke", {}}
            .add("line", s.pos.line)
            .add("target", fmt::format("{}-notify[{}]", process ? "process" : "thread", slot))
            .add("old_routine", old_symbol)
            .add("value", b.value));
  }

  void exec(const Statement& s, const AuditStmt&) { run_audit(s.pos.line); }

  // The kernel's verifier, audited without emitting: the `audit` event heads the findings with
  // their count (line 0: the automatic audit at the end), and every finding follows it — those
  // raised while running (already emitted when raised) listed again, then the ones found now.
  void run_audit(int line) {
    std::vector<Kernel::Finding> findings = kernel().verifier().audit(verify::AuditEvents::None);
    Event heading = Event{"audit", {}}
                        .add("line", line)
                        .add("automatic", line == 0)
                        .add("findings", static_cast<std::uint64_t>(findings.size()));
    // The automatic audit repeating the last explicit one says so (the text output then shows
    // only the count); its findings are still all listed as events.
    if (line == 0 && last_audit_line_ != 0 && !findings.empty() &&
        same_findings(findings, last_findings_)) {
      heading.add("same_as", last_audit_line_);
    }
    sink_.emit(heading);
    for (const Kernel::Finding& f : findings)
      sink_.emit(verify::finding_event(f));
    last_findings_ = std::move(findings);
    last_audit_line_ = line;
  }

  static bool same_findings(const std::vector<Kernel::Finding>& a,
                            const std::vector<Kernel::Finding>& b) {
    auto key = [](const Kernel::Finding& f) {
      return std::tie(f.kind, f.detail, f.id, f.object, f.step);
    };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](const auto& x, const auto& y) { return key(x) == key(y); });
  }

  // --- the machine stops ---------------------------------------------------------------------
  struct Down {
    int line = 0;
    std::uint32_t code = 0;
    std::string name;
    bool skip_reported = false;
  };

  void report_bugcheck(int line, const BugCheck& b) {
    const auto& p = b.parameters();
    sink_.emit(
        Event{"bugcheck", {}}
            .add("line", line)
            .add("code", std::uint64_t{b.code()})
            .add("name", b.name())
            .add("parameters", fmt::format("{:#x}, {:#x}, {:#x}, {:#x}", p[0], p[1], p[2], p[3])));
  }

  void stopped(const Statement& s, const BugCheck& b) {
    report_bugcheck(s.pos.line, b);
    down_ = Down{s.pos.line, b.code(), b.name(), false};
    outcome_.bugcheck = b.code();
    last_status_.reset();
    last_api_line_ = s.pos.line;
  }

  // A statement after the bugcheck: only `expect bugcheck` is still checked.
  void after_bugcheck(const Statement& s) {
    if (const auto* b = std::get_if<ExpectBugcheckStmt>(&s.body)) {
      sink_.emit(Event{"statement", {}}.add("line", s.pos.line).add("source", s.source));
      exec(s, *b);
      return;
    }
    if (down_->skip_reported) return;
    down_->skip_reported = true;
    sink_.emit(Event{"skip", {}}
                   .add("line", s.pos.line)
                   .add("reason", fmt::format("the machine is down (BugCheck {:#x} at line {}): "
                                              "no statement from here on runs, except 'expect "
                                              "bugcheck'",
                                              down_->code, down_->line)));
  }

  void exec(const Statement&, const BreakStmt& b) {
    const std::size_t i = to_index(b.routine.index);
    if (!b.kind || *b.kind == ps::NotifyKind::Process) process_breaks_[i] = true;
    if (!b.kind || *b.kind == ps::NotifyKind::Thread) thread_breaks_[i] = true;
  }

  void expect(const Statement& s, bool ok, std::string detail) {
    expect(s.pos.line, ok, std::move(detail));
  }
  void expect(int line, bool ok, std::string detail) {
    (ok ? outcome_.expects_passed : outcome_.expects_failed) += 1;
    sink_.emit(
        Event{"expect", {}}.add("line", line).add("ok", ok).add("detail", std::move(detail)));
  }

  void exec(const Statement& s, const ExpectFindingsStmt& b) {
    std::uint64_t n = 0;
    for (const Kernel::Finding& f : last_findings_) {
      if (!b.kind || f.kind == *b.kind) ++n;
    }
    const std::string what =
        b.kind ? std::string(verify::to_string(*b.kind)) + " finding" : std::string("finding");
    const std::string where = fmt::format("the audit at line {}", last_audit_line_);
    if (n == b.count) return expect(s, true, fmt::format("{} in {}", plural(n, what), where));
    expect(s, false,
           fmt::format("expected {} in {}, it reported {}", plural(b.count, what), where, n));
  }

  void exec(const Statement& s, const ExpectBugcheckStmt& b) {
    if (!down_) {
      return expect(
          s, false,
          fmt::format("expected BugCheck {:#x}, but the machine is still running", b.code));
    }
    if (down_->code == b.code) {
      bugcheck_expected_ = true;
      return expect(
          s, true,
          fmt::format("BugCheck {:#x} {} at line {}", down_->code, down_->name, down_->line));
    }
    expect(s, false,
           fmt::format("expected BugCheck {:#x}, got BugCheck {:#x} {} at line {}", b.code,
                       down_->code, down_->name, down_->line));
  }

  void exec(const Statement& s, const ExpectStatusStmt& b) {
    const std::string want = status_text(b.status);
    if (!last_status_) {
      return expect(s, false,
                    fmt::format("expected {}, but line {} was skipped", want, last_api_line_));
    }
    const std::string got = status_text(*last_status_);
    if (*last_status_ == b.status) return expect(s, true, fmt::format("status {}", got));
    expect(s, false, fmt::format("expected {}, got {} (line {})", want, got, last_api_line_));
  }

  void exec(const Statement& s, const ExpectCallsStmt& b) {
    const std::size_t i = to_index(b.routine.index);
    const std::uint64_t calls = process_calls_[i] + thread_calls_[i];
    const std::string& name = script_.routines[i];
    if (calls == b.count) {
      return expect(s, true,
                    fmt::format("{} called {} time{}", name, calls, calls == 1 ? "" : "s"));
    }
    expect(s, false,
           fmt::format("expected {} to be called {} time{}, it was called {} time{}", name, b.count,
                       b.count == 1 ? "" : "s", calls, calls == 1 ? "" : "s"));
  }

  void exec(const Statement& s, const DumpStmt& b) {
    Event e{"dump", {}};
    e.add("line", s.pos.line);
    switch (b.what) {
      case DumpStmt::What::CidTable:
        e.add("what", "cidtable").add("text", dump_cid_table());
        break;
      case DumpStmt::What::Callbacks:
        e.add("what", "callbacks").add("text", dump_callbacks());
        break;
      case DumpStmt::What::Process: {
        ps::Process* p = process_of(b.symbol);
        if (p == nullptr) return skip(s, not_created(b.symbol));
        e.add("what", "process").add("name", p->ImageFileName).add("text", dump_process(*p));
        break;
      }
    }
    sink_.emit(e);
  }

  // --- dumps -------------------------------------------------------------------------------
  std::string address(std::uint64_t a) const {
    return script_.arch == Arch::X86 ? fmt::format("{:08x}", a) : fmt::format("{:016x}", a);
  }

  std::string dump_cid_table() {
    struct Row {
      std::uint64_t handle;
      std::uint64_t object;
    };
    std::vector<Row> rows;
    ex::AnyHandleTable& table = kernel().cid_table();
    // Collect under the entry locks, describe after (objects() takes its own lock).
    table.enumerate([&](Handle h, const ex::EntryView& e) {
      rows.push_back({h.value(), e.object});
    });
    std::string out =
        fmt::format("PspCidTable: HandleCount {}, level {}", table.handle_count(), table.level());
    out += fmt::format("\n  {:<6}  {:<{}}  {:<7}  {}", "handle", "object",
                       script_.arch == Arch::X86 ? 8 : 16, "type", "name");
    for (const Row& r : rows) {
      const ob::Object* o = kernel().objects().find(r.object);
      std::string type = "?";
      std::string what = "(no object at this address)";
      if (o != nullptr) {
        type = std::string(ob::to_string(o->type()));
        what = object_name(*o);
        if (o->type() == ob::ObjectType::Thread) {
          const auto& t = static_cast<const ps::Thread&>(*o);
          what += fmt::format("  Cid {}  in {}", t.Cid(), t.ThreadsProcess->ImageFileName);
        } else {
          const auto& p = static_cast<const ps::Process&>(*o);
          what += fmt::format("  UniqueProcessId {:#x}", p.pid().value());
        }
        if (o->is_deleted()) what += "  (deleted: a tombstone)";
      }
      out += fmt::format("\n  {:#06x}  {}  {:<7}  {}", r.handle, address(r.object), type, what);
    }
    return out;
  }

  template <class Routine>
  std::string dump_array(std::string_view array, const ps::NotifyArray<Routine>& a,
                         Routine (*pool)(std::size_t), const std::vector<std::uint64_t>& calls,
                         Routine (*ex_pool)(std::size_t) = nullptr) {
    std::string out = fmt::format("{}: {} slots, {}Count {}", array, a.size(), array, a.count());
    for (std::uint32_t i = 0; i < a.size(); ++i) {
      const Routine r = a.slot(i);
      if (r == nullptr) {
        // A run of empty slots is one line ("[2..63] (empty)"), as a debugger user skims it.
        std::uint32_t last = i;
        while (last + 1 < a.size() && a.slot(last + 1) == nullptr)
          ++last;
        out += last == i ? fmt::format("\n  [{}] (empty)", i)
                         : fmt::format("\n  [{}..{}] (empty)", i, last);
        i = last;
        continue;
      }
      out +=
          fmt::format("\n  [{}] {}", i, kernel().routine_symbol(reinterpret_cast<const void*>(r)));
      if (a.storage() == NotifyStorage::ExCallback) {
        // The EX_FAST_REF word as a debugger shows it: block address | cached references.
        const std::uint64_t raw = a.raw(i);
        const Arch arch = kernel().profile().arch;
        out += fmt::format("  raw {:#x} (block {:#x}, cached {}, rundown holders {})", raw,
                           ex::FastRef::object(raw, arch), ex::FastRef::cached(raw, arch),
                           a.block(i)->RundownProtect.holders());
      }
      for (std::size_t k = 0; k < script_.routines.size(); ++k) {
        if (pool(k) == r || (ex_pool != nullptr && ex_pool(k) == r)) {
          out += fmt::format("  calls {}", calls[k]);
        }
      }
    }
    return out;
  }

  std::string dump_callbacks() {
    return dump_array("PspCreateProcessNotifyRoutine", kernel().process_notify_array(),
                      &process_routine, process_calls_, &process_ex_as_plain) +
           "\n" +
           dump_array("PspCreateThreadNotifyRoutine", kernel().thread_notify_array(),
                      &thread_routine, thread_calls_);
  }

  std::string dump_process(ps::Process& p) {
    std::uint32_t active = 0;
    std::uint32_t flags = 0;
    std::vector<ps::Thread*> threads;
    {
      MutexLocker hold(p.ProcessLock);
      active = p.ActiveThreads;
      flags = p.Flags.load(std::memory_order_acquire);
      threads = p.ThreadListHead.snapshot();
    }
    std::string out = fmt::format("PROCESS {}  object {}", p.ImageFileName, address(p.address()));
    if (p.is_deleted()) out += "  (deleted: a tombstone)";
    out += fmt::format("\n  UniqueProcessId               {:#x}", p.pid().value());
    out += fmt::format("\n  InheritedFromUniqueProcessId  {:#x}",
                       p.InheritedFromUniqueProcessId.value());
    out += fmt::format("\n  ObjectTable                   owner {:#x}, HandleCount {}",
                       p.ObjectTable->owner().value(), p.ObjectTable->handle_count());
    out += fmt::format("\n  ActiveThreads                 {}", active);
    out += fmt::format("\n  Flags                         {:#x}", flags);
    out += fmt::format("\n  GrantedAccess                 {:#x}", p.GrantedAccess.load());
    out += fmt::format("\n  PointerCount, HandleCount     {}, {}", p.pointer_count(),
                       p.handle_count());
    for (const ps::Thread* t : threads) {
      out +=
          fmt::format("\n  THREAD {}  Cid {}  object {}", t->Name, t->Cid(), address(t->address()));
    }
    return out;
  }

  const Script& script_;
  std::string_view file_;
  TraceSink& sink_;
  RoutedSink routed_;  // the kernel's sink: holds CPU 1's events until their place is fixed
  std::optional<Kernel> kernel_;
  std::optional<Kernel::ContextScope> context_;
  // The handle the scenario holds to an object it created, and the process whose table has it.
  struct HandleRecord {
    ps::Process* owner = nullptr;
    Handle handle{};
  };

  std::vector<ob::Object*> objects_;           // per symbol: the bound object (processes, threads)
  std::vector<HandleRecord> handles_;          // per symbol: its creation's handle
  std::vector<std::uint64_t> values_;          // per symbol: the value (variables)
  std::vector<std::uint64_t> process_calls_;   // per routine
  std::vector<std::uint64_t> thread_calls_;    // per routine
  std::vector<bool> process_breaks_;           // per routine: `break` set for process calls
  std::vector<bool> thread_breaks_;            // per routine: `break` set for thread calls
  std::vector<std::optional<Status>> vetoes_;  // per routine: its Ex trampoline's veto
  std::vector<Armed> armed_;                   // `during` races not yet run
  std::unique_ptr<Race> race_;                 // the race running now, if any
  std::optional<Status> last_status_;
  int last_api_line_ = 0;
  std::vector<Kernel::Finding> last_findings_;  // of the most recent audit
  int last_audit_line_ = 0;
  std::optional<Down> down_;  // set once a statement bugchecked: the machine is stopped
  bool bugcheck_expected_ = false;
  RunOutcome outcome_;
};

}  // namespace

RunOutcome run_script(const Script& script, std::string_view file, TraceSink& sink) {
  return Runner(script, file, sink).run();
}

}  // namespace ntemu::cli
