// Trampolines: a driver's C routine → a kernel routine. The kernel calls notify routines of its
// own types (ProcessId, ps::Process*, PS_CREATE_NOTIFY_INFO*); each trampoline is one distinct
// kernel routine that converts the arguments to the WDK's (HANDLE, PEPROCESS, the documented
// PS_CREATE_NOTIFY_INFO), calls the C routine assigned to its index, and copies an Ex routine's
// CreationStatus (a veto) back. It also stands between the kernel and unmapped code: once the
// driver is unloaded the call is skipped and reported, and an IRQL the routine left raised is
// reported and restored. A C routine keeps its trampoline for the life of the host process.
#include "trampolines.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"
#include "state.hpp"

namespace ntemu::wdk {
namespace {

template <class F>
struct RoutineTable {
  std::array<std::atomic<F>, kTrampolinePoolSize> routines{};
  std::mutex lock;  // serialises assignment; calls read the atomics only

  // The pool index of `f`, assigning the next free one; -1 when the pool is full.
  std::ptrdiff_t index_of(F f) {
    std::lock_guard hold(lock);
    for (std::size_t i = 0; i < kTrampolinePoolSize; ++i) {
      F current = routines[i].load(std::memory_order_acquire);
      if (current == f) return static_cast<std::ptrdiff_t>(i);
      if (current == nullptr) {
        routines[i].store(f, std::memory_order_release);
        return static_cast<std::ptrdiff_t>(i);
      }
    }
    return -1;
  }
};

RoutineTable<::PCREATE_PROCESS_NOTIFY_ROUTINE> g_process_routines;
RoutineTable<::PCREATE_PROCESS_NOTIFY_ROUTINE_EX> g_process_ex_routines;
RoutineTable<::PCREATE_THREAD_NOTIFY_ROUTINE> g_thread_routines;

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

template <std::size_t N>
void process_trampoline_n(ProcessId parent, ProcessId process, bool create) {
  const auto routine = g_process_routines.routines[N].load(std::memory_order_acquire);
  invoke_driver(reinterpret_cast<const void*>(&process_trampoline_n<N>),
                [&] { routine(to_handle(parent), to_handle(process), create ? TRUE : FALSE); });
}

template <std::size_t N>
void process_ex_trampoline_n(ps::Process* process, ProcessId pid,
                             ntemu::PS_CREATE_NOTIFY_INFO* info) {
  const auto routine = g_process_ex_routines.routines[N].load(std::memory_order_acquire);
  invoke_driver(reinterpret_cast<const void*>(&process_ex_trampoline_n<N>), [&] {
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

template <std::size_t N>
void thread_trampoline_n(ProcessId process, ThreadId thread, bool create) {
  const auto routine = g_thread_routines.routines[N].load(std::memory_order_acquire);
  invoke_driver(reinterpret_cast<const void*>(&thread_trampoline_n<N>),
                [&] { routine(to_handle(process), to_handle(thread), create ? TRUE : FALSE); });
}

template <std::size_t... I>
constexpr std::array<ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE, sizeof...(I)> process_pool(
    std::index_sequence<I...>) {
  return {&process_trampoline_n<I>...};
}
template <std::size_t... I>
constexpr std::array<ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE_EX, sizeof...(I)> process_ex_pool(
    std::index_sequence<I...>) {
  return {&process_ex_trampoline_n<I>...};
}
template <std::size_t... I>
constexpr std::array<ntemu::PCREATE_THREAD_NOTIFY_ROUTINE, sizeof...(I)> thread_pool(
    std::index_sequence<I...>) {
  return {&thread_trampoline_n<I>...};
}
constexpr auto kProcessPool = process_pool(std::make_index_sequence<kTrampolinePoolSize>{});
constexpr auto kProcessExPool = process_ex_pool(std::make_index_sequence<kTrampolinePoolSize>{});
constexpr auto kThreadPool = thread_pool(std::make_index_sequence<kTrampolinePoolSize>{});

template <class Pool>
bool in_pool(const Pool& pool, const void* routine) {
  for (const auto& r : pool) {
    if (reinterpret_cast<const void*>(r) == routine) return true;
  }
  return false;
}

}  // namespace

ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE process_trampoline(::PCREATE_PROCESS_NOTIFY_ROUTINE routine) {
  const std::ptrdiff_t i = g_process_routines.index_of(routine);
  return i < 0 ? nullptr : kProcessPool[static_cast<std::size_t>(i)];
}

ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE_EX process_ex_trampoline(
    ::PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine) {
  const std::ptrdiff_t i = g_process_ex_routines.index_of(routine);
  return i < 0 ? nullptr : kProcessExPool[static_cast<std::size_t>(i)];
}

ntemu::PCREATE_THREAD_NOTIFY_ROUTINE thread_trampoline(::PCREATE_THREAD_NOTIFY_ROUTINE routine) {
  const std::ptrdiff_t i = g_thread_routines.index_of(routine);
  return i < 0 ? nullptr : kThreadPool[static_cast<std::size_t>(i)];
}

bool is_trampoline(const void* routine) {
  return routine != nullptr && (in_pool(kProcessPool, routine) ||
                                in_pool(kProcessExPool, routine) || in_pool(kThreadPool, routine));
}

}  // namespace ntemu::wdk
