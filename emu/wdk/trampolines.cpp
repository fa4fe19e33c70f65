// SPDX-License-Identifier: MIT
// Trampolines: a driver's C routine → a kernel routine. The kernel calls notify routines of its
// own types (ProcessId, ps::Process*, PS_CREATE_NOTIFY_INFO*); each trampoline is one distinct
// kernel routine, an entry of a FunctionPool (support/function_pool.hpp), that converts the
// arguments to the WDK's (HANDLE, PEPROCESS, the documented PS_CREATE_NOTIFY_INFO), calls the C
// routine assigned to its index, and copies an Ex routine's CreationStatus (a veto) back. It also
// stands between the kernel and unmapped code: once the driver is unloaded the call is skipped and
// reported, and an IRQL the routine left raised is reported and restored. A C routine keeps its
// trampoline for the life of the host process.
#include "trampolines.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"
#include "ntemu/support/function_pool.hpp"
#include "state.hpp"

namespace ntemu::wdk {
namespace {

// Which C routine each index of a pool stands for. An index is assigned on a routine's first
// registration or naming and never reused.
template <class F>
struct RoutineTable {
  std::array<std::atomic<F>, kTrampolinePoolSize> routines{};
  std::mutex lock;  // serialises assignment; calls read the atomics only

  // The index of `f`, assigning the next free one; nullopt when every index is taken.
  std::optional<std::size_t> index_of(F f) {
    std::lock_guard hold(lock);
    for (std::size_t i = 0; i < kTrampolinePoolSize; ++i) {
      F current = routines[i].load(std::memory_order_acquire);
      if (current == f) return i;
      if (current == nullptr) {
        routines[i].store(f, std::memory_order_release);
        return i;
      }
    }
    return std::nullopt;
  }
  F at(std::size_t index) const { return routines[index].load(std::memory_order_acquire); }
};

RoutineTable<::PCREATE_PROCESS_NOTIFY_ROUTINE> g_process_routines;
RoutineTable<::PCREATE_PROCESS_NOTIFY_ROUTINE_EX> g_process_ex_routines;
RoutineTable<::PCREATE_THREAD_NOTIFY_ROUTINE> g_thread_routines;

// What the kernel's routine at `index` of each pool does: call the C routine at that index.
void process_call(std::size_t index, ProcessId parent, ProcessId process, bool create);
void process_ex_call(std::size_t index, ps::Process* process, ProcessId pid,
                     ntemu::PS_CREATE_NOTIFY_INFO* info);
void thread_call(std::size_t index, ProcessId process, ThreadId thread, bool create);

// The trampolines: one distinct kernel routine per index (support/function_pool.hpp).
using ProcessPool =
    FunctionPool<void(ProcessId, ProcessId, bool), kTrampolinePoolSize, &process_call>;
using ProcessExPool = FunctionPool<void(ps::Process*, ProcessId, ntemu::PS_CREATE_NOTIFY_INFO*),
                                   kTrampolinePoolSize, &process_ex_call>;
using ThreadPool = FunctionPool<void(ProcessId, ThreadId, bool), kTrampolinePoolSize, &thread_call>;

// Runs a driver routine for the kernel: skipped (and reported) once the driver is unloaded;
// an IRQL left raised (a lock still held) is reported and restored.
template <class Call>
void invoke_driver(const void* trampoline, Call&& call) {
  Current c = current();
  if (c.state != nullptr && c.state->code_unloaded.load(std::memory_order_acquire)) {
    const std::string symbol = c.kernel->routine_symbol(trampoline);
    report({verify::FindingKind::CallIntoUnloadedDriver,
            fmt::format("{} was called after its driver was unloaded (the real kernel "
                        "would run unmapped code); the call was skipped",
                        symbol),
            0, 0, context_step()});
    return;
  }
  const KIRQL entry = current_irql();
  call();
  check_irql_restored(entry, c.kernel, trampoline);
}

void process_call(std::size_t index, ProcessId parent, ProcessId process, bool create) {
  const auto routine = g_process_routines.at(index);
  invoke_driver(ps::routine_address(ProcessPool::at(index)),
                [&] { routine(to_handle(parent), to_handle(process), create ? TRUE : FALSE); });
}

void process_ex_call(std::size_t index, ps::Process* process, ProcessId pid,
                     ntemu::PS_CREATE_NOTIFY_INFO* info) {
  const auto routine = g_process_ex_routines.at(index);
  invoke_driver(ps::routine_address(ProcessExPool::at(index)), [&] {
    const PEPROCESS eprocess = process != nullptr ? to_peprocess(*process) : nullptr;
    if (info == nullptr) {
      routine(eprocess, to_handle(pid), nullptr);
      return;
    }
    // The documented layout, built for the call; CreationStatus is copied back (a veto).
    const std::wstring image = widen(info->ImageFileName != nullptr ? info->ImageFileName : "");
    UNICODE_STRING image_name{};
    image_name.Buffer = const_cast<PWSTR>(image.c_str());
    image_name.Length = static_cast<USHORT>(image.size() * sizeof(WCHAR));
    image_name.MaximumLength = static_cast<USHORT>(image_name.Length + sizeof(WCHAR));
    ::PS_CREATE_NOTIFY_INFO c_info{};
    c_info.Size = sizeof(::PS_CREATE_NOTIFY_INFO);
    if (info->FileOpenNameAvailable) c_info.FileOpenNameAvailable = 1;
    c_info.ParentProcessId = to_handle(info->ParentProcessId);
    c_info.CreatingThreadId.UniqueProcess = to_handle(info->CreatingThreadId.UniqueProcess);
    c_info.CreatingThreadId.UniqueThread = to_handle(info->CreatingThreadId.UniqueThread);
    c_info.FileObject = nullptr;
    c_info.ImageFileName = &image_name;
    c_info.CommandLine = nullptr;
    c_info.CreationStatus = to_ntstatus(info->CreationStatus);
    routine(eprocess, to_handle(pid), &c_info);
    info->CreationStatus = Status{static_cast<std::uint32_t>(c_info.CreationStatus)};
  });
}

void thread_call(std::size_t index, ProcessId process, ThreadId thread, bool create) {
  const auto routine = g_thread_routines.at(index);
  invoke_driver(ps::routine_address(ThreadPool::at(index)),
                [&] { routine(to_handle(process), to_handle(thread), create ? TRUE : FALSE); });
}

// The trampoline of the C routine `routine`: the pool's entry at its index.
template <class Pool, class F>
typename Pool::Function trampoline_of(RoutineTable<F>& table, F routine) {
  const std::optional<std::size_t> index = table.index_of(routine);
  return index ? Pool::at(*index) : nullptr;
}

}  // namespace

ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE process_trampoline(::PCREATE_PROCESS_NOTIFY_ROUTINE routine) {
  return trampoline_of<ProcessPool>(g_process_routines, routine);
}

ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE_EX process_ex_trampoline(
    ::PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine) {
  return trampoline_of<ProcessExPool>(g_process_ex_routines, routine);
}

ntemu::PCREATE_THREAD_NOTIFY_ROUTINE thread_trampoline(::PCREATE_THREAD_NOTIFY_ROUTINE routine) {
  return trampoline_of<ThreadPool>(g_thread_routines, routine);
}

bool is_trampoline(const void* routine) {
  return ProcessPool::contains(routine) || ProcessExPool::contains(routine) ||
         ThreadPool::contains(routine);
}

}  // namespace ntemu::wdk
