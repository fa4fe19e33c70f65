// SPDX-License-Identifier: MIT
#include "report.hpp"

#include "routines.hpp"

namespace ntemu::cli {

std::string status_text(Status s) {
  return s.name().empty() ? s.hex() : std::string(s.name());
}

ThreadFacts thread_facts(const ps::Thread& t) {
  return {t.Name, t.ThreadsProcess->ImageFileName, t.Cid()};
}
void add_thread_result(Event& e, const ThreadFacts& t) {
  e.add("name", t.name)
      .add("process", t.process)
      .add("pid", t.cid.UniqueProcess.value())
      .add("tid", t.cid.UniqueThread.value());
}
void add_thread_result(Event& e, const ps::Thread& t) {
  add_thread_result(e, thread_facts(t));
}

Event call_event(int line, std::string_view api, Status status) {
  return Event{"call", {}}
      .add("line", line)
      .add("api", std::string(api))
      .add("status", status_text(status))
      .add("ntstatus", status.hex());
}

std::string_view api_name(const ProcessNotifyStmt& b) {
  return b.ex ? "PsSetCreateProcessNotifyRoutineEx" : "PsSetCreateProcessNotifyRoutine";
}

std::string_view api_name(const ThreadNotifyStmt& b) {
  return b.remove ? "PsRemoveCreateThreadNotifyRoutine" : "PsSetCreateThreadNotifyRoutine";
}

std::string_view api_name(const ImageNotifyStmt& b) {
  return b.remove ? "PsRemoveLoadImageNotifyRoutine" : "PsSetLoadImageNotifyRoutine";
}

namespace {
std::size_t index_of(const RoutineRef& r) {
  return static_cast<std::size_t>(r.index);
}
}  // namespace

Status register_routine(Kernel& kernel, const ProcessNotifyStmt& b) {
  if (b.ex) {
    return kernel.PsSetCreateProcessNotifyRoutineEx(
        b.routine.is_null() ? nullptr : process_routine_ex(index_of(b.routine)), b.remove);
  }
  return kernel.PsSetCreateProcessNotifyRoutine(
      b.routine.is_null() ? nullptr : process_routine(index_of(b.routine)), b.remove);
}

Status register_routine(Kernel& kernel, const ThreadNotifyStmt& b) {
  const PCREATE_THREAD_NOTIFY_ROUTINE routine =
      b.routine.is_null() ? nullptr : thread_routine(index_of(b.routine));
  return b.remove ? kernel.PsRemoveCreateThreadNotifyRoutine(routine)
                  : kernel.PsSetCreateThreadNotifyRoutine(routine);
}

Status register_routine(Kernel& kernel, const ImageNotifyStmt& b) {
  const PLOAD_IMAGE_NOTIFY_ROUTINE routine =
      b.routine.is_null() ? nullptr : image_routine(index_of(b.routine));
  return b.remove ? kernel.PsRemoveLoadImageNotifyRoutine(routine)
                  : kernel.PsSetLoadImageNotifyRoutine(routine);
}

}  // namespace ntemu::cli
