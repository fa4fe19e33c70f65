// SPDX-License-Identifier: MIT
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
  Event e{"notify", {}};
  e.add("kind", std::string(ps::kind_word(call.kind)))
      .add("routine", symbol.module)
      .add("symbol", symbol.text())
      .add("slot", call.slot);
  switch (call.kind) {
    case ps::NotifyKind::Process:
      e.add("create", call.create).add("pid", call.pid.value()).add("parent", call.parent.value());
      break;
    case ps::NotifyKind::Thread:
      e.add("create", call.create).add("pid", call.pid.value()).add("tid", call.tid.value());
      break;
    case ps::NotifyKind::Image:
      e.add("pid", call.pid.value())
          .add("image", *call.image_name)
          .add("base", call.image->ImageBase)
          .add("size", call.image->ImageSize)
          .add("system", call.image->SystemModeImage);
      break;
  }
  e.add("context_pid", call.context.UniqueProcess.value())
      .add("context_tid", call.context.UniqueThread.value());
  sink_.emit(e);
}

}  // namespace ntemu::trace
