#include "kernel_tracer.hpp"

#include "ntemu/ps/process.hpp"
#include "ntemu/ps/thread.hpp"

namespace ntemu::trace {
namespace {

Event cid_event(const char* op, Handle handle, const ob::Object& object) {
  return Event{"cid", {}}
      .add("op", op)
      .add("handle", handle.value())
      .add("type", std::string(ob::to_string(object.type())))
      .add("name", ps::object_name(object));
}

}  // namespace

void KernelTracer::cid_created(Handle handle, const ob::Object& object) {
  sink_.emit(cid_event("create", handle, object));
}

void KernelTracer::cid_destroyed(Handle handle, const ob::Object* named) {
  if (named != nullptr) sink_.emit(cid_event("destroy", handle, *named));
}

void KernelTracer::routine_calling(const ps::NotifyCall& call) {
  const dbg::Symbol& symbol = call.routine->symbol_or_unknown();
  const bool process = call.kind == ps::NotifyKind::Process;
  Event e{"notify", {}};
  e.add("kind", process ? "process" : "thread")
      .add("routine", symbol.module)
      .add("symbol", symbol.text())
      .add("slot", call.slot)
      .add("create", call.create)
      .add("pid", call.pid.value());
  if (process) {
    e.add("parent", call.parent.value());
  } else {
    e.add("tid", call.tid.value());
  }
  e.add("context_pid", call.context.UniqueProcess.value())
      .add("context_tid", call.context.UniqueThread.value());
  sink_.emit(e);
}

}  // namespace ntemu::trace
