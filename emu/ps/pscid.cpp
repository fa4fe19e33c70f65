// SPDX-License-Identifier: MIT
// Client IDs (semantics.md §6, §3.4): the entries processes and threads get in PspCidTable, and
// the lookups by ID that go through it — PsLookupProcessByProcessId, PsLookupThreadByThreadId,
// PsLookupProcessThreadByCid.
#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

namespace ntemu::ps {

Handle Executive::PspCreateCid(ob::Object& object) {
  const Handle h = cid_table_.create({.object = object.address()});
  if (h.is_null()) return h;
  object.pins.fetch_add(1, std::memory_order_acq_rel);
  observe(&KernelObserver::cid_created, h, object);
  return h;
}

bool Executive::PspDestroyCid(Handle h, ob::Object& expected) {
  std::uint64_t named = 0;
  if (!cid_table_.destroy(h, &named)) return false;
  // Normally the entry names `expected`; after a PID poke it may name another object.
  ob::Object* o = named == expected.address() ? &expected : objects_.find(named);
  if (o != nullptr) o->pins.fetch_sub(1, std::memory_order_acq_rel);
  observe(&KernelObserver::cid_destroyed, h, static_cast<const ob::Object*>(o));
  return true;
}

namespace {
// True when a lookup may take a reference: the access gate of the profile (semantics.md §3.4).
bool passes_gate(const Profile& p, std::uint32_t granted_access) {
  return p.lookup_access_gate == LookupAccessGate::None || granted_access != 0;
}
}  // namespace

template <class T, class Fn>
void Executive::PspMapCid(std::uint64_t id, Fn&& fn) {
  // Map (locking the entry), check type and access, reference safely, unlock (§3.4).
  cid_table_.with_locked(Handle{id}, [&](const ex::EntryView& entry) {
    ob::Object* o = objects_.find(entry.object);
    if (o == nullptr || o->is_deleted()) {
      // The real kernel would read the freed object's type and access here (§7.2 point 9);
      // the model reports it and performs nothing.
      observe(&KernelObserver::lookup_reached_deleted, id, entry.object,
              static_cast<const ob::Object*>(o));
      return;
    }
    if (o->type() != T::kObjectType) return;
    T& object = static_cast<T&>(*o);
    if (passes_gate(profile_, object.GrantedAccess.load())) fn(object);
  });
}

Status Executive::PsLookupProcessByProcessId(ProcessId id, Process** process) {
  detail::EntryPoint entry(this, "PsLookupProcessByProcessId");
  *process = nullptr;
  PspMapCid<Process>(id.value(), [&](Process& p) {
    if (objects_.reference_safe(p)) *process = &p;
  });
  return *process != nullptr ? STATUS_SUCCESS : profile_.lookup_failure_status;
}

Status Executive::PsLookupThreadByThreadId(ThreadId id, Thread** thread) {
  detail::EntryPoint entry(this, "PsLookupThreadByThreadId");
  *thread = nullptr;
  PspMapCid<Thread>(id.value(), [&](Thread& t) {
    if (objects_.reference_safe(t)) *thread = &t;
  });
  return *thread != nullptr ? STATUS_SUCCESS : profile_.lookup_failure_status;
}

Status Executive::PsLookupProcessThreadByCid(const ClientId& cid, Process** process,
                                             Thread** thread) {
  detail::EntryPoint entry(this, "PsLookupProcessThreadByCid");
  *thread = nullptr;
  if (process != nullptr) *process = nullptr;
  PspMapCid<Thread>(cid.UniqueThread.value(), [&](Thread& t) {
    if (t.Cid().UniqueProcess != cid.UniqueProcess || !objects_.reference_safe(t)) return;
    *thread = &t;
    if (process != nullptr) {
      objects_.reference(*t.ThreadsProcess);
      *process = t.ThreadsProcess;
    }
  });
  return *thread != nullptr ? STATUS_SUCCESS : STATUS_INVALID_CID;
}

}  // namespace ntemu::ps
