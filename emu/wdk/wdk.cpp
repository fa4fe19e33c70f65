// The WDK functions of ntemu/wdk.h, over the kernel current on the calling host thread. Names,
// signatures and values follow Microsoft's public WDK documentation; the code is ntemu's own.
#include "ntemu/wdk.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <cwctype>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "internal.hpp"
#include "ntemu/support/bugcheck.hpp"

static_assert(sizeof(void*) >= sizeof(std::uint64_t),
              "ntemu::wdk passes 64-bit model addresses as PEPROCESS: it needs a 64-bit host");

namespace ntemu::wdk {
namespace {

// --- registry of harness-driven kernels ---------------------------------------------------------

std::mutex g_registry_lock;
std::map<const Kernel*, Harness::State*>& registry() {
  static std::map<const Kernel*, Harness::State*> map;  // lookup only
  return map;
}

// --- pool blocks of every harness: pointer -> (owner, sequence)
// -----------------------------------

struct PoolOwner {
  Harness::State* state;  // null when allocated under a kernel without a harness
  std::uint64_t sequence;
  ULONG tag;
};
std::mutex g_pool_lock;
std::map<const void*, PoolOwner>& pool_owners() {
  static std::map<const void*, PoolOwner> map;  // lookup only
  return map;
}

// --- IRQL, per host thread ----------------------------------------------------------------------

thread_local KIRQL t_irql = PASSIVE_LEVEL;
// A token naming this host thread as a lock owner (never dereferenced).
thread_local char t_owner_token = 0;
ULONG_PTR owner_token() {
  return reinterpret_cast<ULONG_PTR>(&t_owner_token);
}

// --- helpers ------------------------------------------------------------------------------------

NTSTATUS to_ntstatus(Status s) {
  return static_cast<NTSTATUS>(s.value());
}
std::uint64_t value_of(HANDLE h) {
  return static_cast<std::uint64_t>(reinterpret_cast<ULONG_PTR>(h));
}
std::uint64_t address_of(const void* object) {
  return static_cast<std::uint64_t>(reinterpret_cast<ULONG_PTR>(object));
}

struct Current {
  Kernel* kernel;
  Harness::State* state;
};
Current current() {
  Kernel* k = Kernel::current();
  return {k, k == nullptr ? nullptr : state_of(k)};
}

// The current kernel's step label, or "" outside any kernel.
std::string context_step() {
  Kernel* k = Kernel::current();
  return k == nullptr ? std::string{} : k->verifier().current_step();
}

// Reports a call made above the IRQL its documentation allows; true if it was.
bool irql_too_high(KIRQL max, const char* function) {
  if (t_irql <= max) return false;
  report({verify::FindingKind::IrqlTooHigh,
          fmt::format("{} was called at IRQL {} (it requires IRQL <= {})", function,
                      static_cast<unsigned>(t_irql), static_cast<unsigned>(max)),
          0, 0, context_step()});
  return true;
}

// Runs `body`; a BugCheck or host exception raised inside a WDK call must not unwind into the
// driver's C frames: it becomes a finding and the call returns `fallback`.
template <class T, class Body>
T guarded(T fallback, const char* function, Body&& body) {
  try {
    return body();
  } catch (const BugCheck& b) {
    report({verify::FindingKind::Bugcheck,
            fmt::format("{} crashed the machine: {}", function, b.what()), b.code(), 0,
            context_step()});
  } catch (const std::exception& e) {
    report({verify::FindingKind::HostException,
            fmt::format("{} failed on the host: {}", function, e.what()), 0, 0, context_step()});
  }
  return fallback;
}

// The live or deleted object a PEPROCESS / PETHREAD / PVOID names in `kernel`, checked: a
// pointer naming nothing, or a deleted object, is a finding (the real kernel would read freed
// or foreign memory). Returns the object if it may be used (live), else nullptr.
ob::Object* resolve(Current c, const void* pointer, const char* function) {
  if (pointer == nullptr) return nullptr;
  ob::Object* o = c.kernel->objects().find(address_of(pointer));
  if (o == nullptr) {
    report({verify::FindingKind::BadObjectPointer,
            fmt::format("{} was given {:#x}, which names no object", function, address_of(pointer)),
            0, address_of(pointer), context_step()});
    return nullptr;
  }
  if (o->is_deleted()) {
    report({verify::FindingKind::UseAfterFree,
            fmt::format("{} was given {:#x}, a {} object that was already deleted", function,
                        o->address(), ob::to_string(o->type())),
            0, o->address(), context_step()});
    return nullptr;
  }
  return o;
}

ps::Process* resolve_process(Current c, const void* pointer, const char* function) {
  ob::Object* o = resolve(c, pointer, function);
  return o != nullptr && o->type() == ob::ObjectType::Process ? static_cast<ps::Process*>(o)
                                                              : nullptr;
}
ps::Thread* resolve_thread(Current c, const void* pointer, const char* function) {
  ob::Object* o = resolve(c, pointer, function);
  return o != nullptr && o->type() == ob::ObjectType::Thread ? static_cast<ps::Thread*>(o)
                                                             : nullptr;
}

// --- trampolines
// ----------------------------------------------------------------------------------

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
  const KIRQL entry = t_irql;
  call();
  if (t_irql != entry) {
    const std::string symbol =
        c.kernel != nullptr ? c.kernel->routine_symbol(trampoline) : std::string("routine");
    report({verify::FindingKind::IrqlNotRestored,
            fmt::format("{} returned at IRQL {} but was called at IRQL {} (a lock left "
                        "held?)",
                        symbol, static_cast<unsigned>(t_irql), static_cast<unsigned>(entry)),
            0, 0, context_step()});
    t_irql = entry;
  }
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

std::string tag_text(ULONG tag) {
  std::string s;
  for (int shift = 0; shift < 32; shift += 8) {
    const auto c = static_cast<char>((tag >> shift) & 0xFFU);
    s += (c >= 0x20 && c < 0x7F) ? c : '.';
  }
  return s;
}

std::wstring widen(std::string_view s) {
  std::wstring w;
  w.reserve(s.size());
  for (char c : s)
    w += static_cast<wchar_t>(static_cast<unsigned char>(c));
  return w;
}

void register_state(const Kernel* kernel, Harness::State* state) {
  std::lock_guard hold(g_registry_lock);
  registry()[kernel] = state;
}

void unregister_state(const Kernel* kernel) {
  std::lock_guard hold(g_registry_lock);
  registry().erase(kernel);
}

Harness::State* state_of(const Kernel* kernel) {
  std::lock_guard hold(g_registry_lock);
  auto it = registry().find(kernel);
  return it == registry().end() ? nullptr : it->second;
}

void release_pool(Harness::State& state) {
  std::map<std::uint64_t, Harness::State::PoolBlock> blocks;
  {
    std::lock_guard hold(state.m);
    blocks.swap(state.pool);
  }
  std::lock_guard hold(g_pool_lock);
  for (auto& [sequence, block] : blocks) {
    pool_owners().erase(block.memory);
    std::free(block.memory);
  }
}

void report(verify::Finding f) {
  if (Kernel* k = Kernel::current()) {
    k->verifier().report(std::move(f));
    return;
  }
  std::fprintf(stderr, "ntemu wdk: %s: %s\n", std::string(verify::to_string(f.kind)).c_str(),
               f.detail.c_str());
}

}  // namespace ntemu::wdk

using ntemu::Kernel;
using ntemu::ProcessId;
using ntemu::ThreadId;
using ntemu::wdk::Current;
using ntemu::wdk::current;
using ntemu::wdk::guarded;
using ntemu::wdk::irql_too_high;
using ntemu::wdk::to_ntstatus;
using ntemu::wdk::value_of;

// --- notify registration
// --------------------------------------------------------------------------

NTSTATUS PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE NotifyRoutine,
                                         BOOLEAN Remove) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  irql_too_high(PASSIVE_LEVEL, "PsSetCreateProcessNotifyRoutine");
  return guarded(STATUS_UNSUCCESSFUL, "PsSetCreateProcessNotifyRoutine", [&] {
    ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE t = nullptr;
    if (NotifyRoutine != nullptr) {
      t = ntemu::wdk::process_trampoline(NotifyRoutine);
      if (t == nullptr) {
        return Remove ? to_ntstatus(c.kernel->profile().notify_not_found_status)
                      : STATUS_INSUFFICIENT_RESOURCES;
      }
    }
    return to_ntstatus(c.kernel->PsSetCreateProcessNotifyRoutine(t, Remove != FALSE));
  });
}

NTSTATUS PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX NotifyRoutine,
                                           BOOLEAN Remove) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  irql_too_high(PASSIVE_LEVEL, "PsSetCreateProcessNotifyRoutineEx");
  return guarded(STATUS_UNSUCCESSFUL, "PsSetCreateProcessNotifyRoutineEx", [&] {
    if (!c.kernel->profile().has_process_notify_routine_ex) return STATUS_NOT_IMPLEMENTED;
    ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE_EX t = nullptr;
    if (NotifyRoutine != nullptr) {
      t = ntemu::wdk::process_ex_trampoline(NotifyRoutine);
      if (t == nullptr) {
        return Remove ? to_ntstatus(c.kernel->profile().notify_not_found_status)
                      : STATUS_INSUFFICIENT_RESOURCES;
      }
    }
    return to_ntstatus(c.kernel->PsSetCreateProcessNotifyRoutineEx(t, Remove != FALSE));
  });
}

NTSTATUS PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  irql_too_high(PASSIVE_LEVEL, "PsSetCreateThreadNotifyRoutine");
  return guarded(STATUS_UNSUCCESSFUL, "PsSetCreateThreadNotifyRoutine", [&] {
    ntemu::PCREATE_THREAD_NOTIFY_ROUTINE t = nullptr;
    if (NotifyRoutine != nullptr) {
      t = ntemu::wdk::thread_trampoline(NotifyRoutine);
      if (t == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
    }
    return to_ntstatus(c.kernel->PsSetCreateThreadNotifyRoutine(t));
  });
}

NTSTATUS PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  irql_too_high(PASSIVE_LEVEL, "PsRemoveCreateThreadNotifyRoutine");
  return guarded(STATUS_UNSUCCESSFUL, "PsRemoveCreateThreadNotifyRoutine", [&] {
    if (!c.kernel->profile().has_remove_thread_notify_routine) return STATUS_NOT_IMPLEMENTED;
    const auto t =
        NotifyRoutine != nullptr ? ntemu::wdk::thread_trampoline(NotifyRoutine) : nullptr;
    if (t == nullptr) return to_ntstatus(c.kernel->profile().notify_not_found_status);
    return to_ntstatus(c.kernel->PsRemoveCreateThreadNotifyRoutine(t));
  });
}

PVOID MmGetSystemRoutineAddress(PUNICODE_STRING SystemRoutineName) {
  const Current c = current();
  if (c.kernel == nullptr || SystemRoutineName == nullptr || SystemRoutineName->Buffer == nullptr)
    return nullptr;
  const std::wstring name(SystemRoutineName->Buffer, SystemRoutineName->Length / sizeof(WCHAR));
  const ntemu::Profile& p = c.kernel->profile();
  struct Export {
    const wchar_t* name;
    PVOID address;
    bool exported;
  };
  const Export exports[] = {
      {L"PsSetCreateProcessNotifyRoutine",
       reinterpret_cast<PVOID>(&PsSetCreateProcessNotifyRoutine), true},
      {L"PsSetCreateProcessNotifyRoutineEx",
       reinterpret_cast<PVOID>(&PsSetCreateProcessNotifyRoutineEx),
       p.has_process_notify_routine_ex},
      {L"PsSetCreateThreadNotifyRoutine", reinterpret_cast<PVOID>(&PsSetCreateThreadNotifyRoutine),
       true},
      {L"PsRemoveCreateThreadNotifyRoutine",
       reinterpret_cast<PVOID>(&PsRemoveCreateThreadNotifyRoutine),
       p.has_remove_thread_notify_routine},
      {L"PsLookupProcessByProcessId", reinterpret_cast<PVOID>(&PsLookupProcessByProcessId), true},
      {L"PsLookupThreadByThreadId", reinterpret_cast<PVOID>(&PsLookupThreadByThreadId), true},
      {L"PsGetProcessId", reinterpret_cast<PVOID>(&PsGetProcessId), true},
      {L"PsGetProcessInheritedFromUniqueProcessId",
       reinterpret_cast<PVOID>(&PsGetProcessInheritedFromUniqueProcessId), true},
  };
  for (const Export& e : exports) {
    if (name == e.name) return e.exported ? e.address : nullptr;
  }
  return nullptr;
}

// --- processes, threads, objects --------------------------------------------------------------

NTSTATUS PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS* Process) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  if (Process == nullptr) return STATUS_INVALID_PARAMETER;
  *Process = nullptr;
  irql_too_high(APC_LEVEL, "PsLookupProcessByProcessId");
  return guarded(STATUS_UNSUCCESSFUL, "PsLookupProcessByProcessId", [&] {
    ntemu::ps::Process* p = nullptr;
    const ntemu::Status st =
        c.kernel->PsLookupProcessByProcessId(ntemu::ProcessId{value_of(ProcessId)}, &p);
    if (p != nullptr) *Process = ntemu::to_peprocess(*p);
    return to_ntstatus(st);
  });
}

NTSTATUS PsLookupThreadByThreadId(HANDLE ThreadId, PETHREAD* Thread) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  if (Thread == nullptr) return STATUS_INVALID_PARAMETER;
  *Thread = nullptr;
  irql_too_high(APC_LEVEL, "PsLookupThreadByThreadId");
  return guarded(STATUS_UNSUCCESSFUL, "PsLookupThreadByThreadId", [&] {
    ntemu::ps::Thread* t = nullptr;
    const ntemu::Status st =
        c.kernel->PsLookupThreadByThreadId(ntemu::ThreadId{value_of(ThreadId)}, &t);
    if (t != nullptr) *Thread = ntemu::to_pethread(*t);
    return to_ntstatus(st);
  });
}

NTSTATUS PsLookupProcessThreadByCid(PCLIENT_ID Cid, PEPROCESS* Process, PETHREAD* Thread) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  if (Cid == nullptr || Thread == nullptr) return STATUS_INVALID_PARAMETER;
  *Thread = nullptr;
  if (Process != nullptr) *Process = nullptr;
  irql_too_high(APC_LEVEL, "PsLookupProcessThreadByCid");
  return guarded(STATUS_UNSUCCESSFUL, "PsLookupProcessThreadByCid", [&] {
    ntemu::ps::Process* p = nullptr;
    ntemu::ps::Thread* t = nullptr;
    const ntemu::ClientId cid{ntemu::ProcessId{value_of(Cid->UniqueProcess)},
                              ntemu::ThreadId{value_of(Cid->UniqueThread)}};
    const ntemu::Status st =
        c.kernel->PsLookupProcessThreadByCid(cid, Process != nullptr ? &p : nullptr, &t);
    if (t != nullptr) *Thread = ntemu::to_pethread(*t);
    if (p != nullptr) *Process = ntemu::to_peprocess(*p);
    return to_ntstatus(st);
  });
}

HANDLE PsGetCurrentProcessId(VOID) {
  Kernel* k = Kernel::current();
  return k == nullptr ? nullptr : ntemu::to_handle(k->PsGetCurrentProcessId());
}

HANDLE PsGetCurrentThreadId(VOID) {
  Kernel* k = Kernel::current();
  return k == nullptr ? nullptr : ntemu::to_handle(k->PsGetCurrentThreadId());
}

PEPROCESS PsGetCurrentProcess(VOID) {
  Kernel* k = Kernel::current();
  return k == nullptr ? nullptr : ntemu::to_peprocess(k->current_process());
}

PETHREAD PsGetCurrentThread(VOID) {
  Kernel* k = Kernel::current();
  return k == nullptr ? nullptr : ntemu::to_pethread(k->current_thread());
}

PEPROCESS IoGetCurrentProcess(VOID) {
  return PsGetCurrentProcess();
}

HANDLE PsGetProcessId(PEPROCESS Process) {
  const Current c = current();
  if (c.kernel == nullptr) return nullptr;
  ntemu::ps::Process* p = ntemu::wdk::resolve_process(c, Process, "PsGetProcessId");
  return p == nullptr ? nullptr : ntemu::to_handle(p->pid());
}

HANDLE PsGetProcessInheritedFromUniqueProcessId(PEPROCESS Process) {
  const Current c = current();
  if (c.kernel == nullptr) return nullptr;
  ntemu::ps::Process* p =
      ntemu::wdk::resolve_process(c, Process, "PsGetProcessInheritedFromUniqueProcessId");
  return p == nullptr ? nullptr : ntemu::to_handle(p->InheritedFromUniqueProcessId);
}

HANDLE PsGetThreadId(PETHREAD Thread) {
  const Current c = current();
  if (c.kernel == nullptr) return nullptr;
  ntemu::ps::Thread* t = ntemu::wdk::resolve_thread(c, Thread, "PsGetThreadId");
  return t == nullptr ? nullptr : ntemu::to_handle(t->tid());
}

HANDLE PsGetThreadProcessId(PETHREAD Thread) {
  const Current c = current();
  if (c.kernel == nullptr) return nullptr;
  ntemu::ps::Thread* t = ntemu::wdk::resolve_thread(c, Thread, "PsGetThreadProcessId");
  return t == nullptr ? nullptr : ntemu::to_handle(t->Cid().UniqueProcess);
}

PEPROCESS PsGetThreadProcess(PETHREAD Thread) {
  const Current c = current();
  if (c.kernel == nullptr) return nullptr;
  ntemu::ps::Thread* t = ntemu::wdk::resolve_thread(c, Thread, "PsGetThreadProcess");
  return t == nullptr ? nullptr : ntemu::to_peprocess(*t->ThreadsProcess);
}

LONG_PTR ObfReferenceObject(PVOID Object) {
  const Current c = current();
  if (c.kernel == nullptr) return 0;
  ntemu::ob::Object* o = ntemu::wdk::resolve(c, Object, "ObReferenceObject");
  if (o == nullptr) return 0;
  c.kernel->ObReferenceObject(*o);
  return static_cast<LONG_PTR>(o->pointer_count());
}

LONG_PTR ObfDereferenceObject(PVOID Object) {
  const Current c = current();
  if (c.kernel == nullptr) return 0;
  ntemu::ob::Object* o = ntemu::wdk::resolve(c, Object, "ObDereferenceObject");
  if (o == nullptr) return 0;
  return guarded(LONG_PTR{0}, "ObDereferenceObject", [&] {
    c.kernel->ObDereferenceObject(*o);  // the last reference deletes (a tombstone stays)
    return static_cast<LONG_PTR>(o->pointer_count());
  });
}

VOID ObReferenceObject(PVOID Object) {
  static_cast<void>(ObfReferenceObject(Object));
}

VOID ObDereferenceObject(PVOID Object) {
  static_cast<void>(ObfDereferenceObject(Object));
}

// --- debugger output ----------------------------------------------------------------------------

namespace {

std::string narrow(const wchar_t* w, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && w[i] != 0; ++i) {
    const auto c = static_cast<std::uint32_t>(w[i]);
    s += c < 0x80 ? static_cast<char>(c) : '?';
  }
  return s;
}

// printf-style formatting with the WDK's (LLP64) meaning of the size prefixes: `l` is 32 bits,
// `ll` / `I64` 64 bits, `I` / `z` pointer-sized, `h` / `hh` 16 / 8 bits; `%ws`, `%ls`, `%S`
// wide strings, `%wZ` a PCUNICODE_STRING, `%p` a pointer printed as the profile's pointer width
// in upper-case hex without a prefix, as the kernel debugger shows it. Every argument is read
// with the type the conversion names (the host's printf would read `%lu` as 64 bits).
std::string format_wdk(const char* format, va_list args, int pointer_digits) {
  std::string out;
  char buffer[512];
  for (const char* f = format; *f != 0; ++f) {
    if (*f != '%') {
      out += *f;
      continue;
    }
    const char* start = f++;
    if (*f == '%') {
      out += '%';
      continue;
    }
    std::string spec = "%";
    while (*f != 0 && std::strchr("-+ #0", *f) != nullptr)
      spec += *f++;
    if (*f == '*') {
      spec += std::to_string(va_arg(args, int));
      ++f;
    }
    while (*f >= '0' && *f <= '9')
      spec += *f++;
    if (*f == '.') {
      spec += *f++;
      if (*f == '*') {
        spec += std::to_string(va_arg(args, int));
        ++f;
      }
      while (*f >= '0' && *f <= '9')
        spec += *f++;
    }
    enum class Size { Default, Char, Short, Long64, Pointer, Wide } size = Size::Default;
    if (f[0] == 'I' && f[1] == '6' && f[2] == '4') {
      size = Size::Long64;
      f += 3;
    } else if (f[0] == 'I' && f[1] == '3' && f[2] == '2') {
      f += 3;
    } else if (f[0] == 'l' && f[1] == 'l') {
      size = Size::Long64;
      f += 2;
    } else if (f[0] == 'h' && f[1] == 'h') {
      size = Size::Char;
      f += 2;
    } else if (*f == 'I' || *f == 'z') {
      size = Size::Pointer;
      ++f;
    } else if (*f == 'h') {
      size = Size::Short;
      ++f;
    } else if (*f == 'l' || *f == 'w') {
      size = *f == 'w' ? Size::Wide : Size::Default;  // `l` on an integer: 32 bits (LLP64)
      if (*f == 'l' && (f[1] == 's' || f[1] == 'c')) size = Size::Wide;
      ++f;
    }
    const char conversion = *f;
    if (conversion == 0) {
      out += start;  // a truncated specification: shown as written
      break;
    }
    int n = 0;
    switch (conversion) {
      case 'd':
      case 'i': {
        long long v = 0;
        if (size == Size::Long64) {
          v = va_arg(args, long long);
        } else if (size == Size::Pointer) {
          v = static_cast<long long>(va_arg(args, std::intptr_t));
        } else {
          v = va_arg(args, int);
          if (size == Size::Short) v = static_cast<short>(v);
          if (size == Size::Char) v = static_cast<signed char>(v);
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "lld").c_str(), v);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        unsigned long long v = 0;
        if (size == Size::Long64) {
          v = va_arg(args, unsigned long long);
        } else if (size == Size::Pointer) {
          v = static_cast<unsigned long long>(va_arg(args, std::uintptr_t));
        } else {
          v = va_arg(args, unsigned int);
          if (size == Size::Short) v &= 0xFFFFU;
          if (size == Size::Char) v &= 0xFFU;
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "ll" + conversion).c_str(), v);
        break;
      }
      case 'c':
        if (size == Size::Wide) {
          const auto w = static_cast<wchar_t>(va_arg(args, std::wint_t));
          n = std::snprintf(buffer, sizeof buffer, (spec + "s").c_str(), narrow(&w, 1).c_str());
        } else {
          n = std::snprintf(buffer, sizeof buffer, (spec + "c").c_str(), va_arg(args, int));
        }
        break;
      case 's':
      case 'S': {
        std::string text;
        if (size == Size::Wide || conversion == 'S') {
          const wchar_t* w = va_arg(args, const wchar_t*);
          text = w == nullptr ? "(null)" : narrow(w, std::wcslen(w));
        } else {
          const char* c = va_arg(args, const char*);
          text = c == nullptr ? "(null)" : c;
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "s").c_str(), text.c_str());
        break;
      }
      case 'Z': {
        const auto* u = va_arg(args, const UNICODE_STRING*);
        std::string text = "(null)";
        if (size == Size::Wide && u != nullptr && u->Buffer != nullptr) {
          text = narrow(u->Buffer, u->Length / sizeof(WCHAR));
        }
        n = std::snprintf(buffer, sizeof buffer, (spec + "s").c_str(), text.c_str());
        break;
      }
      case 'p': {
        const auto v =
            static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(va_arg(args, void*)));
        n = std::snprintf(buffer, sizeof buffer, "%0*llX", pointer_digits, v);
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'g':
      case 'G':
        n = std::snprintf(buffer, sizeof buffer, (spec + conversion).c_str(), va_arg(args, double));
        break;
      case 'n':
        static_cast<void>(va_arg(args, void*));  // never written
        break;
      default:
        out.append(start, static_cast<std::size_t>(f - start + 1));  // unknown: as written
        continue;
    }
    if (n > 0) out.append(buffer, std::min(static_cast<std::size_t>(n), sizeof buffer - 1));
  }
  return out;
}

ULONG debug_print(const char* format, va_list args) {
  const Current c = current();
  const int digits = c.kernel != nullptr && c.kernel->profile().arch == ntemu::Arch::X86 ? 8 : 16;
  std::string text = format_wdk(format, args, digits);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (c.state == nullptr) {
    std::fprintf(stderr, "DbgPrint: %s\n", text.c_str());
    return c.kernel == nullptr ? static_cast<ULONG>(STATUS_INVALID_DEVICE_STATE)
                               : static_cast<ULONG>(STATUS_SUCCESS);
  }
  const ntemu::ClientId cid = c.kernel->current_thread().Cid();
  {
    std::lock_guard hold(c.state->m);
    c.state->debug_output.push_back(text);
  }
  c.state->emit(ntemu::Event{"dbgprint", {}}
                    .add("text", text)
                    .add("context_pid", cid.UniqueProcess.value())
                    .add("context_tid", cid.UniqueThread.value()));
  return static_cast<ULONG>(STATUS_SUCCESS);
}
}  // namespace

ULONG DbgPrint(PCSTR Format, ...) {
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_start(args, Format);
  const ULONG r = debug_print(Format, args);
  va_end(args);
  return r;
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) {
  static_cast<void>(ComponentId);  // every component and level is shown
  static_cast<void>(Level);
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_start(args, Format);
  const ULONG r = debug_print(Format, args);
  va_end(args);
  return r;
}

// --- pool
// -----------------------------------------------------------------------------------------

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
  const Current c = current();
  if (c.kernel == nullptr) return nullptr;
  const bool paged = PoolType == PagedPool || PoolType == PagedPoolCacheAligned;
  irql_too_high(paged ? APC_LEVEL : DISPATCH_LEVEL, "ExAllocatePoolWithTag");
  if (c.state != nullptr && !c.state->pool_may_allocate()) return nullptr;
  void* memory = std::malloc(NumberOfBytes == 0 ? 1 : NumberOfBytes);
  if (memory == nullptr) return nullptr;
  std::uint64_t sequence = 0;
  if (c.state != nullptr) {
    const std::string step = c.state->current_step();
    std::lock_guard hold(c.state->m);
    sequence = c.state->next_pool_sequence++;
    c.state->pool[sequence] = {memory, NumberOfBytes, Tag, step};
  }
  std::lock_guard hold(ntemu::wdk::g_pool_lock);
  ntemu::wdk::pool_owners()[memory] = {c.state, sequence, Tag};
  return memory;
}

PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes) {
  return ExAllocatePoolWithTag(PoolType, NumberOfBytes, 0x656E6F4EU);  // 'None'
}

namespace {
void free_pool(PVOID P, const ULONG* tag, const char* function) {
  if (P == nullptr) return;
  ntemu::wdk::PoolOwner owner{};
  bool found = false;
  {
    std::lock_guard hold(ntemu::wdk::g_pool_lock);
    auto it = ntemu::wdk::pool_owners().find(P);
    if (it != ntemu::wdk::pool_owners().end()) {
      found = true;
      owner = it->second;
      ntemu::wdk::pool_owners().erase(it);
    }
  }
  if (!found) {
    // Not a block ntemu handed out (or freed twice): BAD_POOL_CALLER on a real kernel.
    ntemu::wdk::report({ntemu::verify::FindingKind::BadPoolFree,
                        fmt::format("{} was given {:#x}, which is not an allocated pool "
                                    "block (freed twice, or never allocated); nothing "
                                    "was freed",
                                    function, ntemu::wdk::address_of(P)),
                        0, 0, ntemu::wdk::context_step()});
    return;
  }
  if (tag != nullptr && *tag != owner.tag) {
    ntemu::wdk::report(
        {ntemu::verify::FindingKind::PoolTagMismatch,
         fmt::format("{} was given tag '{}' for a block allocated with tag '{}'", function,
                     ntemu::wdk::tag_text(*tag), ntemu::wdk::tag_text(owner.tag)),
         0, 0, ntemu::wdk::context_step()});
  }
  if (owner.state != nullptr) {
    std::lock_guard hold(owner.state->m);
    owner.state->pool.erase(owner.sequence);
  }
  std::free(P);
}
}  // namespace

VOID ExFreePoolWithTag(PVOID P, ULONG Tag) {
  free_pool(P, &Tag, "ExFreePoolWithTag");
}

VOID ExFreePool(PVOID P) {
  free_pool(P, nullptr, "ExFreePool");
}

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
  if (DestinationString == nullptr) return;
  DestinationString->Buffer = const_cast<PWSTR>(SourceString);
  if (SourceString == nullptr) {
    DestinationString->Length = 0;
    DestinationString->MaximumLength = 0;
    return;
  }
  constexpr std::size_t kMaxChars = (std::numeric_limits<USHORT>::max() / sizeof(WCHAR)) - 1;
  const std::size_t chars = std::min(std::wcslen(SourceString), kMaxChars);
  DestinationString->Length = static_cast<USHORT>(chars * sizeof(WCHAR));
  DestinationString->MaximumLength = static_cast<USHORT>((chars + 1) * sizeof(WCHAR));
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive) {
  if (String1 == nullptr || String2 == nullptr) return FALSE;
  if (String1->Length != String2->Length) return FALSE;
  const std::size_t n = String1->Length / sizeof(WCHAR);
  for (std::size_t i = 0; i < n; ++i) {
    wchar_t a = String1->Buffer[i];
    wchar_t b = String2->Buffer[i];
    if (CaseInSensitive) {
      a = static_cast<wchar_t>(std::towupper(static_cast<std::wint_t>(a)));
      b = static_cast<wchar_t>(std::towupper(static_cast<std::wint_t>(b)));
    }
    if (a != b) return FALSE;
  }
  return TRUE;
}

// --- locks and IRQL
// ---------------------------------------------------------------------------------

KIRQL KeGetCurrentIrql(VOID) {
  return ntemu::wdk::t_irql;
}

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock) {
  std::atomic_ref<ULONG_PTR>(*SpinLock).store(0, std::memory_order_release);
}

namespace {
// Takes a lock word (0 = free, else the owner's token); a recursive acquisition, which would
// hang the real machine, is a finding and takes nothing. Returns whether it was taken.
template <class Word>
bool take(Word& word, Word free_value, const char* function) {
  std::atomic_ref<Word> ref(word);
  const auto me = static_cast<Word>(ntemu::wdk::owner_token());
  if (ref.load(std::memory_order_acquire) == me) {
    ntemu::wdk::report({ntemu::verify::FindingKind::LockRecursion,
                        fmt::format("{} on a lock this thread already holds: the real machine "
                                    "would deadlock (or bugcheck); it was not acquired again",
                                    function),
                        0, 0, ntemu::wdk::context_step()});
    return false;
  }
  for (;;) {
    Word expected = free_value;
    if (ref.compare_exchange_weak(expected, me, std::memory_order_acquire)) return true;
    std::this_thread::yield();
  }
}
}  // namespace

VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql) {
  const KIRQL old = ntemu::wdk::t_irql;
  if (OldIrql != nullptr) *OldIrql = old;
  if (take<ULONG_PTR>(*SpinLock, 0, "KeAcquireSpinLock")) {
    ntemu::wdk::t_irql = DISPATCH_LEVEL;
  }
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql) {
  std::atomic_ref<ULONG_PTR>(*SpinLock).store(0, std::memory_order_release);
  ntemu::wdk::t_irql = NewIrql;
}

VOID KeEnterCriticalRegion(VOID) {}

VOID KeLeaveCriticalRegion(VOID) {}

VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex) {
  FastMutex->Count = 1;
  FastMutex->OldIrql = 0;
  FastMutex->Owner = 0;
  FastMutex->Reserved[0] = nullptr;
  FastMutex->Reserved[1] = nullptr;
}

VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex) {
  irql_too_high(APC_LEVEL, "ExAcquireFastMutex");
  // The owner token is the lock word; Count mirrors it for the WDK's "1 = free" reading.
  const KIRQL old = ntemu::wdk::t_irql;
  if (!take<ULONG_PTR>(FastMutex->Owner, 0, "ExAcquireFastMutex")) return;
  std::atomic_ref<LONG>(FastMutex->Count).store(0, std::memory_order_relaxed);
  FastMutex->OldIrql = old;
  ntemu::wdk::t_irql = old > APC_LEVEL ? old : static_cast<KIRQL>(APC_LEVEL);
}

VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex) {
  const auto old = static_cast<KIRQL>(FastMutex->OldIrql);
  std::atomic_ref<LONG>(FastMutex->Count).store(1, std::memory_order_relaxed);
  std::atomic_ref<ULONG_PTR>(FastMutex->Owner).store(0, std::memory_order_release);
  ntemu::wdk::t_irql = old;
}
