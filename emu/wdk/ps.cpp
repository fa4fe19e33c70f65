// Processes, threads and object references as a driver reaches them: the lookups by ID
// (PsLookupProcessByProcessId, PsLookupThreadByThreadId, PsLookupProcessThreadByCid, inline in
// ntemu/wdk/ps.h over the Ntemu* functions here), which take a reference the driver must
// release; the accessors of the current and of a given process or thread (PsGet*,
// IoGetCurrentProcess); and ObReferenceObject / ObDereferenceObject. Every object pointer a
// driver passes in is resolved (guard.hpp) before it is used.
#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"
#include "state.hpp"

using ntemu::Kernel;
using ntemu::wdk::Current;
using ntemu::wdk::current;
using ntemu::wdk::guarded;
using ntemu::wdk::irql_too_high;
using ntemu::wdk::to_ntstatus;
using ntemu::wdk::value_of;

namespace {

// The steps every lookup takes, in the order that decides its status: no current kernel,
// STATUS_INVALID_DEVICE_STATE; `valid` false (a NULL argument), STATUS_INVALID_PARAMETER; else
// the IRQL check, and the kernel's lookup `find(kernel)` under guarded(). The status goes to
// *status (when given).
template <class Find>
void lookup(NTSTATUS* status, bool valid, const char* function, Find&& find) {
  NTSTATUS ignored = STATUS_SUCCESS;
  NTSTATUS& out = status != nullptr ? *status : ignored;
  Kernel* k = Kernel::current();
  if (k == nullptr) {
    out = STATUS_INVALID_DEVICE_STATE;
    return;
  }
  if (!valid) {
    out = STATUS_INVALID_PARAMETER;
    return;
  }
  irql_too_high(APC_LEVEL, function);
  out = guarded(STATUS_UNSUCCESSFUL, function, [&] { return to_ntstatus(find(*k)); });
}

}  // namespace

PEPROCESS NtemuLookupProcessByProcessId(HANDLE ProcessId, BOOLEAN WantProcess, NTSTATUS* Status) {
  PEPROCESS found = nullptr;
  lookup(Status, WantProcess != FALSE, "PsLookupProcessByProcessId", [&](Kernel& k) {
    ntemu::ps::Process* p = nullptr;
    const ntemu::Status st =
        k.PsLookupProcessByProcessId(ntemu::ProcessId{value_of(ProcessId)}, &p);
    if (p != nullptr) found = ntemu::to_peprocess(*p);
    return st;
  });
  return found;
}

PETHREAD NtemuLookupThreadByThreadId(HANDLE ThreadId, BOOLEAN WantThread, NTSTATUS* Status) {
  PETHREAD found = nullptr;
  lookup(Status, WantThread != FALSE, "PsLookupThreadByThreadId", [&](Kernel& k) {
    ntemu::ps::Thread* t = nullptr;
    const ntemu::Status st = k.PsLookupThreadByThreadId(ntemu::ThreadId{value_of(ThreadId)}, &t);
    if (t != nullptr) found = ntemu::to_pethread(*t);
    return st;
  });
  return found;
}

NTEMU_CID_LOOKUP NtemuLookupProcessThreadByCid(PCLIENT_ID Cid, BOOLEAN WantProcess,
                                               BOOLEAN WantThread, NTSTATUS* Status) {
  NTEMU_CID_LOOKUP found{nullptr, nullptr};
  const bool valid = Cid != nullptr && WantThread != FALSE;
  lookup(Status, valid, "PsLookupProcessThreadByCid", [&](Kernel& k) {
    ntemu::ps::Process* p = nullptr;
    ntemu::ps::Thread* t = nullptr;
    const ntemu::ClientId cid{ntemu::ProcessId{value_of(Cid->UniqueProcess)},
                              ntemu::ThreadId{value_of(Cid->UniqueThread)}};
    const ntemu::Status st =
        k.PsLookupProcessThreadByCid(cid, WantProcess != FALSE ? &p : nullptr, &t);
    if (t != nullptr) found.Thread = ntemu::to_pethread(*t);
    if (p != nullptr) found.Process = ntemu::to_peprocess(*p);
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
