// SPDX-License-Identifier: MIT
// Processes, threads and object references as a driver reaches them: the lookups by ID
// (PsLookupProcessByProcessId, PsLookupThreadByThreadId, PsLookupProcessThreadByCid, inline in
// ntemu/wdk/ps.h over the Ntemu* functions here), which take a reference the driver must
// release; the accessors of the current and of a given process or thread (PsGet*,
// IoGetCurrentProcess); what a process tells of its image (PsGetProcessImageFileName,
// SeLocateProcessImageName); and ObReferenceObject / ObDereferenceObject. Every object pointer a
// driver passes in is resolved (guard.hpp) before it is used; every reference taken or dropped
// is recorded for `reference-leak` (references.hpp), and opaque objects are counted there.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "convert.hpp"
#include "guard.hpp"
#include "references.hpp"
#include "state.hpp"

using ntemu::Kernel;
namespace ob = ntemu::ob;
namespace ps = ntemu::ps;
using ntemu::wdk::Current;
using ntemu::wdk::current;
using ntemu::wdk::guarded;
using ntemu::wdk::to_ntstatus;
using ntemu::wdk::value_of;

namespace {

// A lookup (see guarded_call), its status stored in *status when given.
template <class Find>
void lookup(NTSTATUS* status, bool valid, const char* function, Find&& find) {
  const NTSTATUS st = ntemu::wdk::guarded_call(function, APC_LEVEL, valid,
                                               [&](Kernel& k) { return to_ntstatus(find(k)); });
  if (status != nullptr) *status = st;
}

// The steps of every function given an object pointer: 0 / NULL with no current kernel, or when
// `pointer` names no live `T` (a finding: see resolve()); else `get(object, kernel)`.
template <class T, class Get>
auto with_object(const void* pointer, const char* function, Get&& get) {
  using Result = decltype(get(std::declval<T&>(), std::declval<Kernel&>()));
  const Current c = current();
  if (c.kernel == nullptr) return Result{};
  T* object = ntemu::wdk::resolve_as<T>(c, pointer, function);
  return object == nullptr ? Result{} : get(*object, *c.kernel);
}

}  // namespace

PEPROCESS NtemuLookupProcessByProcessId(HANDLE ProcessId, BOOLEAN WantProcess, NTSTATUS* Status) {
  PEPROCESS found = nullptr;
  lookup(Status, WantProcess != FALSE, "PsLookupProcessByProcessId", [&](Kernel& k) {
    ps::Process* p = nullptr;
    const ntemu::Status st =
        k.PsLookupProcessByProcessId(ntemu::ProcessId{value_of(ProcessId)}, &p);
    if (p != nullptr) {
      found = ntemu::to_peprocess(*p);
      ntemu::wdk::note_reference(current(), *p, "PsLookupProcessByProcessId");
    }
    return st;
  });
  return found;
}

PETHREAD NtemuLookupThreadByThreadId(HANDLE ThreadId, BOOLEAN WantThread, NTSTATUS* Status) {
  PETHREAD found = nullptr;
  lookup(Status, WantThread != FALSE, "PsLookupThreadByThreadId", [&](Kernel& k) {
    ps::Thread* t = nullptr;
    const ntemu::Status st = k.PsLookupThreadByThreadId(ntemu::ThreadId{value_of(ThreadId)}, &t);
    if (t != nullptr) {
      found = ntemu::to_pethread(*t);
      ntemu::wdk::note_reference(current(), *t, "PsLookupThreadByThreadId");
    }
    return st;
  });
  return found;
}

NTEMU_CID_LOOKUP NtemuLookupProcessThreadByCid(PCLIENT_ID Cid, BOOLEAN WantProcess,
                                               BOOLEAN WantThread, NTSTATUS* Status) {
  NTEMU_CID_LOOKUP found{nullptr, nullptr};
  const bool valid = Cid != nullptr && WantThread != FALSE;
  lookup(Status, valid, "PsLookupProcessThreadByCid", [&](Kernel& k) {
    ps::Process* p = nullptr;
    ps::Thread* t = nullptr;
    const ntemu::ClientId cid{ntemu::ProcessId{value_of(Cid->UniqueProcess)},
                              ntemu::ThreadId{value_of(Cid->UniqueThread)}};
    const ntemu::Status st =
        k.PsLookupProcessThreadByCid(cid, WantProcess != FALSE ? &p : nullptr, &t);
    if (t != nullptr) {
      found.Thread = ntemu::to_pethread(*t);
      ntemu::wdk::note_reference(current(), *t, "PsLookupProcessThreadByCid");
    }
    if (p != nullptr) {
      found.Process = ntemu::to_peprocess(*p);
      ntemu::wdk::note_reference(current(), *p, "PsLookupProcessThreadByCid");
    }
    return st;
  });
  return found;
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
  return with_object<ps::Process>(
      Process, "PsGetProcessId", [](ps::Process& p, Kernel&) { return ntemu::to_handle(p.pid()); });
}

HANDLE PsGetProcessInheritedFromUniqueProcessId(PEPROCESS Process) {
  return with_object<ps::Process>(
      Process, "PsGetProcessInheritedFromUniqueProcessId",
      [](ps::Process& p, Kernel&) { return ntemu::to_handle(p.InheritedFromUniqueProcessId); });
}

HANDLE PsGetThreadId(PETHREAD Thread) {
  return with_object<ps::Thread>(Thread, "PsGetThreadId",
                                 [](ps::Thread& t, Kernel&) { return ntemu::to_handle(t.tid()); });
}

HANDLE PsGetThreadProcessId(PETHREAD Thread) {
  return with_object<ps::Thread>(Thread, "PsGetThreadProcessId", [](ps::Thread& t, Kernel&) {
    return ntemu::to_handle(t.Cid().UniqueProcess);
  });
}

PEPROCESS PsGetThreadProcess(PETHREAD Thread) {
  return with_object<ps::Thread>(Thread, "PsGetThreadProcess", [](ps::Thread& t, Kernel&) {
    return ntemu::to_peprocess(*t.ThreadsProcess);
  });
}

// Not declared by the WDK's headers (drivers declare it): defined with C linkage here.
extern "C" PCHAR PsGetProcessImageFileName(PEPROCESS Process);

PCHAR PsGetProcessImageFileName(PEPROCESS Process) {
  return with_object<ps::Process>(Process, "PsGetProcessImageFileName",
                                  [](ps::Process& p, Kernel&) -> PCHAR {
                                    return p.ShortImageName.data();  // the EPROCESS field
                                  });
}

NTSTATUS SeLocateProcessImageName(PEPROCESS Process, PUNICODE_STRING* pImageFileName) {
  const Current c = current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  if (!c.kernel->profile().has_se_locate_process_image_name) return STATUS_NOT_IMPLEMENTED;
  return ntemu::wdk::guarded_call(
      "SeLocateProcessImageName", PASSIVE_LEVEL, pImageFileName != nullptr, [&](Kernel&) {
        ps::Process* p =
            ntemu::wdk::resolve_as<ps::Process>(c, Process, "SeLocateProcessImageName");
        if (p == nullptr) return STATUS_INVALID_PARAMETER;
        if (p->ImagePath.empty()) return STATUS_NOT_FOUND;  // System, Idle: no image file
        // One block: the UNICODE_STRING, then its characters, as the documentation describes.
        const std::wstring path = ntemu::wdk::widen(p->ImagePath);
        const std::size_t chars = std::min<std::size_t>(path.size(), 0xFFFC / sizeof(WCHAR) - 1);
        const std::size_t bytes = sizeof(UNICODE_STRING) + (chars + 1) * sizeof(WCHAR);
        void* block = ExAllocatePoolWithTag(PagedPool, bytes, 0x6D4E6553U);  // 'SeNm'
        if (block == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
        auto* name = static_cast<PUNICODE_STRING>(block);
        auto* text =
            reinterpret_cast<PWSTR>(static_cast<unsigned char*>(block) + sizeof(UNICODE_STRING));
        std::memcpy(text, path.data(), chars * sizeof(WCHAR));
        text[chars] = L'\0';
        name->Buffer = text;
        name->Length = static_cast<USHORT>(chars * sizeof(WCHAR));
        name->MaximumLength = static_cast<USHORT>(name->Length + sizeof(WCHAR));
        *pImageFileName = name;
        return STATUS_SUCCESS;
      });
}

LONG_PTR ObfReferenceObject(PVOID Object) {
  if (ntemu::wdk::count_opaque(current(), Object, +1, "ObReferenceObject")) return 1;
  return with_object<ob::Object>(Object, "ObReferenceObject", [](ob::Object& o, Kernel& k) {
    k.ObReferenceObject(o);
    ntemu::wdk::note_reference(current(), o, "ObReferenceObject");
    return static_cast<LONG_PTR>(o.pointer_count());
  });
}

LONG_PTR ObfDereferenceObject(PVOID Object) {
  if (ntemu::wdk::count_opaque(current(), Object, -1, "ObDereferenceObject")) return 1;
  return with_object<ob::Object>(Object, "ObDereferenceObject", [](ob::Object& o, Kernel& k) {
    return guarded(LONG_PTR{0}, "ObDereferenceObject", [&] {
      ntemu::wdk::note_dereference(current(), o);
      k.ObDereferenceObject(o);  // the last reference deletes (a tombstone stays)
      return static_cast<LONG_PTR>(o.pointer_count());
    });
  });
}

VOID ObReferenceObject(PVOID Object) {
  static_cast<void>(ObfReferenceObject(Object));
}

VOID ObDereferenceObject(PVOID Object) {
  static_cast<void>(ObfDereferenceObject(Object));
}
