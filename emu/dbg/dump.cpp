// SPDX-License-Identifier: MIT
#include "ntemu/dbg/dump.hpp"

#include <vector>

#include <fmt/format.h>

namespace ntemu::dbg {
namespace {

std::string dump_array(const ps::Executive& executive, ps::NotifyKind kind, std::string_view array,
                       const ps::NotifySlots& a, const RoutineNote& note) {
  std::string out = fmt::format("{}: {} slots, {}Count {}", array, a.size(), array, a.count());
  for (std::uint32_t i = 0; i < a.size(); ++i) {
    const void* r = a.routine(i);
    if (!a.occupied(i)) {
      // A run of empty slots is one line ("[2..63] (empty)"), as a debugger user skims it.
      std::uint32_t last = i;
      while (last + 1 < a.size() && !a.occupied(last + 1))
        ++last;
      out += last == i ? fmt::format("\n  [{}] (empty)", i)
                       : fmt::format("\n  [{}..{}] (empty)", i, last);
      i = last;
      continue;
    }
    out += fmt::format("\n  [{}] {}", i, executive.routine_symbol(r));
    if (a.storage() == NotifyStorage::ExCallback) {
      // The EX_FAST_REF word as a debugger shows it: block address | cached references.
      const std::uint64_t raw = a.raw(i);
      const Arch arch = executive.profile().arch;
      out += fmt::format("  raw {:#x} (block {:#x}, cached {}, rundown holders {})", raw,
                         ex::FastRef::object(raw, arch), ex::FastRef::cached(raw, arch),
                         a.block(i)->RundownProtect.holders());
    }
    if (note && r != nullptr) out += note(kind, r);
  }
  if (const std::uint32_t nulls = a.null_registrations(); nulls != 0) {
    out += fmt::format("\n  ({} NULL routine{} registered: counted, in no slot)", nulls,
                       nulls == 1 ? "" : "s");
  }
  return out;
}

}  // namespace

std::string format_address(std::uint64_t address, Arch arch) {
  return arch == Arch::X86 ? fmt::format("{:08x}", address) : fmt::format("{:016x}", address);
}

std::string dump_cid_table(ps::Executive& executive) {
  struct Row {
    std::uint64_t handle;
    std::uint64_t object;
  };
  std::vector<Row> rows;
  ex::AnyHandleTable& table = executive.cid_table();
  const Arch arch = executive.profile().arch;
  // Collect under the entry locks, describe after (objects() takes its own lock).
  table.enumerate([&](Handle h, const ex::EntryView& e) { rows.push_back({h.value(), e.object}); });
  std::string out =
      fmt::format("PspCidTable: HandleCount {}, level {}", table.handle_count(), table.level());
  out += fmt::format("\n  {:<6}  {:<{}}  {:<7}  {}", "handle", "object", arch == Arch::X86 ? 8 : 16,
                     "type", "name");
  for (const Row& r : rows) {
    const ob::Object* o = executive.objects().find(r.object);
    std::string type = "?";
    std::string what = "(no object at this address)";
    if (o != nullptr) {
      type = std::string(ob::to_string(o->type()));
      what = ps::object_name(*o);
      if (o->type() == ob::ObjectType::Thread) {
        const auto& t = static_cast<const ps::Thread&>(*o);
        what += fmt::format("  Cid {}  in {}", t.Cid(), t.ThreadsProcess->ImageFileName);
      } else {
        const auto& p = static_cast<const ps::Process&>(*o);
        what += fmt::format("  UniqueProcessId {:#x}", p.pid().value());
      }
      if (o->is_deleted()) what += "  (deleted: a tombstone)";
    }
    out += fmt::format("\n  {:#06x}  {}  {:<7}  {}", r.handle, format_address(r.object, arch), type,
                       what);
  }
  return out;
}

std::string dump_callbacks(const ps::Executive& executive, const RoutineNote& note) {
  std::string out;
  for (ps::NotifyKind kind :
       {ps::NotifyKind::Process, ps::NotifyKind::Thread, ps::NotifyKind::Image}) {
    if (!out.empty()) out += "\n";
    out += dump_array(executive, kind, ps::array_name(kind), executive.notify_array(kind), note);
  }
  return out;
}

std::string dump_process(ps::Process& p, Arch arch) {
  std::uint32_t active = 0;
  std::uint32_t flags = 0;
  ps::ThreadList::Snapshot threads;
  {
    MutexLocker hold(p.ProcessLock);
    active = p.ActiveThreads;
    flags = p.Flags.load(std::memory_order_acquire);
    threads = p.ThreadListHead.snapshot();
  }
  std::string out =
      fmt::format("PROCESS {}  object {}", p.ImageFileName, format_address(p.address(), arch));
  if (p.is_deleted()) out += "  (deleted: a tombstone)";
  out += fmt::format("\n  UniqueProcessId               {:#x}", p.pid().value());
  out += fmt::format("\n  InheritedFromUniqueProcessId  {:#x}",
                     p.InheritedFromUniqueProcessId.value());
  out += fmt::format("\n  ObjectTable                   owner {:#x}, HandleCount {}",
                     p.ObjectTable->owner().value(), p.ObjectTable->handle_count());
  out += fmt::format("\n  ActiveThreads                 {}", active);
  out += fmt::format("\n  Flags                         {:#x}", flags);
  out += fmt::format("\n  GrantedAccess                 {:#x}", p.GrantedAccess.load());
  out +=
      fmt::format("\n  PointerCount, HandleCount     {}, {}", p.pointer_count(), p.handle_count());
  for (const ps::Thread* t : threads) {
    out += fmt::format("\n  THREAD {}  Cid {}  object {}", t->Name, t->Cid(),
                       format_address(t->address(), arch));
  }
  return out;
}

}  // namespace ntemu::dbg
