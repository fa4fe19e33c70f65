// SPDX-License-Identifier: MIT
// The recording routines: six function pools (support/function_pool.hpp), each entry reporting
// its call to the listener installed on the calling host thread.
#include "routines.hpp"

#include "ntemu/support/function_pool.hpp"

namespace ntemu::cli {
namespace {

thread_local RoutineListener* t_listener = nullptr;

void process_call(std::size_t index, ProcessId parent, ProcessId process, bool create) {
  if (t_listener == nullptr) return;
  t_listener->routine_invoked(
      {ps::NotifyKind::Process, index, parent.value(), process.value(), create});
}

void process_ex_call(std::size_t index, ps::Process*, ProcessId process,
                     PS_CREATE_NOTIFY_INFO* info) {
  if (t_listener == nullptr) return;
  const std::uint64_t parent = info != nullptr ? info->ParentProcessId.value() : 0;
  t_listener->routine_invoked(
      {ps::NotifyKind::Process, index, parent, process.value(), info != nullptr, true, info});
}

void thread_call(std::size_t index, ProcessId process, ThreadId thread, bool create) {
  if (t_listener == nullptr) return;
  t_listener->routine_invoked(
      {ps::NotifyKind::Thread, index, process.value(), thread.value(), create});
}

void image_call(std::size_t index, const std::string* name, ProcessId process, IMAGE_INFO* info) {
  if (t_listener == nullptr) return;
  RoutineCall call{ps::NotifyKind::Image, index, process.value(),
                   info != nullptr ? info->ImageBase : 0, true};
  call.image_name = name;
  call.image = info;
  t_listener->routine_invoked(call);
}

ob::OB_PREOP_CALLBACK_STATUS ob_pre_call(std::size_t index, void*,
                                         ob::OB_PRE_OPERATION_INFORMATION* info) {
  if (t_listener != nullptr) t_listener->object_callback_invoked({index, info, nullptr});
  return ob::OB_PREOP_SUCCESS;
}

void ob_post_call(std::size_t index, void*, ob::OB_POST_OPERATION_INFORMATION* info) {
  if (t_listener != nullptr) t_listener->object_callback_invoked({index, nullptr, info});
}

using ProcessPool = FunctionPool<void(ProcessId, ProcessId, bool), kRoutinePoolSize, &process_call>;
using ProcessExPool = FunctionPool<void(ps::Process*, ProcessId, PS_CREATE_NOTIFY_INFO*),
                                   kRoutinePoolSize, &process_ex_call>;
using ThreadPool = FunctionPool<void(ProcessId, ThreadId, bool), kRoutinePoolSize, &thread_call>;
using ImagePool =
    FunctionPool<void(const std::string*, ProcessId, IMAGE_INFO*), kRoutinePoolSize, &image_call>;

using ObPrePool =
    FunctionPool<ob::OB_PREOP_CALLBACK_STATUS(void*, ob::OB_PRE_OPERATION_INFORMATION*),
                 kRoutinePoolSize, &ob_pre_call>;
using ObPostPool =
    FunctionPool<void(void*, ob::OB_POST_OPERATION_INFORMATION*), kRoutinePoolSize, &ob_post_call>;

}  // namespace

ListenerScope::ListenerScope(RoutineListener& listener) : previous_(t_listener) {
  t_listener = &listener;
}

ListenerScope::~ListenerScope() {
  t_listener = previous_;
}

PCREATE_PROCESS_NOTIFY_ROUTINE process_routine(std::size_t index) {
  return ProcessPool::at(index);
}

PCREATE_PROCESS_NOTIFY_ROUTINE_EX process_routine_ex(std::size_t index) {
  return ProcessExPool::at(index);
}

PCREATE_THREAD_NOTIFY_ROUTINE thread_routine(std::size_t index) {
  return ThreadPool::at(index);
}

PLOAD_IMAGE_NOTIFY_ROUTINE image_routine(std::size_t index) {
  return ImagePool::at(index);
}

ob::POB_PRE_OPERATION_CALLBACK ob_pre_routine(std::size_t index) {
  return ObPrePool::at(index);
}

ob::POB_POST_OPERATION_CALLBACK ob_post_routine(std::size_t index) {
  return ObPostPool::at(index);
}

std::optional<std::size_t> routine_index(ps::NotifyKind kind, const void* routine) {
  if (kind == ps::NotifyKind::Thread) return ThreadPool::index_of(routine);
  if (kind == ps::NotifyKind::Image) return ImagePool::index_of(routine);
  if (auto i = ProcessPool::index_of(routine)) return i;
  return ProcessExPool::index_of(routine);
}

}  // namespace ntemu::cli
