// SPDX-License-Identifier: MIT
// The verifier's hooks: what it records as the executive reports each step, and the findings it
// raises at once (semantics.md §7 hazards). The audit is in audit.cpp.
#include "ntemu/verify/verifier.hpp"

#include <fmt/format.h>

#include "books.hpp"
#include "ntemu/ps/context.hpp"
#include "ntemu/support/asymmetric_fence.hpp"

namespace ntemu::verify {

Verifier::Verifier(ps::Executive& executive)
    : executive_(executive),
      books_(std::make_unique<Books>()),
      asymmetric_fence_(fence::asymmetric()) {}

Verifier::~Verifier() = default;

void Verifier::set_step(std::string label) {
  MutexLocker hold(books_->lock);
  if (books_->step_labels.back() != label) books_->step_labels.push_back(std::move(label));
  books_->step_now.store(static_cast<std::uint32_t>(books_->step_labels.size() - 1),
                         std::memory_order_release);
}

std::string Verifier::current_step() const {
  return books_->current_step();
}

void Verifier::raise(Finding f) {
  if (sink_ != nullptr) sink_->emit(finding_event(f));
  MutexLocker hold(books_->lock);
  books_->raised.push_back(std::move(f));
}

void Verifier::count_every_call() {
  SpinLocker hold(books_->counts);
  books_->settle();
}

void Verifier::report(Finding f) {
  if (sink_ != nullptr) sink_->emit(finding_event(f));
  MutexLocker hold(books_->lock);
  books_->reported.push_back(std::move(f));
}

// --- objects and client IDs ---------------------------------------------------------------

void Verifier::cid_created(Handle, const ob::Object& object) {
  object.annotations[kStepCidCreated].store(books_->now(), std::memory_order_relaxed);
}

void Verifier::object_deleting(const ob::Object& object) {
  object.annotations[kStepDeleted].store(books_->now(), std::memory_order_relaxed);
}

void Verifier::lookup_reached_deleted(std::uint64_t id, std::uint64_t address,
                                      const ob::Object* o) {
  const std::string deleted =
      o == nullptr ? std::string() : books_->step_text(o->annotations[kStepDeleted].load());
  raise({FindingKind::UseAfterFree,
         fmt::format("lookup of ID {:#x} went through PspCidTable to {} {:#x}, deleted at "
                     "'{}': the kernel would read freed memory",
                     id, o != nullptr ? ob::to_string(o->type()) : "object", address, deleted),
         id, address, books_->current_step()});
}

void Verifier::process_lock_reentered(const ps::Process& process, std::string_view routine) {
  raise({FindingKind::ProcessLockReentry,
         fmt::format("nt!{} was called on process {} from inside a notify routine that runs under "
                     "its process lock: the real kernel would wait for itself forever; refused "
                     "with STATUS_POSSIBLE_DEADLOCK",
                     routine, process.ImageFileName),
         process.pid().value(), process.address(), books_->current_step()});
}

void Verifier::pid_poked(const ps::Process& process, ProcessId) {
  books_->note(&Books::pid_changed_step, process.address());
}

void Verifier::slot_poked(ps::NotifyKind kind, std::uint32_t, const ex::CallbackBlock* block) {
  if (block != nullptr) books_->note(&Books::slot_cleared_step, block->address());
  books_->note(&Books::slot_cleared_step, static_cast<std::uint64_t>(kind));
}

// --- registration ---------------------------------------------------------------------------

void Verifier::routine_registering(ps::NotifyKind, ps::NotifyRoutine& routine) {
  RoutineBook& book = books_->book(routine, executive_.objects());
  MutexLocker hold(books_->lock);
  if (book.registrations++ == 0) {
    book.registered_since.store(RoutineBook::kUntilInserted, std::memory_order_release);
  }
}

void Verifier::routine_registered(ps::NotifyKind, ps::NotifyRoutine& routine, Status status) {
  RoutineBook& book = books_->book(routine, executive_.objects());
  if (status.ok()) {
    // The routine is in its array now: an object made from here on has its creation walk
    // find it (the object manager's lock orders the watermark read before the object's
    // serial). No lock taken: a Mutex is a scheduling point, and this adds none.
    std::uint64_t until = RoutineBook::kUntilInserted;
    book.registered_since.compare_exchange_strong(until, executive_.objects().watermark(),
                                                  std::memory_order_acq_rel);
    return;
  }
  MutexLocker hold(books_->lock);
  --book.registrations;
}

void Verifier::routine_removed(ps::NotifyKind, ps::NotifyRoutine& routine,
                               const ps::NotifySlots& array) {
  RoutineBook& book = books_->book(routine, executive_.objects());
  if (array.storage() == NotifyStorage::ExCallback) {
    // ExWaitForCallBacks let the removal return only once every caller left the block, and
    // then it was freed: a freed block of this routine still held is a removal that skipped
    // the wait (the seeded bug of Profile::seeded_bug_skip_removal_wait). Read at removal
    // only, so the calls cost nothing more.
    for (const ex::CallbackBlock* block : executive_.callbacks().blocks()) {
      const std::uint64_t running = block->RundownProtect.holders();
      if (block->Function != routine.function || !block->is_freed() || running == 0) continue;
      raise({FindingKind::CallAfterRemove,
             fmt::format("removal of {} returned while {} call(s) of it were still running: the "
                         "driver may unload under them",
                         executive_.routine_symbol(routine.function), running),
             0, 0, books_->current_step()});
    }
  } else {
    const int running = ps::HostContext::running_everywhere(routine);
    if (running != 0) {
      raise({FindingKind::CallAfterRemove,
             fmt::format("removal of {} returned while {} call(s) of it were still running: the "
                         "driver may unload under them",
                         executive_.routine_symbol(routine.function), running),
             0, 0, books_->current_step()});
    }
  }
  {
    // From now on the routine's calls are counted at once (RoutineBook::direct): a count that
    // closes this registration's balances judges them against the objects as they are then.
    SpinLocker hold(books_->counts);
    books_->settle();
    book.direct.store(true, std::memory_order_release);
  }
  MutexLocker hold(books_->lock);
  // The last registration is gone: what it was told of is judged as an ended registration.
  if (book.registrations > 0 && --book.registrations == 0) {
    book.generation.fetch_add(1, std::memory_order_acq_rel);
  }
}

void Verifier::removal_refused(ps::NotifyKind, ps::NotifyRoutine& routine) {
  raise({FindingKind::RemovalDeadlock,
         fmt::format("{} asked to remove itself from inside its own call: the removal would wait "
                     "for itself; refused with STATUS_POSSIBLE_DEADLOCK",
                     executive_.routine_symbol(routine.function)),
         0, 0, books_->current_step()});
}

// --- calls ------------------------------------------------------------------------------------

inline void Verifier::check_in_flight(const ps::NotifyCall& call, std::uint32_t step) {
  // Plain arrays: the call is in flight (a removal returning now is a call-after-remove), and
  // a slot cleared before the call was made means the routine runs after its removal. With the
  // removal's clear and count (HostContext::running_everywhere) a Dekker handshake: the
  // executive marked the call running on this host thread before telling us of it, so a removal
  // either sees this call running, or this call sees the cleared slot.
  fence::light(asymmetric_fence_);  // fence::asymmetric(), read when the verifier was made
  if (call.array->plain_seq_cst(call.slot) != call.routine->function) [[unlikely]] {
    called_after_removal(call, step);  // out of line: the finding is built there
  }
}

void Verifier::routine_calling(const ps::NotifyCall& call) {
  // The common call — its routine's book made, counted later, this host thread's log with
  // room — is logged here with no call out but tail calls, so that it saves and restores no
  // registers; any other takes the general way (log_call). A walk's first call writes its
  // header here too: with one routine in the array, every call is one.
  auto* book = static_cast<RoutineBook*>(call.routine->annotation.load(std::memory_order_acquire));
  CountLog* log = books_->cached_log();
  const std::uint32_t step = books_->now();
  if (book == nullptr || log == nullptr || call.kind == ps::NotifyKind::Image ||
      Books::counts_now(*book) || Books::full(*log)) [[unlikely]] {
    return log_call(call);
  }
  Books::append_in_walk(*log, call, step, *book, born_before(call, *book));
  if (call.array->storage() == NotifyStorage::PlainArray) check_in_flight(call, step);
}

void Verifier::log_call(const ps::NotifyCall& call) {
  RoutineBook& book = books_->book(*call.routine, executive_.objects());
  const std::uint32_t step = books_->now();
  if (call.kind != ps::NotifyKind::Image) {  // images have no exits to pair with
    if (Books::counts_now(book)) {
      LoggedCall logged;
      logged.book = &book;
      logged.generation = book.generation.load(std::memory_order_acquire);
      logged.born_before = born_before(call, book);
      books_->count_now(unpack(header_of(call, step), logged));
    } else {
      books_->log(call, step, book, born_before(call, book));  // the walk's IDs in its header
    }
  }
  if (call.array->storage() == NotifyStorage::PlainArray) check_in_flight(call, step);
}

void Verifier::called_after_removal(const ps::NotifyCall& call, std::uint32_t step) {
  const dbg::Symbol& symbol = call.routine->symbol_or_unknown();
  std::string what;
  std::uint64_t id = call.pid.value();
  switch (call.kind) {
    case ps::NotifyKind::Process:
      what = fmt::format("process {:#x}", id);
      break;
    case ps::NotifyKind::Thread:
      id = call.tid.value();
      what = fmt::format("thread {:#x}", id);
      break;
    case ps::NotifyKind::Image:
      what = fmt::format("image {} in process {:#x}", *call.image_name, id);
      break;
  }
  Finding f{FindingKind::CallAfterRemove,
            fmt::format("{}!{} was called for {} after its slot {} was cleared", symbol.module,
                        symbol.function, what, call.slot),
            id, call.object != nullptr ? call.object->address() : 0, books_->step_text(step)};
  MutexLocker hold(books_->lock);
  books_->raised.push_back(std::move(f));  // listed by the audit, not emitted now
}

}  // namespace ntemu::verify
