// SPDX-License-Identifier: MIT
// The verifier's audit: PspCidTable against the objects (dangling, leaked and duplicate
// entries), the routines' books (unbalanced notifies), and the notify arrays against their
// counters and EX_CALLBACK blocks. Read-only on the machine.
#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <boost/container/flat_map.hpp>
#include <boost/container/flat_set.hpp>

#include "books.hpp"
#include "ntemu/verify/verifier.hpp"

namespace ntemu::verify {
namespace {

// What an entry names, read while the entry is locked: an object some entry names is never
// released (ReclaimUnnamed), so it cannot go away under the reading.
struct EntryFacts {
  std::uint64_t handle = 0;
  std::uint64_t address = 0;
  bool present = false;
  bool deleted = false;
  ob::ObjectType type = ob::ObjectType::Process;
  std::string name;
  std::uint64_t owned = 0;  // the ID the object carries now
  std::uint32_t step_deleted = 0;
  std::uint32_t step_cid = 0;
};

EntryFacts read_entry(ps::Executive& executive, Handle h, const ex::EntryView& e) {
  EntryFacts f;
  f.handle = h.value();
  f.address = e.object;
  if (const ob::Object* o = executive.objects().find(e.object)) {
    f.present = true;
    f.deleted = o->is_deleted();
    f.type = o->type();
    f.name = ps::object_name(*o);
    f.owned = current_id(*o, o->type() == ob::ObjectType::Process ? kProcessIds : kThreadIds);
    f.step_deleted = o->annotations[kStepDeleted].load();
    f.step_cid = o->annotations[kStepCidCreated].load();
  }
  return f;
}

// Not exiting, and (unless any state will do) with a thread that has not exited.
bool process_running(const ps::Process& p, bool any_state) NTEMU_REQUIRES(p.ProcessLock) {
  const bool exiting =
      (p.Flags.load(std::memory_order_acquire) & ps::Process::kFlagProcessExiting) != 0;
  return !exiting && (any_state || p.ActiveThreads > 0);
}

// A live object that has not exited and carries the key's ID now, found through the ID's
// PspCidTable entry and read while that entry is locked (so the object cannot be released).
// ID 0 is nobody's: Idle keeps it but is never in PspCidTable, and a routine told 0 can never
// be told 0 exited.
bool running_with_id(ps::Executive& executive, std::uint64_t key) {
  const BalanceKind kind = BalanceKey::kind(key);
  const std::uint64_t id = BalanceKey::id(key);
  if (id == 0) return false;
  bool running = false;
  executive.cid_table().with_locked(Handle{id}, [&](const ex::EntryView& e) {
    ob::Object* o = executive.objects().find(e.object);
    if (o == nullptr || o->is_deleted()) return;
    if (o->type() == ob::ObjectType::Thread) {
      auto* t = static_cast<ps::Thread*>(o);
      running = kind == kThreadIds &&
                (t->CrossThreadFlags.load() & ps::Thread::kFlagTerminated) == 0 &&
                t->tid().value() == id;
      return;
    }
    if (kind == kThreadIds) return;
    auto* p = static_cast<ps::Process*>(o);
    if (p->pid().value() != id) return;
    // Never wait for a process lock here: another host thread may hold it around a notify call
    // (win2000). A process whose lock is busy is live and being worked on.
    if (p->ProcessLock.held_by_current_thread()) {
      p->ProcessLock.assert_held();
      running = process_running(*p, kind == kProcessIds);
      return;
    }
    if (!p->ProcessLock.try_lock()) {
      running = true;
      return;
    }
    running = process_running(*p, kind == kProcessIds);
    p->ProcessLock.unlock();
  });
  return running;
}

}  // namespace

std::vector<Finding> Verifier::audit(AuditEvents events) {
  std::vector<Finding> found;
  {
    MutexLocker hold(books_->lock);
    found = books_->raised;
  }
  const std::size_t already = found.size();
  // PspCidTable: entries to tombstones, entries their objects no longer own, duplicates. Each
  // entry is judged as it is read; only its object's address and its handle are kept (16 bytes
  // an entry: the audit at the end of a million-process run must not double its memory), and
  // entries sharing an object are read again once they are known.
  struct Named {
    std::uint64_t address;
    std::uint64_t handle;
  };
  std::vector<Named> live;
  live.reserve(executive_.cid_table().handle_count());
  std::vector<EntryFacts> odd;  // dangling or leaked: judged below, outside the entry locks
  executive_.cid_table().enumerate([&](Handle handle, const ex::EntryView& e) {
    EntryFacts f = read_entry(executive_, handle, e);
    const bool dangling = !f.present || f.deleted;
    if (!dangling) live.push_back({f.address, f.handle});
    if (dangling || f.owned != f.handle) odd.push_back(std::move(f));
  });
  for (const EntryFacts& f : odd) {
    const std::uint64_t h = f.handle;
    const std::uint64_t address = f.address;
    if (!f.present || f.deleted) {
      const std::string step = books_->step_text(f.step_deleted);
      found.push_back(
          {FindingKind::DanglingCid,
           fmt::format("PspCidTable entry {:#x} still points at {} {} ({:#x}), deleted at "
                       "'{}': a lookup of {:#x} would use freed memory, and the ID is never reused",
                       h, f.present ? ob::to_string(f.type) : "object", f.present ? f.name : "?",
                       address, step, h),
           h, address, step});
      continue;
    }
    found.push_back({FindingKind::LeakedCid,
                     fmt::format("PspCidTable entry {:#x} points at {} {}, whose ID is now "
                                 "{:#x}: its deletion will not destroy {:#x}",
                                 h, ob::to_string(f.type), f.name, f.owned, h),
                     h, address, books_->noted(&Books::pid_changed_step, address)});
  }
  // By address, each object's handles in table order.
  std::stable_sort(live.begin(), live.end(),
                   [](const Named& a, const Named& b) { return a.address < b.address; });
  for (std::size_t i = 0; i < live.size();) {
    std::size_t j = i + 1;
    while (j < live.size() && live[j].address == live[i].address)
      ++j;
    if (j - i >= 2) {
      // The facts of the object as its last entry names it.
      EntryFacts f;
      (void)executive_.cid_table().with_locked(
          Handle{live[j - 1].handle}, [&](const ex::EntryView& e) {
            f = read_entry(executive_, Handle{live[j - 1].handle}, e);
          });
      std::string list;
      for (std::size_t k = i; k < j; ++k)
        list += fmt::format("{}{:#x}", list.empty() ? "" : ", ", live[k].handle);
      found.push_back({FindingKind::DuplicateCid,
                       fmt::format("{} {} has {} PspCidTable entries: {}", ob::to_string(f.type),
                                   f.name, j - i, list),
                       live[j - 1].handle, live[i].address, books_->step_text(f.step_cid)});
    }
    i = j;
  }
  // Notify bookkeeping: per routine and ID, creates and exits must pair up once the object is
  // gone. Reported by routine symbol, kind and ID, whatever the host's hash order.
  struct Open {
    std::string routine;
    std::uint64_t key;  // kind and ID (BalanceKey): ordered by kind, then ID
    Balance b;
    bool ended;  // of a registration that ended: already judged a hazard
  };
  std::vector<Open> unpaired;
  std::vector<RoutineBook*> books;
  {
    MutexLocker hold(books_->lock);
    for (const auto& book : books_->routines)
      books.push_back(book.get());
  }
  {
    SpinLocker hold(books_->counts);
    books_->settle();
    for (RoutineBook* book : books) {
      const std::string name = book->routine.symbol_or_unknown().text();
      const std::uint32_t now = book->generation.load(std::memory_order_acquire);
      book->balance.for_each([&](std::uint64_t key, const Balance& b) {
        if (b.creates == b.exits) return;
        const bool ended = b.generation != now;
        if (ended && !book->closed_hazard(key, b)) return;
        unpaired.push_back({name, key, b, ended});
      });
      for (const Unpaired& c : book->closed) {
        unpaired.push_back({name, c.key, c.balance, true});
      }
    }
  }
  std::stable_sort(unpaired.begin(), unpaired.end(), [](const Open& a, const Open& b) {
    return std::tie(a.routine, a.key, a.b.last_step) < std::tie(b.routine, b.key, b.b.last_step);
  });
  for (const Open& u : unpaired) {
    // A running object with this ID may still get its exits: only judge the ones that are gone.
    if (!u.ended && running_with_id(executive_, u.key)) continue;
    const BalanceKind kind = BalanceKey::kind(u.key);
    const std::uint64_t id = BalanceKey::id(u.key);
    const char* what = kind == kProcessIds  ? "process"
                       : kind == kThreadIds ? "thread"
                                            : "threads of process";
    found.push_back({FindingKind::UnbalancedNotify,
                     fmt::format("{} saw {} create(s) and {} exit(s) for {} ID {:#x}", u.routine,
                                 u.b.creates, u.b.exits, what, id),
                     id, 0, books_->step_text(u.b.last_step)});
  }
  // The notify arrays: the registration counter against the slots, and (EX_CALLBACK) blocks
  // that no slot names any more but were never freed.
  auto audit_array = [&](const ps::NotifySlots& array, std::string_view name, std::uint64_t which) {
    const std::uint32_t in_use = array.in_use();
    if (in_use != array.count()) {
      found.push_back({FindingKind::NotifyCountMismatch,
                       fmt::format("{}Count is {} but {} slot(s) hold a routine: a slot was "
                                   "written outside the API",
                                   name, array.count(), in_use),
                       0, 0, books_->noted(&Books::slot_cleared_step, which)});
    }
  };
  constexpr ps::NotifyKind kKinds[] = {ps::NotifyKind::Process, ps::NotifyKind::Thread,
                                       ps::NotifyKind::Image};
  for (ps::NotifyKind kind : kKinds) {
    audit_array(executive_.notify_array(kind), ps::array_name(kind),
                static_cast<std::uint64_t>(kind));
  }
  if (executive_.profile().notify_storage == NotifyStorage::ExCallback) {
    const Arch arch = executive_.profile().arch;
    boost::container::flat_set<std::uint64_t> installed;
    for (ps::NotifyKind kind : kKinds) {
      const ps::NotifySlots* array = &executive_.notify_array(kind);
      for (std::uint32_t i = 0; i < array->size(); ++i) {
        if (array->raw(i) != 0) installed.insert(ex::FastRef::object(array->raw(i), arch));
      }
    }
    for (const ex::CallbackBlock* block : executive_.callbacks().blocks()) {
      if (block->is_freed() || installed.count(block->address()) != 0) continue;
      if (block->RundownProtect.is_active()) continue;  // a removal is running it down now
      found.push_back(
          {FindingKind::LostCallbackBlock,
           fmt::format("EX_CALLBACK block {:#x} of {} is in no slot and was never freed: its "
                       "rundown still counts {} holder(s) that can never release it",
                       block->address(), executive_.routine_symbol(block->Function),
                       block->RundownProtect.holders()),
           0, block->address(), books_->noted(&Books::slot_cleared_step, block->address())});
    }
  }
  if (events == AuditEvents::EmitNew && sink_ != nullptr) {
    for (std::size_t i = already; i < found.size(); ++i)
      sink_->emit(finding_event(found[i]));
  }
  {
    MutexLocker hold(books_->lock);
    found.insert(found.end(), books_->reported.begin(), books_->reported.end());
  }
  return found;
}

}  // namespace ntemu::verify
