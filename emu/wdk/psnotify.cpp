// The notify-routine registrations a driver makes — PsSetCreateProcessNotifyRoutine(Ex),
// PsSetCreateThreadNotifyRoutine, PsRemoveCreateThreadNotifyRoutine — and
// MmGetSystemRoutineAddress, with which a driver probes which of them the running version
// exports. Each registers the C routine's trampoline (trampolines.hpp) with the current kernel,
// so the statuses, slot rules and version differences are the kernel's own; a full trampoline
// pool answers STATUS_INSUFFICIENT_RESOURCES (or, on removal, "not found").
#include <string>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"
#include "state.hpp"
#include "trampolines.hpp"

using ntemu::wdk::Current;
using ntemu::wdk::current;
using ntemu::wdk::guarded;
using ntemu::wdk::irql_too_high;
using ntemu::wdk::to_ntstatus;

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
