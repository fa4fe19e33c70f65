// The trampoline pool. Each template instance is its own function with its own address (the
// index is baked into its body, so identical-code folding cannot merge two of them).
#include "routines.hpp"

#include <array>
#include <utility>

namespace ntemu::cli {
namespace {

thread_local RoutineListener* t_listener = nullptr;

template <std::size_t N>
void process_trampoline(ProcessId parent, ProcessId process, bool create) {
  if (t_listener == nullptr) return;
  t_listener->routine_invoked(
      {ps::NotifyKind::Process, N, parent.value(), process.value(), create});
}

template <std::size_t N>
void process_ex_trampoline(ps::Process*, ProcessId process, PS_CREATE_NOTIFY_INFO* info) {
  if (t_listener == nullptr) return;
  const std::uint64_t parent = info != nullptr ? info->ParentProcessId.value() : 0;
  t_listener->routine_invoked(
      {ps::NotifyKind::Process, N, parent, process.value(), info != nullptr, true, info});
}

template <std::size_t N>
void thread_trampoline(ProcessId process, ThreadId thread, bool create) {
  if (t_listener == nullptr) return;
  t_listener->routine_invoked({ps::NotifyKind::Thread, N, process.value(), thread.value(), create});
}

template <std::size_t... I>
constexpr std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, sizeof...(I)> process_pool(
    std::index_sequence<I...>) {
  return {&process_trampoline<I>...};
}

template <std::size_t... I>
constexpr std::array<PCREATE_PROCESS_NOTIFY_ROUTINE_EX, sizeof...(I)> process_ex_pool(
    std::index_sequence<I...>) {
  return {&process_ex_trampoline<I>...};
}

template <std::size_t... I>
constexpr std::array<PCREATE_THREAD_NOTIFY_ROUTINE, sizeof...(I)> thread_pool(
    std::index_sequence<I...>) {
  return {&thread_trampoline<I>...};
}

constexpr auto kProcessPool = process_pool(std::make_index_sequence<kRoutinePoolSize>{});
constexpr auto kProcessExPool = process_ex_pool(std::make_index_sequence<kRoutinePoolSize>{});
constexpr auto kThreadPool = thread_pool(std::make_index_sequence<kRoutinePoolSize>{});

}  // namespace

ListenerScope::ListenerScope(RoutineListener& listener) : previous_(t_listener) {
  t_listener = &listener;
}

ListenerScope::~ListenerScope() {
  t_listener = previous_;
}

PCREATE_PROCESS_NOTIFY_ROUTINE process_routine(std::size_t index) {
  return kProcessPool.at(index);
}

PCREATE_PROCESS_NOTIFY_ROUTINE_EX process_routine_ex(std::size_t index) {
  return kProcessExPool.at(index);
}

PCREATE_THREAD_NOTIFY_ROUTINE thread_routine(std::size_t index) {
  return kThreadPool.at(index);
}

}  // namespace ntemu::cli
