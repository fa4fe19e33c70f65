// SPDX-License-Identifier: MIT
// The scenario runner: one fresh kernel per file, every statement in order, then the automatic
// audit. The kernel's own events for a call always come before the call's `call` event; the one
// exception is an audit, whose `audit` event comes first, as the heading of its findings. A
// BugCheck thrown by a statement stops the machine: no later statement runs except `expect
// bugcheck`, and the final audit still runs on the stopped kernel.
#include "runner.hpp"

#include <fmt/format.h>

#include "runner_impl.hpp"

namespace ntemu::cli {

Runner::Runner(const Script& script, std::string_view file, TraceSink& sink,
               const RunOptions& options)
    : script_(script),
      file_(file),
      sink_(sink),
      options_(options),
      routed_(sink),
      objects_(script.symbols.size()),
      handles_(script.symbols.size()),
      values_(script.symbols.size(), 0),
      vetoes_(script.routines.size()),
      ob_callbacks_(script.routines.size()) {
  for (auto& calls : calls_)
    calls.assign(script.routines.size(), 0);
  for (auto& breaks : breaks_)
    breaks.assign(script.routines.size(), false);
}

RunOutcome Runner::run() {
  start();
  for (const Statement& s : script_.statements)
    execute(s);
  finish();
  return teardown();
}

void Runner::start() {
  Event begin{"begin", {}};
  begin.add("file", std::string(file_))
      .add("kernel", std::string(to_string(script_.version)))
      .add("arch", std::string(to_string(script_.arch)));
  if (script_.release != 0) begin.add("release", std::uint64_t{script_.release});
  sink_.emit(begin);
  listening_.emplace(*this);
  // The stacks are read as each event is raised, before CPU 1's are held back.
  if (options_.stacks) stamp_.emplace(routed_, script_.arch);
  kernel_.emplace(*profile_of(script_), stamp_ ? static_cast<TraceSink*>(&*stamp_) : &routed_);
  if (options_.reclaim) kernel().set_tombstones(ob::Tombstones::ReclaimUnnamed);
  races_.emplace(
      kernel(), sink_, routed_, script_,
      [this](const DuringStmt& b) {
        if (const auto* p = std::get_if<ProcessNotifyStmt>(&b.inner)) arm_veto(*p);
      },
      [this](const DuringStmt& b) { return run_race_statement(b); });
  name_routines(0);
  bind_boot_objects();
  show_state(StatePoint::Kind::Boot, nullptr);
}

void Runner::name_routines(std::size_t from) {
  for (std::size_t i = from; i < script_.routines.size(); ++i) {
    kernel().name_routine(reinterpret_cast<const void*>(process_routine(i)), script_.routines[i],
                          "ProcessNotifyRoutine");
    kernel().name_routine(reinterpret_cast<const void*>(thread_routine(i)), script_.routines[i],
                          "ThreadNotifyRoutine");
    kernel().name_routine(reinterpret_cast<const void*>(process_routine_ex(i)), script_.routines[i],
                          "ProcessNotifyRoutineEx");
    kernel().name_routine(reinterpret_cast<const void*>(image_routine(i)), script_.routines[i],
                          "LoadImageNotifyRoutine");
    kernel().name_routine(reinterpret_cast<const void*>(ob_pre_routine(i)), script_.routines[i],
                          "PreOperationCallback");
    kernel().name_routine(reinterpret_cast<const void*>(ob_post_routine(i)), script_.routines[i],
                          "PostOperationCallback");
  }
}

void Runner::script_grew() {
  const std::size_t named = vetoes_.size();
  objects_.resize(script_.symbols.size());
  handles_.resize(script_.symbols.size());
  values_.resize(script_.symbols.size(), 0);
  for (auto& calls : calls_)
    calls.resize(script_.routines.size(), 0);
  for (auto& breaks : breaks_)
    breaks.resize(script_.routines.size(), false);
  vetoes_.resize(script_.routines.size());
  ob_callbacks_.resize(script_.routines.size());
  name_routines(named);
}

void Runner::set_step(std::string label) {
  step_ = std::move(label);
  kernel().set_step(step_);
}

void Runner::execute(const Statement& s) {
  if (std::holds_alternative<KernelStmt>(s.body)) return;
  file_line_ = s.pos.line;
  if (down_) return after_bugcheck(s);
  sink_.emit(Event{"statement", {}}.add("line", s.pos.line).add("source", s.source));
  set_step(fmt::format("line {}: {}", s.pos.line, s.source));
  try {
    std::visit([&](const auto& body) { exec(s, body); }, s.body);
  } catch (const BugCheck& b) {
    stopped(s, b);
  }
  // A removal racing a routine of this statement returns once the routine has.
  races_->finish();
  show_state(StatePoint::Kind::Statement, &s);
}

void Runner::execute_typed(const Statement& s, bool inside_call) {
  if (down_) {
    if (std::holds_alternative<ExpectBugcheckStmt>(s.body)) return after_bugcheck(s);
    return skip(s, fmt::format("the machine is down (BugCheck {:#x} at line {}): only 'expect "
                               "bugcheck' still runs",
                               down_->code, down_->line));
  }
  with_step(fmt::format("kd> {}", s.source), [&] {
    if (inside_call) {
      // The machine stopping here stops the statement the routine was called from.
      std::visit([&](const auto& body) { exec(s, body); }, s.body);
      return;
    }
    try {
      std::visit([&](const auto& body) { exec(s, body); }, s.body);
    } catch (const BugCheck& b) {
      stopped(s, b);
    }
    races_->finish();
  });
}

void Runner::finish() {
  races_->report_unrun();
  check_bugcheck_expected();
  // The automatic audit, also on a stopped machine (the kernel stays inspectable).
  set_step("end of file");
  try {
    run_audit(0, /*automatic=*/true);
  } catch (const BugCheck& b) {
    report_bugcheck(0, b);
  }
  show_state(StatePoint::Kind::End, nullptr);
  sink_.emit(Event{"end", {}}
                 .add("file", std::string(file_))
                 .add("expects_passed", outcome_.expects_passed)
                 .add("expects_failed", outcome_.expects_failed)
                 .add("exit", outcome_.exit_code()));
}

RunOutcome Runner::teardown() {
  context_.reset();
  races_.reset();
  kernel().set_trace_sink(nullptr);
  kernel_.reset();
  listening_.reset();
  return outcome_;
}

void Runner::routine_invoked(const RoutineCall& call) {
  auto& calls = calls_[slot(call.kind)];
  if (call.index >= calls.size()) return;
  ++calls[call.index];
  // An Ex routine registered with veto= refuses every creation it is told of.
  if (call.info != nullptr && vetoes_[call.index]) {
    call.info->CreationStatus = *vetoes_[call.index];
  }
  if (breaks_[slot(call.kind)][call.index]) report_break(call);
  if (body_hook_ != nullptr) {
    const auto [symbol, arguments] = describe_call(call);
    body_hook_->routine_body(call, symbol, arguments);
  }
  races_->on_call(call);
}

namespace {
// The routine's function name and its arguments, as the debugger shows them at the breakpoint.
std::pair<std::string, std::string> break_frame(const RoutineCall& call) {
  switch (call.kind) {
    case ps::NotifyKind::Thread:
      return {"ThreadNotifyRoutine",
              fmt::format("ProcessId {:#x}, ThreadId {:#x}, Create {}", call.first, call.second,
                          call.create ? "TRUE" : "FALSE")};
    case ps::NotifyKind::Image:
      return {
          "LoadImageNotifyRoutine",
          fmt::format("FullImageName {}, ProcessId {:#x}, ImageInfo (ImageBase {:#x}, "
                      "ImageSize {:#x})",
                      call.image_name != nullptr ? *call.image_name : std::string("NULL"),
                      call.first, call.second, call.image != nullptr ? call.image->ImageSize : 0)};
    case ps::NotifyKind::Process:
      break;
  }
  if (!call.ex) {
    return {"ProcessNotifyRoutine",
            fmt::format("ParentId {:#x}, ProcessId {:#x}, Create {}", call.first, call.second,
                        call.create ? "TRUE" : "FALSE")};
  }
  return {"ProcessNotifyRoutineEx",
          call.info != nullptr
              ? fmt::format("ProcessId {:#x}, CreateInfo (ParentProcessId {:#x}), Create TRUE",
                            call.second, call.first)
              : fmt::format("ProcessId {:#x}, CreateInfo NULL, Create FALSE", call.second)};
}
}  // namespace

std::pair<std::string, std::string> Runner::describe_call(const RoutineCall& call) const {
  auto [function, arguments] = break_frame(call);
  return {fmt::format("{}!{}", script_.routines[call.index], function), std::move(arguments)};
}

void Runner::report_break(const RoutineCall& call) {
  Kernel& k = kernel();
  const auto [symbol, arguments] = describe_call(call);
  sink_.emit(Event{"break", {}}
                 .add("routine", script_.routines[call.index])
                 .add("symbol", symbol)
                 .add("kind", std::string(ps::kind_word(call.kind)))
                 .add("context_pid", k.PsGetCurrentProcessId().value())
                 .add("context_tid", k.PsGetCurrentThreadId().value())
                 .add("text", fmt::format("Break instruction exception - code 80000003 (first "
                                          "chance)\n{}: {}\nkd> kb\n{}",
                                          symbol, arguments, k.format_stack_kb())));
}

// --- names and values -----------------------------------------------------------------------

void Runner::bind_boot_objects() {
  for (std::size_t i = 0; i < script_.symbols.size(); ++i) {
    switch (script_.symbols[i].boot) {
      case Symbol::Boot::SystemProcess:
        objects_[i] = ref(&kernel().system_process());
        break;
      case Symbol::Boot::SystemThread:
        objects_[i] = ref(&kernel().first_system_thread());
        break;
      case Symbol::Boot::IdleProcess:
        objects_[i] = ref(&kernel().idle_process());
        break;
      case Symbol::Boot::IdleThread:
        objects_[i] = ref(&kernel().idle_thread());
        break;
      case Symbol::Boot::None:
        break;
    }
  }
}

ps::Process* Runner::process_of(int index) const {
  if (index == kNoSymbol) return nullptr;
  return static_cast<ps::Process*>(resolve(objects_[static_cast<std::size_t>(index)]));
}

ps::Thread* Runner::thread_of(int index) const {
  if (index == kNoSymbol) return nullptr;
  return static_cast<ps::Thread*>(resolve(objects_[static_cast<std::size_t>(index)]));
}

void Runner::bind(int index, ob::Object* o) {
  if (index != kNoSymbol) objects_[static_cast<std::size_t>(index)] = ref(o);
}

void Runner::record_handle(int index, ps::Process& owner, Handle h) {
  if (index != kNoSymbol) handles_[static_cast<std::size_t>(index)] = HandleRecord{ref(&owner), h};
}

std::string Runner::not_created(int index) const {
  const Symbol& s = symbol(index);
  if (reclaimed(index)) {
    return fmt::format(
        "'{}' was deleted and its memory reclaimed (--reclaim): the name no "
        "longer reaches it",
        s.name);
  }
  // Only a debugger runs statements out of the file's order: at its prompt (line 0), or
  // before the line that creates the name.
  if (s.defined.line == 0) {
    return fmt::format("'{}' does not exist: its creation at the kd prompt failed", s.name);
  }
  if (s.defined.line > file_line_) {
    return fmt::format("'{}' does not exist yet: line {} creates it", s.name, s.defined.line);
  }
  return fmt::format("'{}' does not exist: its creation at line {} failed", s.name, s.defined.line);
}

void Runner::set_status(const Statement& s, Status status) {
  last_status_ = status;
  last_api_line_ = s.pos.line;
}

void Runner::skip(const Statement& s, std::string reason) {
  sink_.emit(Event{"skip", {}}.add("line", s.pos.line).add("reason", std::move(reason)));
  if (calls_api(s)) {
    last_status_.reset();
    last_api_line_ = s.pos.line;
  }
}

void Runner::note(const Statement& s, std::string message) {
  sink_.emit(Event{"note", {}}.add("line", s.pos.line).add("message", std::move(message)));
}

std::uint64_t Runner::eval(const Statement& s, const IdExpr& e) {
  std::uint64_t v = 0;
  switch (e.kind) {
    case IdExpr::Kind::Number:
      v = e.number;
      break;
    case IdExpr::Kind::Variable:
      v = values_[static_cast<std::size_t>(e.symbol)];
      break;
    case IdExpr::Kind::Pid:
    case IdExpr::Kind::Tid: {
      ob::Object* o = resolve(objects_[static_cast<std::size_t>(e.symbol)]);
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

void Runner::show_state(StatePoint::Kind kind, const Statement* s, std::string_view label) {
  if (options_.states == nullptr) return;
  StatePoint where;
  where.kind = kind;
  if (s != nullptr) {
    where.line = s->pos.line;
    where.source = s->source;
  }
  where.label = label;
  options_.states->state(where, kernel());
}

RunOutcome run_script(const Script& script, std::string_view file, TraceSink& sink,
                      const RunOptions& options) {
  return Runner(script, file, sink, options).run();
}

}  // namespace ntemu::cli
