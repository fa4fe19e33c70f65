// SPDX-License-Identifier: MIT
// The notify-routine registrations a driver makes — PsSetCreateProcessNotifyRoutine(Ex),
// PsSetCreateThreadNotifyRoutine, PsRemoveCreateThreadNotifyRoutine, the load-image routines
// PsSetLoadImageNotifyRoutine(Ex) and PsRemoveLoadImageNotifyRoutine — and
// MmGetSystemRoutineAddress, with which a driver probes which of them the running version
// exports. Each registers the C routine's trampoline (trampolines.hpp) with the current kernel,
// so the statuses, slot rules and version differences are the kernel's own; a full trampoline
// pool answers STATUS_INSUFFICIENT_RESOURCES (or, on removal, "not found").
#include <string>

#include "convert.hpp"
#include "guard.hpp"
#include "image.hpp"
#include "state.hpp"
#include "trampolines.hpp"

using ntemu::Kernel;
using ntemu::wdk::Current;
using ntemu::wdk::current;
using ntemu::wdk::to_ntstatus;

namespace {

// A registration (see guarded_call, at PASSIVE_LEVEL): STATUS_NOT_IMPLEMENTED where the
// profile does not export `function` (when `exported` names the profile's answer), else
// `body(kernel)`.
template <class Body>
NTSTATUS registration(const char* function, bool ntemu::Profile::*exported, Body&& body) {
  return ntemu::wdk::guarded_call(function, PASSIVE_LEVEL, true, [&](Kernel& k) {
    if (exported != nullptr && !(k.profile().*exported)) {
      ntemu::wdk::import_not_exported(k, function);
      return STATUS_NOT_IMPLEMENTED;
    }
    return body(k);
  });
}

// A process routine's registration or removal, plain or Ex: its trampoline handed to the
// kernel's `set`. A routine the trampoline pool has no room for is answered as the kernel
// answers a routine it cannot take (STATUS_INSUFFICIENT_RESOURCES) or does not hold (the
// profile's not-found status).
template <class Routine, class Trampoline, class Set>
NTSTATUS set_process_routine(Kernel& k, Routine routine, BOOLEAN remove,
                             Trampoline (*trampoline_of)(Routine), Set set) {
  Trampoline t = nullptr;
  if (routine != nullptr) {
    t = trampoline_of(routine);
    if (t == nullptr) {
      return remove ? to_ntstatus(k.profile().notify_not_found_status)
                    : STATUS_INSUFFICIENT_RESOURCES;
    }
  }
  return to_ntstatus((k.*set)(t, remove != FALSE));
}

}  // namespace

NTSTATUS PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE NotifyRoutine,
                                         BOOLEAN Remove) {
  return registration("PsSetCreateProcessNotifyRoutine", nullptr, [&](Kernel& k) {
    return set_process_routine(k, NotifyRoutine, Remove, &ntemu::wdk::process_trampoline,
                               &Kernel::PsSetCreateProcessNotifyRoutine);
  });
}

NTSTATUS PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX NotifyRoutine,
                                           BOOLEAN Remove) {
  return registration("PsSetCreateProcessNotifyRoutineEx",
                      &ntemu::Profile::has_process_notify_routine_ex, [&](Kernel& k) {
                        if (Remove == FALSE && !ntemu::wdk::linked_with_integrity_check(k))
                          return STATUS_ACCESS_DENIED;  // not linked with /INTEGRITYCHECK
                        return set_process_routine(k, NotifyRoutine, Remove,
                                                   &ntemu::wdk::process_ex_trampoline,
                                                   &Kernel::PsSetCreateProcessNotifyRoutineEx);
                      });
}

NTSTATUS PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine) {
  return registration("PsSetCreateThreadNotifyRoutine", nullptr, [&](Kernel& k) {
    ntemu::PCREATE_THREAD_NOTIFY_ROUTINE t = nullptr;
    if (NotifyRoutine != nullptr) {
      t = ntemu::wdk::thread_trampoline(NotifyRoutine);
      if (t == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
    }
    return to_ntstatus(k.PsSetCreateThreadNotifyRoutine(t));
  });
}

NTSTATUS PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine) {
  return registration("PsRemoveCreateThreadNotifyRoutine",
                      &ntemu::Profile::has_remove_thread_notify_routine, [&](Kernel& k) {
                        const auto t = NotifyRoutine != nullptr
                                           ? ntemu::wdk::thread_trampoline(NotifyRoutine)
                                           : nullptr;
                        if (t == nullptr) return to_ntstatus(k.profile().notify_not_found_status);
                        return to_ntstatus(k.PsRemoveCreateThreadNotifyRoutine(t));
                      });
}

namespace {
// A load-image routine's registration, plain or Ex: its trampoline handed to `set`.
template <class Set>
NTSTATUS set_image_routine(Kernel& k, PLOAD_IMAGE_NOTIFY_ROUTINE routine, Set&& set) {
  ntemu::PLOAD_IMAGE_NOTIFY_ROUTINE t = nullptr;
  if (routine != nullptr) {
    t = ntemu::wdk::image_trampoline(routine);
    if (t == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  }
  return to_ntstatus(set(k, t));
}
}  // namespace

NTSTATUS PsSetLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine) {
  return registration("PsSetLoadImageNotifyRoutine", nullptr, [&](Kernel& k) {
    return set_image_routine(k, NotifyRoutine, [](Kernel& kernel, auto t) {
      return kernel.PsSetLoadImageNotifyRoutine(t);
    });
  });
}

NTSTATUS PsSetLoadImageNotifyRoutineEx(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine, ULONG_PTR Flags) {
  return registration("PsSetLoadImageNotifyRoutineEx",
                      &ntemu::Profile::has_load_image_notify_routine_ex, [&](Kernel& k) {
                        return set_image_routine(k, NotifyRoutine, [&](Kernel& kernel, auto t) {
                          return kernel.PsSetLoadImageNotifyRoutineEx(t, Flags);
                        });
                      });
}

NTSTATUS PsRemoveLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine) {
  return registration("PsRemoveLoadImageNotifyRoutine",
                      &ntemu::Profile::has_remove_load_image_notify_routine, [&](Kernel& k) {
                        const auto t = NotifyRoutine != nullptr
                                           ? ntemu::wdk::image_trampoline(NotifyRoutine)
                                           : nullptr;
                        if (t == nullptr) return to_ntstatus(k.profile().notify_not_found_status);
                        return to_ntstatus(k.PsRemoveLoadImageNotifyRoutine(t));
                      });
}

extern "C" PCHAR PsGetProcessImageFileName(PEPROCESS Process);

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
      {L"PsSetLoadImageNotifyRoutine", reinterpret_cast<PVOID>(&PsSetLoadImageNotifyRoutine), true},
      {L"PsSetLoadImageNotifyRoutineEx", reinterpret_cast<PVOID>(&PsSetLoadImageNotifyRoutineEx),
       p.has_load_image_notify_routine_ex},
      {L"PsRemoveLoadImageNotifyRoutine", reinterpret_cast<PVOID>(&PsRemoveLoadImageNotifyRoutine),
       p.has_remove_load_image_notify_routine},
      {L"PsGetProcessImageFileName", reinterpret_cast<PVOID>(&PsGetProcessImageFileName), true},
      {L"SeLocateProcessImageName", reinterpret_cast<PVOID>(&SeLocateProcessImageName),
       p.has_se_locate_process_image_name},
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
