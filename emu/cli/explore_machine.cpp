// SPDX-License-Identifier: MIT
// One execution of a concurrent scenario (explore_machine.hpp). Each CPU statement starts with
// a scheduling point of its own, so a schedule may switch CPUs between any two statements as
// well as inside the kernel's synchronisation steps.
#include "explore_machine.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "ntemu/dbg/dump.hpp"
#include "ntemu/support/scheduling_point.hpp"
#include "report.hpp"

namespace ntemu::cli {

std::string ExploreOutcome::key() const {
  std::string out;
  for (const std::string& s : statuses)
    out += s + '\n';
  if (bugcheck) out += "bugcheck " + *bugcheck + '\n';
  // Not the step: which statement set the verifier's step label last is the schedule's detail,
  // not the outcome's.
  for (const Kernel::Finding& f : findings)
    out += fmt::format("finding {} {}\n", verify::to_string(f.kind), f.detail);
  for (const std::string& f : failed)
    out += "failed " + f + '\n';
  out += "calls " + calls + '\n' + state;
  return out;
}

ExploreMachine::ExploreMachine(const Concurrent& program, TraceSink* sink)
    : program_(program),
      script_(program.script),
      sink_(sink),
      objects_(script_.symbols.size(), nullptr),
      handles_(script_.symbols.size()),
      values_(script_.symbols.size(), 0),
      calls_(script_.routines.size(), 0),
      vetoes_(script_.routines.size()) {
  kernel_.emplace(*profile_of(script_), sink_);
  Kernel& k = *kernel_;
  for (std::size_t i = 0; i < script_.routines.size(); ++i) {
    const std::string& name = script_.routines[i];
    k.name_routine(reinterpret_cast<const void*>(process_routine(i)), name, "ProcessNotifyRoutine");
    k.name_routine(reinterpret_cast<const void*>(thread_routine(i)), name, "ThreadNotifyRoutine");
    k.name_routine(reinterpret_cast<const void*>(process_routine_ex(i)), name,
                   "ProcessNotifyRoutineEx");
    k.name_routine(reinterpret_cast<const void*>(image_routine(i)), name, "LoadImageNotifyRoutine");
  }
  for (std::size_t i = 0; i < script_.symbols.size(); ++i) {
    switch (script_.symbols[i].boot) {
      case Symbol::Boot::SystemProcess:
        objects_[i] = &k.system_process();
        break;
      case Symbol::Boot::SystemThread:
        objects_[i] = &k.first_system_thread();
        break;
      case Symbol::Boot::IdleProcess:
        objects_[i] = &k.idle_process();
        break;
      case Symbol::Boot::IdleThread:
        objects_[i] = &k.idle_thread();
        break;
      case Symbol::Boot::None:
        break;
    }
  }
  ListenerScope listening(*this);
  for (std::size_t i : program_.setup) {
    if (down_) break;
    run_statement(-1, script_.statements[i]);
  }
  // CPU 0 goes on as the setup's thread; the others run as the first system thread (where a
  // driver's unload runs), until a `context` statement of their own.
  context_.fill(&k.first_system_thread());
  if (setup_context_ != nullptr) context_[0] = setup_context_;
}

ExploreMachine::~ExploreMachine() {
  if (kernel_) kernel_->set_trace_sink(nullptr);
}

void ExploreMachine::run_cpu(int cpu) {
  ListenerScope listening(*this);
  bool first = true;  // the scheduler's own start point stands before the first statement
  for (std::size_t i : program_.cpu[static_cast<std::size_t>(cpu)]) {
    const Statement& s = script_.statements[i];
    if (!first) {
      sched::point(sched::Access::Any, nullptr, "statement",
                   static_cast<std::uint64_t>(s.pos.line));
    }
    first = false;
    if (down_) return;  // the machine stopped: no statement of any CPU runs any more
    run_statement(cpu, s);
  }
}

void ExploreMachine::routine_invoked(const RoutineCall& call) {
  if (call.index >= calls_.size()) return;
  ++calls_[call.index];
  if (call.info != nullptr && vetoes_[call.index]) call.info->CreationStatus = *vetoes_[call.index];
}

void ExploreMachine::emit(Event e, int cpu) {
  if (sink_ == nullptr) return;
  if (cpu >= 0) e.add("cpu", std::int64_t{cpu});
  sink_->emit(e);
}

std::string ExploreMachine::step_label(int cpu, const Statement& s) const {
  return cpu < 0 ? fmt::format("line {}: {}", s.pos.line, s.source)
                 : fmt::format("cpu {} line {}: {}", cpu, s.pos.line, s.source);
}

void ExploreMachine::run_statement(int cpu, const Statement& s) {
  Kernel& k = *kernel_;
  if (sink_ != nullptr) {
    const std::string source = cpu < 0 ? s.source : fmt::format("cpu {}: {}", cpu, s.source);
    emit(Event{"statement", {}}.add("line", s.pos.line).add("source", source), cpu);
  }
  k.set_step(step_label(cpu, s));
  ps::Thread& thread = cpu < 0
                           ? (setup_context_ != nullptr ? *setup_context_ : k.first_system_thread())
                           : *context_[static_cast<std::size_t>(cpu)];
  Kernel::ContextScope context(k, thread);
  try {
    exec(cpu, s);
  } catch (const BugCheck& b) {
    down_ = b.code();
    explore::Explorer::stop_branching();  // nothing after a bugcheck tells schedules apart
    outcome_.bugcheck = fmt::format("{:#x} {} ({})", b.code(), b.name(), step_label(cpu, s));
    const auto& p = b.parameters();
    emit(Event{"bugcheck", {}}
             .add("line", s.pos.line)
             .add("code", std::uint64_t{b.code()})
             .add("name", b.name())
             .add("parameters", fmt::format("{:#x}, {:#x}, {:#x}, {:#x}", p[0], p[1], p[2], p[3])),
         cpu);
  }
}

ps::Process* ExploreMachine::process_of(int symbol) const {
  return symbol == kNoSymbol
             ? nullptr
             : static_cast<ps::Process*>(objects_[static_cast<std::size_t>(symbol)]);
}

ps::Thread* ExploreMachine::thread_of(int symbol) const {
  return symbol == kNoSymbol ? nullptr
                             : static_cast<ps::Thread*>(objects_[static_cast<std::size_t>(symbol)]);
}

std::uint64_t ExploreMachine::eval(const IdExpr& e) const {
  std::uint64_t v = 0;
  if (e.kind == IdExpr::Kind::Number) {
    v = e.number;
  } else if (e.kind == IdExpr::Kind::Variable) {
    v = values_[static_cast<std::size_t>(e.symbol)];
  } else if (const ob::Object* o = objects_[static_cast<std::size_t>(e.symbol)]; o != nullptr) {
    if (o->type() == ob::ObjectType::Process) {
      v = static_cast<const ps::Process*>(o)->pid().value();
    } else {
      const ClientId cid = static_cast<const ps::Thread*>(o)->Cid();
      v = e.kind == IdExpr::Kind::Pid ? cid.UniqueProcess.value() : cid.UniqueThread.value();
    }
  }
  if (e.op == IdExpr::Op::Plus) v += e.operand;
  if (e.op == IdExpr::Op::Or) v |= e.operand;
  return v;
}

void ExploreMachine::status(int cpu, const Statement& s, std::string_view api, Status st, Event e) {
  if (cpu >= 0) {
    outcome_.statuses.push_back(
        fmt::format("cpu {} line {}: {} -> {}", cpu, s.pos.line, api, status_text(st)));
  }
  emit(std::move(e), cpu);
}

void ExploreMachine::skip(int cpu, const Statement& s, std::string reason) {
  if (cpu >= 0)
    outcome_.statuses.push_back(fmt::format("cpu {} line {}: skipped", cpu, s.pos.line));
  emit(Event{"skip", {}}.add("line", s.pos.line).add("reason", std::move(reason)), cpu);
}

void ExploreMachine::exec(int cpu, const Statement& s) {
  Kernel& k = *kernel_;
  const int line = s.pos.line;
  auto registration = [&](const auto& b) {
    const Status st = register_routine(k, b);
    status(cpu, s, api_name(b), st,
           call_event(line, api_name(b), st).add("routine", b.routine.name.text));
  };
  if (const auto* b = std::get_if<ProcessNotifyStmt>(&s.body)) {
    if (b->ex && !b->remove && !b->routine.is_null()) {
      vetoes_[static_cast<std::size_t>(b->routine.index)] = b->veto;
    }
    return registration(*b);
  }
  if (const auto* b = std::get_if<ThreadNotifyStmt>(&s.body)) return registration(*b);
  if (const auto* b = std::get_if<ImageNotifyStmt>(&s.body)) return registration(*b);
  if (const auto* b = std::get_if<CreateProcessStmt>(&s.body)) {
    ps::Process* parent = process_of(b->parent_symbol);
    if (b->parent_symbol != kNoSymbol && parent == nullptr) {
      return skip(cpu, s, "the parent does not exist");
    }
    ps::Process& creator = k.current_process();
    Kernel::ProcessImage image;
    if (b->image) image.path = b->image->text;
    if (b->command_line) image.command_line = b->command_line->text;
    const std::string& name = script_.symbols[static_cast<std::size_t>(b->symbol)].name;
    Kernel::ProcessCreated p = k.NtCreateProcess(name, parent, image);
    Event e = call_event(line, "NtCreateProcess", p.status).add("name", name);
    if (p.status.ok() && p.process != nullptr) {
      objects_[static_cast<std::size_t>(b->symbol)] = p.process;
      handles_[static_cast<std::size_t>(b->symbol)] = {&creator, p.handle};
      e.add("pid", p.process->pid().value()).add("handle", p.handle.value());
    }
    status(cpu, s, "NtCreateProcess", p.status, std::move(e));
    if (!b->with_thread || !p.status.ok() || p.process == nullptr) return;
    return create_thread(cpu, s, *p.process, b->thread_symbol, CreateSuspended::No, true);
  }
  if (const auto* b = std::get_if<CreateThreadStmt>(&s.body)) {
    if (b->system) {
      const std::string& name = script_.symbols[static_cast<std::size_t>(b->symbol)].name;
      Kernel::ThreadCreated t = k.PsCreateSystemThread(name);
      if (t.status.ok()) {
        objects_[static_cast<std::size_t>(b->symbol)] = t.thread;
        handles_[static_cast<std::size_t>(b->symbol)] = {&k.system_process(), t.handle};
      }
      Event e = call_event(line, "PsCreateSystemThread", t.status).add("name", name);
      if (t.status.ok()) e.add("tid", t.cid.UniqueThread.value());
      return status(cpu, s, "PsCreateSystemThread", t.status, std::move(e));
    }
    ps::Process* process = process_of(b->process_symbol);
    if (process == nullptr) return skip(cpu, s, "the process does not exist");
    return create_thread(cpu, s, *process, b->symbol,
                         b->suspended ? CreateSuspended::Yes : CreateSuspended::No, false);
  }
  if (const auto* b = std::get_if<ObjectOpStmt>(&s.body)) return object_op(cpu, s, *b);
  if (const auto* b = std::get_if<LookupStmt>(&s.body)) return lookup(cpu, s, *b);
  if (const auto* b = std::get_if<ContextStmt>(&s.body)) {
    ps::Thread* t = thread_of(b->symbol);
    if (t == nullptr) return skip(cpu, s, "the thread does not exist");
    (cpu < 0 ? setup_context_ : context_[static_cast<std::size_t>(cpu)]) = t;
    return emit(Event{"context", {}}
                    .add("line", line)
                    .add("name", t->Name)
                    .add("process", t->ThreadsProcess->ImageFileName)
                    .add("pid", t->Cid().UniqueProcess.value())
                    .add("tid", t->Cid().UniqueThread.value()),
                cpu);
  }
  if (const auto* b = std::get_if<LetStmt>(&s.body)) {
    const std::uint64_t v = eval(b->value);
    if (b->symbol != kNoSymbol) values_[static_cast<std::size_t>(b->symbol)] = v;
    return emit(Event{"let", {}}.add("line", line).add("name", b->var.text).add("value", v), cpu);
  }
  if (const auto* b = std::get_if<PokePidStmt>(&s.body)) {
    ps::Process* p = process_of(b->symbol);
    if (p == nullptr) return skip(cpu, s, "the process does not exist");
    const std::uint64_t v = eval(b->value);
    const std::uint64_t old = p->pid().value();
    k.poke_unique_process_id(*p, ProcessId{v});
    return emit(Event{"poke", {}}
                    .add("line", line)
                    .add("target", p->ImageFileName + ".UniqueProcessId")
                    .add("old", old)
                    .add("value", v),
                cpu);
  }
  if (const auto* b = std::get_if<PokeSlotStmt>(&s.body)) {
    const auto slot = static_cast<std::uint32_t>(b->slot);
    const std::string old = k.routine_symbol(k.notify_array(b->kind).routine(slot));
    k.poke_clear_notify_slot(b->kind, slot);
    return emit(Event{"poke", {}}
                    .add("line", line)
                    .add("target", fmt::format("{}-notify[{}]", ps::kind_word(b->kind), slot))
                    .add("old_routine", old)
                    .add("value", b->value),
                cpu);
  }
}

void ExploreMachine::create_thread(int cpu, const Statement& s, ps::Process& process, int symbol,
                                   CreateSuspended suspended, bool via_create_process) {
  Kernel& k = *kernel_;
  const std::string& name = script_.symbols[static_cast<std::size_t>(symbol)].name;
  ps::Process& creator = k.current_process();
  Kernel::ThreadCreated t = k.NtCreateThread(process, suspended, name);
  Event e = call_event(s.pos.line, "NtCreateThread", t.status);
  if (via_create_process) e.add("via", "CreateProcess");
  e.add("name", name).add("process", process.ImageFileName);
  if (t.status.ok() && t.thread != nullptr) {
    objects_[static_cast<std::size_t>(symbol)] = t.thread;
    handles_[static_cast<std::size_t>(symbol)] = {&creator, t.handle};
    e.add("pid", t.cid.UniqueProcess.value())
        .add("tid", t.cid.UniqueThread.value())
        .add("handle", t.handle.value());
  }
  status(cpu, s, "NtCreateThread", t.status, std::move(e));
}

void ExploreMachine::object_op(int cpu, const Statement& s, const ObjectOpStmt& b) {
  Kernel& k = *kernel_;
  ob::Object* o = objects_[static_cast<std::size_t>(b.symbol)];
  if (o == nullptr) return skip(cpu, s, "the object does not exist");
  if (b.op == ObjectOpStmt::Op::TerminateThread) {
    const Status st = k.NtTerminateThread(*static_cast<ps::Thread*>(o));
    return status(cpu, s, "NtTerminateThread", st, call_event(s.pos.line, "NtTerminateThread", st));
  }
  if (b.op == ObjectOpStmt::Op::TerminateProcess) {
    const Status st = k.NtTerminateProcess(*static_cast<ps::Process*>(o));
    return status(cpu, s, "NtTerminateProcess", st,
                  call_event(s.pos.line, "NtTerminateProcess", st));
  }
  const HandleRecord& h = handles_[static_cast<std::size_t>(b.symbol)];
  if (h.owner == nullptr) return skip(cpu, s, "the scenario holds no handle to it");
  const Status st = k.NtClose(*h.owner, h.handle);
  status(cpu, s, "NtClose", st,
         call_event(s.pos.line, "NtClose", st)
             .add("name", script_.symbols[static_cast<std::size_t>(b.symbol)].name)
             .add("handle", h.handle.value()));
}

void ExploreMachine::lookup(int cpu, const Statement& s, const LookupStmt& b) {
  Kernel& k = *kernel_;
  const int line = s.pos.line;
  if (b.api == LookupStmt::Api::ProcessById) {
    const std::uint64_t id = eval(b.first);
    ps::Process* p = nullptr;
    const Status st = k.PsLookupProcessByProcessId(ProcessId{id}, &p);
    Event e = call_event(line, "PsLookupProcessByProcessId", st).add("id", id);
    if (st.ok() && p != nullptr) {
      e.add("name", p->ImageFileName);
      k.ObDereferenceObject(*p);
    }
    return status(cpu, s, "PsLookupProcessByProcessId", st, std::move(e));
  }
  if (b.api == LookupStmt::Api::ThreadById) {
    const std::uint64_t id = eval(b.first);
    ps::Thread* t = nullptr;
    const Status st = k.PsLookupThreadByThreadId(ThreadId{id}, &t);
    Event e = call_event(line, "PsLookupThreadByThreadId", st).add("id", id);
    if (st.ok() && t != nullptr) {
      e.add("name", t->Name);
      k.ObDereferenceObject(*t);
    }
    return status(cpu, s, "PsLookupThreadByThreadId", st, std::move(e));
  }
  const ClientId cid{ProcessId{eval(b.first)}, ThreadId{eval(b.second)}};
  ps::Process* p = nullptr;
  ps::Thread* t = nullptr;
  const Status st = k.PsLookupProcessThreadByCid(cid, &p, &t);
  if (st.ok() && t != nullptr) k.ObDereferenceObject(*t);
  if (st.ok() && p != nullptr) k.ObDereferenceObject(*p);
  status(cpu, s, "PsLookupProcessThreadByCid", st,
         call_event(line, "PsLookupProcessThreadByCid", st)
             .add("cid_pid", cid.UniqueProcess.value())
             .add("cid_tid", cid.UniqueThread.value()));
}

}  // namespace ntemu::cli
