// SPDX-License-Identifier: MIT
// Setting the machine up and booting it (semantics.md §2.7): the tables and arrays the profile
// sizes, the delete procedures, then Idle, the System process and its first system thread.
#include "entry_point.hpp"

namespace ntemu::ps {

Executive::Executive(Profile profile)
    : profile_(profile),
      objects_(profile.arch),
      cid_table_(profile.arch, {.free_policy = profile.cid_free_policy,
                                .max_low_level_pages = profile.cid_table_page_limit}),
      callbacks_(profile.arch),
      process_notify_(profile.process_notify_slots, profile.notify_storage, &callbacks_),
      thread_notify_(profile.thread_notify_slots, profile.notify_storage, &callbacks_),
      image_notify_(profile.load_image_notify_slots, profile.notify_storage, &callbacks_) {
  objects_.set_delete_procedure(
      ob::ObjectType::Thread, [this](ob::Object& o) { PspThreadDelete(static_cast<Thread&>(o)); });
  objects_.set_delete_procedure(ob::ObjectType::Process, [this](ob::Object& o) {
    PspProcessDelete(static_cast<Process&>(o));
  });
  // An object whose last reference goes inside a notify loop that holds a process lock is
  // deleted once that lock is released: its delete procedure may need the lock (NT defers
  // deletions where deleting now is not safe, ObpDeferObjectDeletion).
  objects_.set_defer_hook([] { return t_host_context.locked_callouts > 0; });
  if (profile_.seeded_bug_skip_removal_wait) {
    for (NotifySlots* array :
         {static_cast<NotifySlots*>(&process_notify_), static_cast<NotifySlots*>(&thread_notify_),
          static_cast<NotifySlots*>(&image_notify_)}) {
      array->seed_bug_skip_removal_wait();
    }
  }
}

void Executive::boot() {
  // Idle and its thread keep ID 0 and never enter PspCidTable.
  idle_process_ = &objects_.create<Process>(
      "Idle", ProcessId{},
      std::make_unique<ex::AnyHandleTable>(profile_.arch, ex::HandleTableOptions{}));
  idle_thread_ = &objects_.create<Thread>(*idle_process_, "idle_thread");
  idle_thread_->CrossThreadFlags.fetch_or(Thread::kFlagSystem);
  {
    MutexLocker hold(idle_process_->ProcessLock);
    idle_process_->ActiveThreads = 1;
    idle_process_->ThreadListHead.push_back(idle_thread_);
  }
  Executive::ContextScope boot(*this, *idle_thread_);
  // The System process's table is the kernel handle table; it starts owned by the creator
  // (Idle, PID 0) and ExSetHandleTableOwner moves it to System once System has a PID.
  ProcessCreated system =
      PspCreateProcess("System", nullptr,
                       std::make_unique<ex::AnyHandleTable>(
                           profile_.arch, ex::HandleTableOptions{.owner = ProcessId{}}));
  system_process_ = system.process;
  system_process_->ImagesReported.store(true, std::memory_order_release);  // ntoskrnl: no notify
  // Open-by-ID is enabled for System as for any process (§2.2 step 12); Idle is never in the table.
  system_process_->GrantedAccess.store(profile_.process_all_access, std::memory_order_release);
  ThreadCreated first =
      PspCreateThread(*system_process_, PreviousMode::KernelMode,
                      /*system_thread=*/true, CreateSuspended::No, "system_thread");
  first_system_thread_ = first.thread;
}

}  // namespace ntemu::ps
