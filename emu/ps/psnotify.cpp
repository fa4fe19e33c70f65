// SPDX-License-Identifier: MIT
// Notify-routine registration (semantics.md §4, §10.9, §10.10):
// PsSetCreateProcessNotifyRoutine(Ex, Ex2), PsSetCreateThreadNotifyRoutine(Ex),
// PsRemoveCreateThreadNotifyRoutine, PsSetLoadImageNotifyRoutine(Ex),
// PsRemoveLoadImageNotifyRoutine, the debugger's names for
// routines, and the researcher's direct slot poke. The dispatchers are in psnotify_run.cpp.
#include <mutex>

#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

namespace ntemu::ps {

template <class Array, class Routine>
Status Executive::register_routine(NotifyKind kind, Array& array, Routine routine,
                                   Status full_status, bool ex, bool non_system) {
  // (An empty slot "contains" NULL: a NULL routine is not a duplicate of the empty slots.)
  const DuplicateRegistration duplicates = kind == NotifyKind::Process
                                               ? profile_.process_duplicate_registration
                                               : profile_.thread_duplicate_registration;
  if (duplicates == DuplicateRegistration::Rejected && routine != nullptr &&
      array.contains(routine)) {
    return STATUS_INVALID_PARAMETER;
  }
  NotifyRoutine& record = routines_.get(routine_address(routine), symbols_);
  observe(&KernelObserver::routine_registering, kind, record);
  record.ex.store(ex, std::memory_order_release);
  record.non_system.store(non_system, std::memory_order_release);
  const Status st = array.add(routine, full_status, &record);
  observe(&KernelObserver::routine_registered, kind, record, st);
  return st;
}

template <class Array, class Routine>
Status Executive::remove_routine(NotifyKind kind, Array& array, Routine routine) {
  NotifyRoutine& record = routines_.get(routine_address(routine), symbols_);
  // A removal that waits for callers in flight, issued from inside that very routine, would
  // wait for itself forever (MSDOC: not to be called from the callback). Refuse, changing
  // nothing.
  if (array.storage() == NotifyStorage::ExCallback && t_host_context.runs(&record)) {
    observe(&KernelObserver::removal_refused, kind, record);
    return STATUS_POSSIBLE_DEADLOCK;
  }
  const Status st = array.remove(routine, profile_.notify_not_found_status);
  if (st.ok()) observe(&KernelObserver::routine_removed, kind, record, array);
  return st;
}

// Registration and removal hold the registration lock when the profile serialises them.
std::unique_lock<Mutex> Executive::serialise_registration() {
  std::unique_lock<Mutex> hold(registration_lock_, std::defer_lock);
  if (profile_.registration_locking == RegistrationLocking::Serialized) hold.lock();
  return hold;
}

Status Executive::PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE routine,
                                                  bool Remove) {
  detail::EntryPoint entry(this, "PsSetCreateProcessNotifyRoutine");
  const auto serial = serialise_registration();
  if (Remove) return remove_routine(NotifyKind::Process, process_notify_, routine);
  return register_routine(NotifyKind::Process, process_notify_, routine,
                          profile_.process_notify_full_status, false);
}

Status Executive::PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine,
                                                    bool Remove) {
  if (!profile_.has_process_notify_routine_ex) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "PsSetCreateProcessNotifyRoutineEx");
  const auto as_plain = routine_cast<PCREATE_PROCESS_NOTIFY_ROUTINE>(routine);
  const auto serial = serialise_registration();
  if (Remove) return remove_routine(NotifyKind::Process, process_notify_, as_plain);
  return register_routine(NotifyKind::Process, process_notify_, as_plain,
                          profile_.process_notify_full_status, true);
}

Status Executive::PsSetCreateProcessNotifyRoutineEx2(PSCREATEPROCESSNOTIFYTYPE NotifyType,
                                                     PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine,
                                                     bool Remove) {
  if (!profile_.has_process_notify_routine_ex2) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "PsSetCreateProcessNotifyRoutineEx2");
  // MSDOC: the one type is PsCreateProcessNotifySubsystems; any other is an invalid parameter.
  if (NotifyType != PsCreateProcessNotifySubsystems) return STATUS_INVALID_PARAMETER;
  const auto as_plain = routine_cast<PCREATE_PROCESS_NOTIFY_ROUTINE>(routine);
  const auto serial = serialise_registration();
  if (Remove) return remove_routine(NotifyKind::Process, process_notify_, as_plain);
  return register_routine(NotifyKind::Process, process_notify_, as_plain,
                          profile_.process_notify_full_status, true);
}

Status Executive::PsSetCreateThreadNotifyRoutineEx(PSCREATETHREADNOTIFYTYPE NotifyType,
                                                   PCREATE_THREAD_NOTIFY_ROUTINE routine) {
  if (!profile_.has_thread_notify_routine_ex) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "PsSetCreateThreadNotifyRoutineEx");
  if (NotifyType != PsCreateThreadNotifyNonSystem && NotifyType != PsCreateThreadNotifySubsystems) {
    return STATUS_INVALID_PARAMETER;  // [I]: MSDOC names two types
  }
  const auto serial = serialise_registration();
  return register_routine(NotifyKind::Thread, thread_notify_, routine,
                          profile_.thread_notify_full_status, false,
                          NotifyType == PsCreateThreadNotifyNonSystem);
}

Status Executive::PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine) {
  detail::EntryPoint entry(this, "PsSetCreateThreadNotifyRoutine");
  const auto serial = serialise_registration();
  return register_routine(NotifyKind::Thread, thread_notify_, routine,
                          profile_.thread_notify_full_status, false);
}

Status Executive::PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine) {
  if (!profile_.has_remove_thread_notify_routine) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "PsRemoveCreateThreadNotifyRoutine");
  const auto serial = serialise_registration();
  return remove_routine(NotifyKind::Thread, thread_notify_, routine);
}

Status Executive::PsSetLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE routine) {
  detail::EntryPoint entry(this, "PsSetLoadImageNotifyRoutine");
  const auto serial = serialise_registration();
  return register_routine(NotifyKind::Image, image_notify_, routine,
                          profile_.load_image_notify_full_status, false);
}

Status Executive::PsSetLoadImageNotifyRoutineEx(PLOAD_IMAGE_NOTIFY_ROUTINE routine,
                                                std::uint64_t Flags) {
  if (!profile_.has_load_image_notify_routine_ex) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "PsSetLoadImageNotifyRoutineEx");
  // MSDOC: an invalid flag is STATUS_INVALID_PARAMETER_2. The one flag asks for images of other
  // architectures too; every modeled image is native, so it changes no call.
  if ((Flags & ~kImageNotifyConflictingArchitecture) != 0) return STATUS_INVALID_PARAMETER_2;
  const auto serial = serialise_registration();
  return register_routine(NotifyKind::Image, image_notify_, routine,
                          profile_.load_image_notify_full_status, false);
}

Status Executive::PsRemoveLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE routine) {
  if (!profile_.has_remove_load_image_notify_routine) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "PsRemoveLoadImageNotifyRoutine");
  const auto serial = serialise_registration();
  return remove_routine(NotifyKind::Image, image_notify_, routine);
}

const NotifySlots& Executive::notify_array(NotifyKind kind) const {
  switch (kind) {
    case NotifyKind::Process:
      return process_notify_;
    case NotifyKind::Thread:
      return thread_notify_;
    case NotifyKind::Image:
      break;
  }
  return image_notify_;
}

void Executive::poke_clear_notify_slot(NotifyKind kind, std::uint32_t slot) {
  auto& array = const_cast<NotifySlots&>(notify_array(kind));
  if (slot >= array.size()) return;
  const ex::CallbackBlock* block =
      array.storage() == NotifyStorage::ExCallback ? array.block(slot) : nullptr;
  observe(&KernelObserver::slot_poked, kind, slot, block);
  array.clear_slot(slot);
}

void Executive::name_routine(const void* routine, std::string module, std::string function) {
  const dbg::Symbol* named = symbols_.name(routine, std::move(module), std::move(function));
  routines_.get(routine, symbols_).symbol.store(named, std::memory_order_release);
}

}  // namespace ntemu::ps
