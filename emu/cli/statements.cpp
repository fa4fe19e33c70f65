// SPDX-License-Identifier: MIT
// The scenario runner's API statements: registration, creation, termination and close,
// context and variables, pokes, and arming races (the lookups are in lookups.cpp). Each calls one
// kernel entry point and reports its `call` event after the call returned.
#include <fmt/format.h>

#include "report.hpp"
#include "runner_impl.hpp"

namespace ntemu::cli {

// --- registration ----------------------------------------------------------------------------

void Runner::arm_veto(const ProcessNotifyStmt& b) {
  if (b.ex && !b.remove && !b.routine.is_null()) {
    vetoes_[static_cast<std::size_t>(b.routine.index)] = b.veto;
  }
}

void Runner::exec(const Statement& s, const ProcessNotifyStmt& b) {
  arm_veto(b);
  const Status status = register_routine(kernel(), b);
  Event e = call_event(s.pos.line, api_name(b), status)
                .add("routine", b.routine.name.text)
                .add("remove", b.remove);
  if (b.veto) e.add("veto", status_text(*b.veto));
  sink_.emit(std::move(e));
  set_status(s, status);
}

void Runner::exec(const Statement& s, const ThreadNotifyStmt& b) {
  const Status status = register_routine(kernel(), b);
  sink_.emit(call_event(s.pos.line, api_name(b), status).add("routine", b.routine.name.text));
  set_status(s, status);
}

void Runner::exec(const Statement& s, const ImageNotifyStmt& b) {
  const Status status = register_routine(kernel(), b);
  sink_.emit(call_event(s.pos.line, api_name(b), status).add("routine", b.routine.name.text));
  set_status(s, status);
}

void Runner::exec(const Statement& s, const DuringStmt& b) {
  races_->arm(s.pos.line, b);
}

Status Runner::run_race_statement(const DuringStmt& b) {
  return std::visit([this](const auto& inner) { return register_routine(kernel(), inner); },
                    b.inner);
}

// --- creation -------------------------------------------------------------------------------

void Runner::exec(const Statement& s, const CreateProcessStmt& b) {
  ps::Process* parent = nullptr;
  if (b.parent_symbol != kNoSymbol) {
    parent = process_of(b.parent_symbol);
    if (parent == nullptr) return skip(s, not_created(b.parent_symbol));
  }
  const std::string parent_name =
      ps::object_name(parent != nullptr ? *parent : kernel().current_process());
  const std::string& name = symbol(b.symbol).name;
  ps::Process& creator = kernel().current_process();  // receives the handle
  Kernel::ProcessImage image;
  if (b.image) image.path = b.image->text;
  if (b.command_line) image.command_line = b.command_line->text;
  if (b.user_process) return create_user_process(s, b, parent, parent_name, std::move(image));
  Kernel::ProcessCreated p = kernel().NtCreateProcess(name, parent, image);
  Event e = call_event(s.pos.line, "NtCreateProcess", p.status);
  if (b.with_thread) e.add("via", "CreateProcess");
  e.add("name", name).add("parent_name", parent_name);
  if (b.image) e.add("image", b.image->text);
  if (b.command_line) e.add("cmdline", b.command_line->text);
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

void Runner::create_user_process(const Statement& s, const CreateProcessStmt& b,
                                 ps::Process* parent, const std::string& parent_name,
                                 Kernel::ProcessImage image) {
  const std::string& name = symbol(b.symbol).name;
  const std::string& thread_name = symbol(b.thread_symbol).name;
  ps::Process& creator = kernel().current_process();  // receives both handles
  const Kernel::UserProcessCreated r =
      kernel().NtCreateUserProcess(name, parent, std::move(image), thread_name);
  Event e = call_event(s.pos.line, "NtCreateUserProcess", r.status);
  e.add("name", name).add("parent_name", parent_name).add("thread", thread_name);
  if (b.image) e.add("image", b.image->text);
  if (b.command_line) e.add("cmdline", b.command_line->text);
  if (r.status.ok()) {
    bind(b.symbol, r.process);
    record_handle(b.symbol, creator, r.process_handle);
    bind(b.thread_symbol, r.thread);
    record_handle(b.thread_symbol, creator, r.thread_handle);
    e.add("pid", r.cid.UniqueProcess.value())
        .add("parent", r.process->InheritedFromUniqueProcessId.value())
        .add("tid", r.cid.UniqueThread.value())
        .add("handle", r.process_handle.value())
        .add("thread_handle", r.thread_handle.value());
  }
  sink_.emit(e);
  set_status(s, r.status);
}

void Runner::create_thread(const Statement& s, ps::Process& process, int thread_symbol,
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

void Runner::report_thread(const Statement& s, std::string_view api, const Kernel::ThreadCreated& t,
                           const std::string& name, ps::Process& process, bool via_create_process,
                           bool suspended) {
  Event e = call_event(s.pos.line, api, t.status);
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

void Runner::exec(const Statement& s, const CreateThreadStmt& b) {
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

// --- termination and close ------------------------------------------------------------------

namespace {
bool terminated(const ps::Thread& t) {
  return (t.CrossThreadFlags.load() & ps::Thread::kFlagTerminated) != 0;
}

}  // namespace

void Runner::note_if_current_exited(const Statement& s) {
  const ps::Thread& t = kernel().current_thread();
  if (!terminated(t)) return;
  note(s, fmt::format("the current thread ({}) has exited; later statements still run as it "
                      "until a 'context' statement",
                      t.Name));
}

void Runner::exec(const Statement& s, const ObjectOpStmt& b) {
  ob::Object* const target = resolve(objects_[static_cast<std::size_t>(b.symbol)]);
  if (target == nullptr) return skip(s, not_created(b.symbol));
  // Under --reclaim the call may release the object (and, through its last reference, its
  // process): what the `call` event reports is read before the call.
  switch (b.op) {
    case ObjectOpStmt::Op::TerminateThread: {
      ps::Thread& t = static_cast<ps::Thread&>(*target);
      const bool current_alive = !terminated(kernel().current_thread());
      const ThreadFacts facts = thread_facts(t);
      const Status status = kernel().NtTerminateThread(t);
      Event e = call_event(s.pos.line, "NtTerminateThread", status);
      add_thread_result(e, facts);
      sink_.emit(e);
      set_status(s, status);
      if (current_alive) note_if_current_exited(s);
      return;
    }
    case ObjectOpStmt::Op::TerminateProcess: {
      ps::Process& p = static_cast<ps::Process&>(*target);
      const bool current_alive = !terminated(kernel().current_thread());
      const std::string name = p.ImageFileName;
      const ObjectRef process = ref(&p);
      const std::uint64_t pid_before = p.pid().value();
      const Status status = kernel().NtTerminateProcess(p);
      // The PID after the call, read where the process is still in memory.
      const ob::Object* after = resolve(process);
      const std::uint64_t pid =
          after != nullptr ? static_cast<const ps::Process*>(after)->pid().value() : pid_before;
      sink_.emit(
          call_event(s.pos.line, "NtTerminateProcess", status).add("name", name).add("pid", pid));
      set_status(s, status);
      if (current_alive) note_if_current_exited(s);
      return;
    }
    case ObjectOpStmt::Op::Close: {
      // The handle recorded at the creation, in the table that received it; a second close
      // passes the same value again and gets the kernel's answer.
      const Handle handle = handles_[static_cast<std::size_t>(b.symbol)].handle;
      auto* const owner =
          static_cast<ps::Process*>(resolve(handles_[static_cast<std::size_t>(b.symbol)].owner));
      if (owner == nullptr) {
        return skip(s, fmt::format("the process whose table holds '{}''s handle was deleted and "
                                   "its memory reclaimed (--reclaim)",
                                   symbol(b.symbol).name));
      }
      const std::string type(ob::to_string(target->type()));
      const std::string owner_name = owner->ImageFileName;
      // Handle values are reused: say so when this one now names another object.
      std::uint64_t named = 0;
      (void)owner->ObjectTable->with_locked(handle,
                                            [&](const ex::EntryView& e) { named = e.object; });
      const ob::Object* other =
          named != 0 && named != target->address() ? kernel().objects().find(named) : nullptr;
      if (other != nullptr) {
        note(s, fmt::format("handle {:#x} in {}'s table was closed before and now names {} {}: "
                            "this close closes that handle",
                            handle.value(), owner_name, ob::to_string(other->type()),
                            ps::object_name(*other)));
      }
      const Status status = kernel().NtClose(*owner, handle);
      sink_.emit(call_event(s.pos.line, "NtClose", status)
                     .add("name", symbol(b.symbol).name)
                     .add("type", type)
                     .add("handle", handle.value())
                     .add("owner", owner_name));
      set_status(s, status);
      return;
    }
  }
}

// --- images ---------------------------------------------------------------------------------

void Runner::exec(const Statement& s, const LoadImageStmt& b) {
  const std::uint64_t size = b.size.value_or(ps::kDefaultImageSize);
  if (b.driver) {
    const std::string full = ps::default_driver_path(b.image.text);
    const ps::ImageMapped m = kernel().MmLoadSystemImage(full, size);
    Event e = call_event(s.pos.line, "MmLoadSystemImage", m.status);
    e.add("via", "LoadDriver").add("image", full);
    if (m.status.ok()) e.add("base", m.info.ImageBase).add("size", m.info.ImageSize);
    sink_.emit(e);
    return set_status(s, m.status);
  }
  ps::Process* process = process_of(b.process_symbol);
  if (process == nullptr) return skip(s, not_created(b.process_symbol));
  const std::string full = ps::default_image_path(b.image.text);
  const ps::ImageMapped m = kernel().MmMapImage(*process, full, size);
  Event e = call_event(s.pos.line, "MmMapViewOfSection", m.status);
  e.add("via", "LoadImage").add("process", process->ImageFileName).add("image", full);
  if (m.status.ok()) {
    e.add("pid", process->pid().value())
        .add("base", m.info.ImageBase)
        .add("size", m.info.ImageSize);
  }
  sink_.emit(e);
  set_status(s, m.status);
}

// --- context, variables, pokes ----------------------------------------------------------------

void Runner::exec(const Statement& s, const ContextStmt& b) {
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

void Runner::exec(const Statement& s, const LetStmt& b) {
  const std::uint64_t v = eval(s, b.value);
  if (b.symbol != kNoSymbol) values_[static_cast<std::size_t>(b.symbol)] = v;
  sink_.emit(Event{"let", {}}.add("line", s.pos.line).add("name", b.var.text).add("value", v));
}

void Runner::exec(const Statement& s, const PokePidStmt& b) {
  ps::Process* p = process_of(b.symbol);
  if (p == nullptr) return skip(s, not_created(b.symbol));
  poke_pid(s.pos.line, *p, eval(s, b.value));
}

void Runner::poke_pid(int line, ps::Process& p, std::uint64_t value) {
  const std::uint64_t old = p.pid().value();
  kernel().poke_unique_process_id(p, ProcessId{value});
  sink_.emit(Event{"poke", {}}
                 .add("line", line)
                 .add("target", p.ImageFileName + ".UniqueProcessId")
                 .add("old", old)
                 .add("value", value));
}

void Runner::exec(const Statement& s, const PokeSlotStmt& b) {
  poke_slot(s.pos.line, b.kind, static_cast<std::uint32_t>(b.slot));
}

void Runner::poke_slot(int line, ps::NotifyKind kind, std::uint32_t slot) {
  const void* old = kernel().notify_array(kind).routine(slot);
  const std::string old_symbol = kernel().routine_symbol(old);
  kernel().poke_clear_notify_slot(kind, slot);
  sink_.emit(Event{"poke", {}}
                 .add("line", line)
                 .add("target", fmt::format("{}-notify[{}]", ps::kind_word(kind), slot))
                 .add("old_routine", old_symbol)
                 .add("value", std::uint64_t{0}));
}

}  // namespace ntemu::cli
