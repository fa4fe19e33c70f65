// SPDX-License-Identifier: MIT
#include "races.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "report.hpp"

namespace ntemu::cli {

void RoutedSink::emit(const Event& e) {
  if (std::this_thread::get_id() == owner_) return out_.emit(e);
  std::lock_guard<std::mutex> hold(lock_);
  held_.push_back(e);
}

void RoutedSink::flush() {
  std::vector<Event> held;
  {
    std::lock_guard<std::mutex> hold(lock_);
    held.swap(held_);
  }
  for (const Event& e : held)
    out_.emit(e);
}

Races::Races(Kernel& kernel, TraceSink& out, RoutedSink& routed, const Script& script,
             Prepare prepare, RunInner run_inner)
    : kernel_(kernel),
      out_(out),
      routed_(routed),
      script_(script),
      prepare_(std::move(prepare)),
      run_inner_(std::move(run_inner)) {}

Races::~Races() {
  if (race_ && race_->cpu1.joinable()) race_->cpu1.join();
}

void Races::arm(int line, const DuringStmt& stmt) {
  armed_.push_back({static_cast<std::size_t>(stmt.routine.index), stmt.kind, &stmt, line});
}

const void* Races::called_function(const RoutineCall& call) {
  if (call.kind == ps::NotifyKind::Thread) {
    return reinterpret_cast<const void*>(thread_routine(call.index));
  }
  if (call.kind == ps::NotifyKind::Image) {
    return reinterpret_cast<const void*>(image_routine(call.index));
  }
  return call.ex ? reinterpret_cast<const void*>(process_routine_ex(call.index))
                 : reinterpret_cast<const void*>(process_routine(call.index));
}

const ex::CallbackBlock* Races::in_flight_block(const RoutineCall& call) const {
  const ps::NotifySlots& array = kernel_.notify_array(call.kind);
  if (array.storage() != NotifyStorage::ExCallback) return nullptr;
  const void* fn = called_function(call);
  for (std::uint32_t i = 0; i < array.size(); ++i) {
    if (array.routine(i) == fn) return array.block(i);
  }
  return nullptr;
}

void Races::on_call(const RoutineCall& call) {
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
  race_->in_flight = kernel_.routine_symbol(called_function(call));
  out_.emit(Event{"race", {}}
                .add("line", armed.line)
                .add("cpu", std::int64_t{1})
                .add("source", armed.stmt->inner_source)
                .add("in_flight", race_->in_flight)
                .add("text", fmt::format("CPU 1: {}  (line {}, while {} runs on CPU 0)",
                                         armed.stmt->inner_source, armed.line, race_->in_flight)));
  prepare_(*armed.stmt);
  Race& race = *race_;
  race.cpu1 = std::thread([this, &race] {
    // A driver's unload runs in a system thread: the first one here.
    Kernel::ContextScope context(kernel_, kernel_.first_system_thread());
    race.status = run_inner_(*race.stmt);
    race.done.store(true, std::memory_order_release);
  });
  // Wait for CPU 1 to return, or to block in ExWaitForCallBacks on this routine's block.
  while (!race.done.load(std::memory_order_acquire) &&
         (block == nullptr || !block->RundownProtect.is_active())) {
    std::this_thread::yield();
  }
  if (race.done.load(std::memory_order_acquire)) {
    finish();
    return;
  }
  routed_.flush();
  out_.emit(Event{"race", {}}
                .add("line", armed.line)
                .add("cpu", std::int64_t{1})
                .add("waits_for", race_->in_flight)
                .add("block", block->address())
                .add("rundown", block->RundownProtect.raw())
                .add("text",
                     fmt::format("CPU 1 waits in ExWaitForCallBacks: block {:#x} "
                                 "rundown active ({:#x}), until {} returns",
                                 block->address(), block->RundownProtect.raw(), race_->in_flight)));
}

void Races::finish() {
  if (!race_) return;
  race_->cpu1.join();
  routed_.flush();
  const Race& race = *race_;
  std::visit(
      [&](const auto& inner) {
        out_.emit(call_event(race.line, api_name(inner), race.status)
                      .add("cpu", std::int64_t{1})
                      .add("routine", inner.routine.name.text));
      },
      race.stmt->inner);
  race_.reset();
}

void Races::report_unrun() {
  for (const Armed& a : armed_) {
    out_.emit(Event{"note", {}}
                  .add("line", a.line)
                  .add("message", fmt::format("the race armed at line {} never ran: {} was not "
                                              "called again",
                                              a.line, script_.routines[a.routine])));
  }
}

}  // namespace ntemu::cli
