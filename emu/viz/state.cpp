// SPDX-License-Identifier: MIT
// Capturing the machine's state for the pictures: PspCidTable's entries (collected under their
// entry locks, described after), every process and thread object in creation order, live or a
// tombstone, and the notify arrays read as a debugger reads them (no references taken).
#include "ntemu/viz/state.hpp"

#include <algorithm>
#include <unordered_set>

#include "ntemu/ex/callback.hpp"
#include "ntemu/ex/fast_ref.hpp"
#include "ntemu/ps/process.hpp"
#include "ntemu/ps/thread.hpp"

namespace ntemu::viz {
namespace {

ArrayState capture_array(const ps::Executive& executive, ps::NotifyKind kind) {
  static constexpr const char* kKinds[] = {"process", "thread", "image"};
  const ps::NotifySlots& a = executive.notify_array(kind);
  ArrayState out;
  out.name = std::string(ps::array_name(kind));
  out.kind = kKinds[static_cast<int>(kind)];
  out.size = a.size();
  out.count = a.count();
  out.ex_callback = a.storage() == NotifyStorage::ExCallback;
  const Arch arch = executive.profile().arch;
  for (std::uint32_t i = 0; i < a.size(); ++i) {
    if (!a.occupied(i)) continue;
    SlotState s;
    s.index = i;
    s.routine = executive.routine_symbol(a.routine(i));
    if (out.ex_callback) {
      s.raw = a.raw(i);
      s.block = ex::FastRef::object(s.raw, arch);
      s.cached = ex::FastRef::cached(s.raw, arch);
      if (const ex::CallbackBlock* b = a.block(i)) s.rundown = b->RundownProtect.raw();
    }
    out.occupied.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::size_t State::thread_count() const {
  std::size_t n = 0;
  for (const ProcessState& p : processes)
    n += p.threads.size();
  return n;
}

std::size_t State::dangling_entries() const {
  return static_cast<std::size_t>(std::count_if(cid_entries.begin(), cid_entries.end(),
                                                [](const CidEntry& e) { return e.deleted; }));
}

State capture_state(ps::Executive& executive) {
  State s;
  s.kernel = std::string(to_string(executive.profile().version));
  s.arch = std::string(to_string(executive.profile().arch));
  s.bugchecked = executive.bugcheck() != nullptr;

  ex::AnyHandleTable& table = executive.cid_table();
  table.enumerate([&](Handle h, const ex::EntryView& e) {
    CidEntry entry;
    entry.handle = h.value();
    entry.object = e.object;
    s.cid_entries.push_back(std::move(entry));
  });
  s.cid_handle_count = table.handle_count();
  for (CidEntry& e : s.cid_entries) {
    const ob::Object* o = executive.objects().find(e.object);
    if (o == nullptr) continue;
    e.type = std::string(ob::to_string(o->type()));
    e.name = ps::object_name(*o);
    e.deleted = o->is_deleted();
    if (o->type() == ob::ObjectType::Process) {
      e.carried_id = static_cast<const ps::Process&>(*o).pid().value();
    } else {
      e.carried_id = static_cast<const ps::Thread&>(*o).Cid().UniqueThread.value();
    }
  }

  const ps::Process* idle = &executive.idle_process();
  const ps::Process* system = &executive.system_process();
  const std::vector<ob::Object*> objects = executive.objects().all();
  for (const ob::Object* o : objects) {
    if (o->type() != ob::ObjectType::Process) continue;
    const auto& p = static_cast<const ps::Process&>(*o);
    if (&p == idle) continue;  // no real process: ID 0, never in PspCidTable
    ProcessState ps;
    ps.address = p.address();
    ps.name = p.ImageFileName;
    ps.pid = p.pid().value();
    ps.parent = p.InheritedFromUniqueProcessId.value();
    {
      MutexLocker hold(p.ProcessLock);
      ps.active_threads = p.ActiveThreads;
    }
    ps.flags = p.Flags.load(std::memory_order_acquire);
    ps.pointer_count = p.pointer_count();
    ps.handle_count = p.handle_count();
    ps.deleted = p.is_deleted();
    ps.boot = &p == system;
    s.processes.push_back(std::move(ps));
  }
  for (const ob::Object* o : objects) {
    if (o->type() != ob::ObjectType::Thread) continue;
    const auto& t = static_cast<const ps::Thread&>(*o);
    const auto owner = std::find_if(s.processes.begin(), s.processes.end(), [&](const auto& p) {
      return p.address == t.ThreadsProcess->address();
    });
    if (owner == s.processes.end()) continue;  // its process was released (ReclaimUnnamed)
    const ClientId cid = t.Cid();
    const std::uint32_t flags = t.CrossThreadFlags.load();
    owner->threads.push_back({t.address(), t.Name, cid.UniqueProcess.value(),
                              cid.UniqueThread.value(), t.is_system(),
                              (flags & ps::Thread::kFlagTerminated) != 0, t.is_deleted()});
  }

  for (ps::NotifyKind kind :
       {ps::NotifyKind::Process, ps::NotifyKind::Thread, ps::NotifyKind::Image}) {
    s.arrays.push_back(capture_array(executive, kind));
  }
  std::unordered_set<std::uint64_t> named;
  for (const ArrayState& a : s.arrays) {
    for (const SlotState& slot : a.occupied)
      named.insert(slot.block);
  }
  for (const ex::CallbackBlock* b : executive.callbacks().blocks()) {
    if (b->is_freed() || named.count(b->address()) != 0) continue;
    s.lost_blocks.push_back(
        {b->address(), executive.routine_symbol(b->Function), b->RundownProtect.raw()});
  }
  return s;
}

}  // namespace ntemu::viz
