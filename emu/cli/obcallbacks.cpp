// SPDX-License-Identifier: MIT
// The object-callback statements (an extension, Vista SP1 and later; ob/obcallback.hpp):
// ObRegisterCallbacks registers a recording routine's pre- and post-operation callbacks for
// process and thread handles, ObUnRegisterCallbacks takes its latest registration out; each call
// of them is an `obcallback` event, and the pre routine clears the rights `strip=` names.
#include <fmt/format.h>

#include "report.hpp"
#include "runner_impl.hpp"

namespace ntemu::cli {
namespace {

const char* operation_name(ob::OB_OPERATION op) {
  return op == ob::OB_OPERATION_HANDLE_DUPLICATE ? "OB_OPERATION_HANDLE_DUPLICATE"
                                                 : "OB_OPERATION_HANDLE_CREATE";
}

}  // namespace

void Runner::exec(const Statement& s, const ObCallbackStmt& b) {
  const auto index = static_cast<std::size_t>(b.routine.index);
  ObRegistrations& mine = ob_callbacks_[index];
  if (b.remove) {
    // The latest registration's handle; none is a NULL handle, which names no registration.
    void* handle = mine.handles.empty() ? nullptr : mine.handles.back();
    const Status status = kernel().ObUnRegisterCallbacks(handle);
    if (status.ok()) mine.handles.pop_back();
    sink_.emit(call_event(s.pos.line, "ObUnRegisterCallbacks", status)
                   .add("routine", b.routine.name.text));
    set_status(s, status);
    return;
  }
  const std::uint32_t operations =
      (b.create || !b.duplicate ? ob::OB_OPERATION_HANDLE_CREATE : 0U) |
      (b.duplicate || !b.create ? ob::OB_OPERATION_HANDLE_DUPLICATE : 0U);
  std::vector<ob::OB_OPERATION_REGISTRATION> types;
  for (const auto& [wanted, type] : {std::pair{b.process || !b.thread, ob::ObjectType::Process},
                                     std::pair{b.thread || !b.process, ob::ObjectType::Thread}}) {
    if (wanted) {
      types.push_back({type, operations, ob_pre_routine(index), ob_post_routine(index)});
    }
  }
  ob::OB_CALLBACK_REGISTRATION registration;
  registration.OperationRegistrationCount = static_cast<std::uint16_t>(types.size());
  registration.Altitude = b.altitude ? b.altitude->text : ObCallbackStmt::kDefaultAltitude;
  registration.OperationRegistration = types.data();
  void* handle = nullptr;
  const Status status = kernel().ObRegisterCallbacks(registration, &handle);
  if (status.ok()) {
    mine.handles.push_back(handle);
    mine.strip = b.strip.value_or(0);
  }
  sink_.emit(call_event(s.pos.line, "ObRegisterCallbacks", status)
                 .add("routine", b.routine.name.text)
                 .add("altitude", registration.Altitude)
                 .add("strip", std::uint64_t{b.strip.value_or(0)}));
  set_status(s, status);
}

void Runner::object_callback_invoked(const ObCallbackCall& call) {
  if (call.index >= ob_callbacks_.size()) return;
  ObRegistrations& mine = ob_callbacks_[call.index];
  ++mine.calls;
  const bool pre = call.pre != nullptr;
  const ob::OB_OPERATION op = pre ? call.pre->Operation : call.post->Operation;
  const ob::Object* object = pre ? call.pre->Object : call.post->Object;
  const bool kernel_handle = pre ? call.pre->KernelHandle : call.post->KernelHandle;
  const std::string& routine = script_.routines[call.index];
  const std::string target = object == nullptr ? std::string("NULL")
                                               : fmt::format("{} {}", ob::to_string(object->type()),
                                                             ps::object_name(*object));
  const ClientId cid = kernel().current_thread().Cid();
  const std::string symbol =
      fmt::format("{}!{}", routine, pre ? "PreOperationCallback" : "PostOperationCallback");
  Event e{"obcallback", {}};
  e.add("phase", pre ? "pre" : "post")
      .add("symbol", symbol)
      .add("operation", operation_name(op))
      .add("object", target)
      .add("kernel_handle", kernel_handle);
  std::string arguments;
  if (pre) {
    const std::uint32_t desired = call.pre->DesiredAccess;
    call.pre->DesiredAccess = desired & ~mine.strip;
    e.add("desired", std::uint64_t{desired}).add("access", std::uint64_t{call.pre->DesiredAccess});
    arguments = fmt::format("DesiredAccess {:#x} -> {:#x}", desired, call.pre->DesiredAccess);
  } else {
    e.add("status", status_text(call.post->ReturnStatus))
        .add("granted", std::uint64_t{call.post->GrantedAccess});
    arguments = fmt::format("ReturnStatus {}, GrantedAccess {:#x}",
                            status_text(call.post->ReturnStatus), call.post->GrantedAccess);
  }
  e.add("context_pid", cid.UniqueProcess.value()).add("context_tid", cid.UniqueThread.value());
  e.add("text",
        fmt::format("{:<4} {} ({}, {}{}, {})  on Cid {:04x}.{:04x}", pre ? "pre" : "post", symbol,
                    operation_name(op), target, kernel_handle ? ", KernelHandle" : "", arguments,
                    cid.UniqueProcess.value(), cid.UniqueThread.value()));
  sink_.emit(e);
}

}  // namespace ntemu::cli
