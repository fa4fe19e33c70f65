// SPDX-License-Identifier: MIT
/// \file
/// `ps::Executive`: the mechanism of one emulated machine — its profile, PspCidTable, the object
/// manager, the notify arrays and the boot processes — with the `Nt*` / `Ps*` / `Ob*` entry
/// points of the process/thread creation and exit paths. It reports what it does to its
/// observers (ps/observer.hpp) and knows nothing of who watches; `ntemu::Kernel` (kernel.hpp)
/// is the executive with the verifier and the tracer attached, and is what users create.
///
/// The members are defined by NT module (docs/architecture.md, "Where is what"): psinit.cpp
/// (boot), context.cpp, process.cpp (NtCreateProcess, PspCreateProcess), thread.cpp
/// (NtCreateThread, PsCreateSystemThread, PspCreateThread), create_user_process.cpp
/// (NtCreateUserProcess), pscid.cpp (client IDs and the
/// lookups), psopen.cpp (opening by ID), psnotify.cpp (registration), psnotify_run.cpp (the notify
/// dispatchers), kill.cpp (termination and exit), psdelete.cpp (object deletion), executive.cpp
/// (the rest).
///
/// Context: each host thread has a *current thread* per executive (the first system thread until
/// changed with `ContextScope`). Notify routines run on the current host thread with the
/// executive and context set, so they may call `Kernel::current()->PsGetCurrentProcessId()` and
/// the lookups, as a driver would.
///
/// Locks: no entry point may be called with a process lock held by the caller, except from a
/// notify routine, where the profile says which locks are held (a re-entrant creation in the
/// same process then fails with STATUS_POSSIBLE_DEADLOCK instead of hanging the host).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ntemu/dbg/symbols.hpp"
#include "ntemu/ex/any_handle_table.hpp"
#include "ntemu/ex/callback.hpp"
#include "ntemu/ob/obcallback.hpp"
#include "ntemu/ob/object.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/ps/context.hpp"
#include "ntemu/ps/context_scope.hpp"
#include "ntemu/ps/image.hpp"
#include "ntemu/ps/notify.hpp"
#include "ntemu/ps/observer.hpp"
#include "ntemu/ps/observers.hpp"
#include "ntemu/ps/process.hpp"
#include "ntemu/ps/results.hpp"
#include "ntemu/ps/thread.hpp"
#include "ntemu/support/bugcheck.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu {

class Kernel;

enum class CreateSuspended : std::uint8_t { No, Yes };

/// Who makes a creation call: a user-mode caller enters through ntdll and the system-call
/// gate, kernel-mode code calls the Zw stub in the kernel.
enum class PreviousMode : std::uint8_t { KernelMode, UserMode };

namespace ps {

class Executive {
 public:
  Executive(const Executive&) = delete;
  Executive& operator=(const Executive&) = delete;

  const Profile& profile() const { return profile_; }

  /// The tombstone policy (ob/object.hpp): Keep (the default) keeps every deleted object in
  /// host memory for inspection; ReclaimUnnamed releases a deleted object no PspCidTable entry
  /// names, for long runs. Under ReclaimUnnamed a caller must hold a reference (a handle or
  /// ObReferenceObject) on any object it keeps a pointer to, including a thread made current
  /// with ContextScope on another host thread. Set it before running operations.
  void set_tombstones(ob::Tombstones policy);
  /// EX_CALLBACK blocks (XP and later), for inspection.
  const ex::CallbackManager& callbacks() const { return callbacks_; }

  /// Adds an observer (ps/observers.hpp: at most four); it must outlive its attachment. Attach
  /// and detach only while no operation runs.
  void add_observer(KernelObserver& observer) { observers_.add(observer); }
  void remove_observer(KernelObserver& observer) { observers_.remove(observer); }

  // --- boot objects and context -----------------------------------------------------------
  Process& idle_process() { return *idle_process_; }
  Thread& idle_thread() { return *idle_thread_; }
  Process& system_process() { return *system_process_; }
  Thread& first_system_thread() { return *first_system_thread_; }

  /// The thread current on this host thread for this executive (the first system thread, or
  /// during boot Idle's, when none was made current).
  Thread& current_thread() {
    if (t_host_context.executive == this && t_host_context.thread != nullptr) {
      return *t_host_context.thread;
    }
    return first_system_thread_ != nullptr ? *first_system_thread_ : *idle_thread_;
  }
  Process& current_process() { return *current_thread().ThreadsProcess; }
  /// The executive a notify routine running on this host thread was called from, or nullptr.
  static Executive* current() { return t_host_context.executive; }

  /// Makes a thread current on this host thread for a scope (ps/context_scope.hpp).
  using ContextScope = ps::ContextScope;

  // --- creation (process.cpp, thread.cpp) ----------------------------------------------------
  // The entry points' results (ps/results.hpp).
  using ProcessCreated = ps::ProcessCreated;
  using ProcessImage = ps::ProcessImage;
  using ThreadCreated = ps::ThreadCreated;
  using UserProcessCreated = ps::UserProcessCreated;
  using Opened = ps::Opened;
  /// NtCreateProcess → PspCreateProcess: a process object with no thread. `parent` defaults to
  /// the current process. win2000: no PID yet (semantics.md §2.4). Fails with
  /// STATUS_PROCESS_IS_TERMINATING if the parent is being deleted.
  ProcessCreated NtCreateProcess(std::string image_name, Process* parent = nullptr,
                                 ProcessImage image = {});

  /// NtCreateThread → PspCreateThread: a user thread in `process`, created by the current
  /// thread. The caller's mode is UserMode unless the current thread is a system thread.
  /// Statuses: STATUS_INVALID_HANDLE (user mode targeting System; anyone targeting Idle), the
  /// profile's TID / PID allocation failure statuses, STATUS_PROCESS_IS_TERMINATING (the
  /// process is being deleted, or the creating thread is itself terminated and creates into its
  /// own process), STATUS_POSSIBLE_DEADLOCK.
  ThreadCreated NtCreateThread(Process& process, CreateSuspended suspended = CreateSuspended::No,
                               std::string name = {});
  /// PsCreateSystemThread → PspCreateThread: a system thread in the System process; its handle
  /// is a kernel handle (OBJ_KERNEL_HANDLE's mark set), in System's table.
  ThreadCreated PsCreateSystemThread(std::string name = {});

  /// NtCreateUserProcess (Vista and later, create_user_process.cpp, semantics.md §10.3): the
  /// process and its initial thread in one call, the creator's. The PID comes with the process
  /// (PspAllocateProcess), so the notifies, run from the thread's insertion (PspInsertThread) in
  /// the profile's first_thread_notify_order, see it. A vetoing Ex routine, or any failure of
  /// the thread, fails the whole call: the process goes again and no handle is returned.
  /// STATUS_NOT_IMPLEMENTED before Vista (has_create_user_process).
  UserProcessCreated NtCreateUserProcess(std::string image_name, Process* parent = nullptr,
                                         ProcessImage image = {}, std::string thread_name = {});

  // --- exit, close, deletion (kill.cpp, psdelete.cpp; semantics.md §3) ---------------------
  /// NtTerminateThread: the thread exits now, synchronously, in its own context (PspExitThread):
  /// thread-exit notify; ActiveThreads−1; if it was the last thread, PROCESS_DELETE and
  /// PspExitProcess (process-exit notify, then the process's handles are closed). The thread's
  /// own reference goes; its TID is destroyed only when the thread object is deleted.
  /// STATUS_THREAD_IS_TERMINATING if it already exited; STATUS_POSSIBLE_DEADLOCK from a notify
  /// routine running under its process's lock.
  Status NtTerminateThread(Thread& thread);
  /// NtTerminateProcess: marks PROCESS_DELETE and terminates every live thread (in list order).
  /// STATUS_PROCESS_IS_TERMINATING if the process is already being deleted or exited;
  /// STATUS_POSSIBLE_DEADLOCK from a notify routine running under the process's lock.
  Status NtTerminateProcess(Process& process);
  /// NtClose: closes `handle` in `owner`'s object table and drops its reference (the object is
  /// deleted on its last reference). STATUS_INVALID_HANDLE if `handle` is not open there. A
  /// kernel handle (PsCreateSystemThread's, marked with ob::kernel_handle_bit) is closed in the
  /// kernel handle table: `owner` must be the System process.
  /// May throw BugCheck (0x17) from the deletion; the executive then stays inspectable.
  Status NtClose(Process& owner, Handle handle);
  /// The bugcheck that stopped this machine, if any (the executive stays inspectable).
  const BugCheck* bugcheck() const { return bugcheck_.get(); }

  // --- notify registration (psnotify.cpp) --------------------------------------------------
  Status PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE routine, bool Remove);
  /// Vista SP1+: registers an Ex routine in the same process array; it gets the process, its
  /// PID and a PS_CREATE_NOTIFY_INFO at creation (NULL at exit), and may veto the creation by
  /// setting CreationStatus: the first thread's creation then fails with that status and no
  /// thread notify follows. STATUS_NOT_IMPLEMENTED where the profile lacks the export.
  Status PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine, bool Remove);
  /// Windows 10 1703+: the Ex routine registered for processes of every subsystem (the only
  /// type), in the same process array. STATUS_INVALID_PARAMETER for another type;
  /// STATUS_NOT_IMPLEMENTED where the profile lacks the export.
  Status PsSetCreateProcessNotifyRoutineEx2(PSCREATEPROCESSNOTIFYTYPE NotifyType,
                                            PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine, bool Remove);
  Status PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine);
  /// Windows 10 1703+: a thread routine of `NotifyType`, in the same thread array (removed with
  /// PsRemoveCreateThreadNotifyRoutine). PsCreateThreadNotifyNonSystem routines run on the new
  /// thread and hear of non-system threads only; PsCreateThreadNotifySubsystems routines are
  /// plain ones. STATUS_INVALID_PARAMETER for an unknown type; STATUS_NOT_IMPLEMENTED where the
  /// profile lacks the export.
  Status PsSetCreateThreadNotifyRoutineEx(PSCREATETHREADNOTIFYTYPE NotifyType,
                                          PCREATE_THREAD_NOTIFY_ROUTINE routine);
  /// Absent on win2000 (the profile says so): returns STATUS_NOT_IMPLEMENTED and changes
  /// nothing — a driver importing it would not load there.
  Status PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine);
  /// Load-image routines (psimage.cpp, semantics.md §10.10): the same routine may be
  /// registered twice; a full array answers the profile's full status.
  Status PsSetLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE routine);
  /// Windows 10 1709+: as PsSetLoadImageNotifyRoutine, with `Flags`
  /// (kImageNotifyConflictingArchitecture or 0; anything else: STATUS_INVALID_PARAMETER_2).
  /// STATUS_NOT_IMPLEMENTED where the profile lacks the export.
  Status PsSetLoadImageNotifyRoutineEx(PLOAD_IMAGE_NOTIFY_ROUTINE routine, std::uint64_t Flags);
  /// Absent on win2000 (the profile says so): STATUS_NOT_IMPLEMENTED, nothing changes.
  Status PsRemoveLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE routine);
  /// An image mapped into `process` by the current thread (ps/image.hpp: the result, the
  /// default size, the loader's default paths), as the loader's NtMapViewOfSection
  /// maps a DLL: the load-image routines are told (`full_name`, the process's UniqueProcessId,
  /// its IMAGE_INFO), in the current thread's context. It goes at the process's next free image
  /// base. STATUS_PROCESS_IS_TERMINATING (nothing mapped) for a process that is exiting or
  /// deleted; STATUS_INVALID_PARAMETER for a size of 0; STATUS_NO_MEMORY when the rest of the
  /// user address space cannot hold it.
  ImageMapped MmMapImage(Process& process, std::string full_name,
                         std::uint64_t size = kDefaultImageSize);
  /// A driver's image loaded into system space (MmLoadSystemImage): the routines are told
  /// ProcessId 0 and SystemModeImage, in the current thread's context. STATUS_INVALID_PARAMETER
  /// for a size of 0; STATUS_INSUFFICIENT_RESOURCES when system space cannot hold it.
  ImageMapped MmLoadSystemImage(std::string full_name, std::uint64_t size = kDefaultImageSize);
  const NotifyArray<PLOAD_IMAGE_NOTIFY_ROUTINE>& image_notify_array() const {
    return image_notify_;
  }
  /// The array of `kind`.
  const NotifySlots& notify_array(NotifyKind kind) const;

  /// Gives a routine a debugger symbol ("module!function") for traces and stacks; unnamed
  /// routines show as "unknown!routine".
  void name_routine(const void* routine, std::string module, std::string function);
  const NotifyArray<PCREATE_PROCESS_NOTIFY_ROUTINE>& process_notify_array() const {
    return process_notify_;
  }
  const NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE>& thread_notify_array() const {
    return thread_notify_;
  }
  /// Clears a slot directly, as a driver writing kernel memory could (counters unchanged). A
  /// slot beyond the array changes nothing.
  void poke_clear_notify_slot(NotifyKind kind, std::uint32_t slot);

  // --- lookups (pscid.cpp) -----------------------------------------------------------------
  /// On success `*process` holds a new reference: release it with ObDereferenceObject.
  /// Failure (unknown ID, wrong type, no access per the profile, object being deleted):
  /// STATUS_INVALID_PARAMETER. Tag bits are ignored.
  Status PsLookupProcessByProcessId(ProcessId id, Process** process);
  Status PsLookupThreadByThreadId(ThreadId id, Thread** thread);
  /// Maps the TID, checks the thread's Cid.UniqueProcess copy against `cid.UniqueProcess`;
  /// STATUS_INVALID_CID otherwise. `process` may be null; if given it is referenced too.
  Status PsLookupProcessThreadByCid(const ClientId& cid, Process** process, Thread** thread);
  /// MAXIMUM_ALLOWED: the most access the caller may have (ntemu has no security model: all).
  static constexpr std::uint32_t kMaximumAllowed = 0x02000000;
  /// NtOpenProcess by client ID (psopen.cpp, semantics.md §3.4, §10.9), called by the current
  /// thread: PsLookupProcessThreadByCid when `cid.UniqueThread` is set, otherwise
  /// PsLookupProcessByProcessId; on success a handle granting `DesiredAccess`
  /// (kMaximumAllowed: all) in the caller's process table, or with `kernel_handle`
  /// (OBJ_KERNEL_HANDLE) in the kernel handle table, marked. Failures: the lookup's status;
  /// STATUS_ACCESS_DENIED for an ID with tag bits where the profile says so
  /// (open_by_id_tag_bits); STATUS_PROCESS_IS_TERMINATING when the caller's process has exited;
  /// STATUS_INSUFFICIENT_RESOURCES when the table is full.
  Opened NtOpenProcess(const ClientId& cid, std::uint32_t DesiredAccess,
                       bool kernel_handle = false);
  /// NtOpenThread by client ID: PsLookupProcessThreadByCid when `cid.UniqueProcess` is set,
  /// otherwise PsLookupThreadByThreadId; otherwise as NtOpenProcess.
  Opened NtOpenThread(const ClientId& cid, std::uint32_t DesiredAccess, bool kernel_handle = false);
  /// NtDuplicateObject: a new handle, in `target`'s table (or a kernel handle), to the object
  /// `source_handle` names in `source`'s, granting `DesiredAccess` (kMaximumAllowed: all).
  /// STATUS_INVALID_HANDLE when `source_handle` is not open there; STATUS_PROCESS_IS_TERMINATING
  /// when `target` has exited.
  Opened NtDuplicateObject(Process& source, Handle source_handle, Process& target,
                           std::uint32_t DesiredAccess, bool kernel_handle = false);

  // --- object callbacks (psopen.cpp, ob/obcallback.hpp) ------------------------------------
  /// ObRegisterCallbacks (Vista SP1+): pre/post routines for process and thread handles made by
  /// NtOpenProcess, NtOpenThread and NtDuplicateObject. STATUS_NOT_IMPLEMENTED where the profile
  /// lacks the export; otherwise ob::ObjectCallbacks's statuses. (The integrity-check
  /// requirement, STATUS_ACCESS_DENIED for an image without /INTEGRITYCHECK, is the driver
  /// harness's to answer: the kernel knows no images of drivers.)
  Status ObRegisterCallbacks(const ob::OB_CALLBACK_REGISTRATION& registration,
                             void** RegistrationHandle);
  /// ObUnRegisterCallbacks: waits for the registration's calls in flight. STATUS_NOT_IMPLEMENTED
  /// where the profile lacks the export; otherwise ob::ObjectCallbacks's statuses.
  Status ObUnRegisterCallbacks(void* RegistrationHandle);
  const ob::ObjectCallbacks& object_callbacks() const { return object_callbacks_; }
  /// The current thread's Cid.UniqueProcess copy (semantics.md §3.4), not the process field.
  ProcessId PsGetCurrentProcessId() { return current_thread().Cid().UniqueProcess; }
  ThreadId PsGetCurrentThreadId() { return current_thread().Cid().UniqueThread; }
  void ObReferenceObject(ob::Object& o) { objects_.reference(o); }
  void ObDereferenceObject(ob::Object& o) { objects_.dereference(o); }

  // --- inspection --------------------------------------------------------------------------
  ex::AnyHandleTable& cid_table() { return cid_table_; }
  const ex::AnyHandleTable& cid_table() const { return cid_table_; }
  ob::ObjectManager& objects() { return objects_; }
  const ob::ObjectManager& objects() const { return objects_; }
  /// The object at a model address if it is a process/thread (live or tombstone), else nullptr.
  Process* process_at(std::uint64_t address) const;
  Thread* thread_at(std::uint64_t address) const;
  /// "module!function" of a routine ("(null)" for nullptr).
  std::string routine_symbol(const void* routine) const;
  const dbg::SymbolTable& symbols() const { return symbols_; }

  /// Writes `UniqueProcessId` directly (the thought experiment's poke).
  void poke_unique_process_id(Process& process, ProcessId value);

 protected:
  ~Executive();
  /// Boots the machine (psinit.cpp): Idle (ID 0, never in PspCidTable), the System process and
  /// its first system thread with the version's IDs (win2000: TID 4, then System PID 8).
  void boot();

 private:
  // Only the kernel (kernel.hpp) makes an executive, so every executive is one (Kernel::current
  // relies on it). Sets the machine up without booting it: attach observers, then boot().
  friend class ntemu::Kernel;
  explicit Executive(Profile profile);

  // process.cpp, thread.cpp
  ProcessCreated PspCreateProcess(std::string image_name, Process* parent,
                                  std::unique_ptr<ex::AnyHandleTable> table);
  /// NtCreateProcess's work for `creator` (also NtCreateUserProcess's first half): the process,
  /// its image path and command line, the creator's handle, GrantedAccess.
  ProcessCreated PspCreateProcessForCaller(Thread& creator, std::string image_name, Process* parent,
                                           ProcessImage image);
  /// `routine` is the frame the creation shows: PspCreateThread, or PspInsertThread inside
  /// NtCreateUserProcess.
  ThreadCreated PspCreateThread(Process& process, PreviousMode mode, bool system_thread,
                                CreateSuspended suspended, std::string name,
                                std::string_view routine = "PspCreateThread");
  /// Gives `process` its PID from PspCidTable and makes it its handle table's owner; false
  /// (nothing changed) when the table is exhausted.
  bool PspAssignProcessId(Process& process);
  struct Inserted {  // what PspCreateThread's locked step decided
    Status status;
    bool notify_process = false;  ///< the process-notify routines are to be called
  };
  /// PspCreateThread's steps under the process lock: the exiting check, the lazy PID, the
  /// thread-list insertion, and whether the process notify fires.
  Inserted PspInsertThreadLocked(Process& process, Thread& thread)
      NTEMU_REQUIRES(process.ProcessLock);
  void PspBackOutVetoedThread(Process& process, Thread& thread);
  /// STATUS_POSSIBLE_DEADLOCK (reported to the observers) when this host thread holds
  /// `process`'s lock already — a notify routine running under it calls `routine`, which needs
  /// it; STATUS_SUCCESS otherwise.
  Status PspCheckProcessLock(const Process& process, std::string_view routine);
  /// STATUS_INVALID_HANDLE when `target` is deleted (no handle to it can exist);
  /// STATUS_PROCESS_IS_TERMINATING when the caller's process has exited (its table is gone).
  Status caller_check(const Thread& caller, const ob::Object* target) const;
  Handle ObInsertObject(Process& owner, ob::Object& object, std::uint32_t access);
  /// ObOpenObjectByPointer for NtOpenProcess / NtOpenThread: a handle to `object` (referenced
  /// by the caller) for the current thread, or a kernel handle.
  Opened ObOpenObjectByPointer(ob::Object& object, std::uint32_t access, bool kernel_handle);
  /// A handle to `object` in `owner`'s table (kernel: System's, marked), with the object
  /// callbacks of `op` around it.
  Opened PspMakeHandle(ob::ObjectCallbacks::Operation& op, Process& owner, std::uint32_t access);

  // kill.cpp, psdelete.cpp
  void PspExitThread(Thread& thread);
  void PspExitProcess(Process& process);
  void ObKillProcess(Process& process);
  void PspThreadDelete(Thread& thread);
  void PspProcessDelete(Process& process);

  // pscid.cpp: PspCidTable
  /// ExCreateHandle in PspCidTable for `object`; a null handle when the table is exhausted.
  Handle PspCreateCid(ob::Object& object);
  /// ExDestroyHandle in PspCidTable; the entry normally names `expected`. False if absent.
  bool PspDestroyCid(Handle h, ob::Object& expected);
  /// Maps `id`, calling `fn(object)` with the live object of type T its entry names, under the
  /// entry's lock; reports an entry naming a deleted object and calls nothing then.
  template <class T, class Fn>
  void PspMapCid(std::uint64_t id, Fn&& fn);

  // psnotify.cpp, psnotify_run.cpp
  template <class Array, class Routine>
  Status register_routine(NotifyKind kind, Array& array, Routine routine, Status full_status,
                          bool ex, bool non_system = false);
  template <class Array, class Routine>
  Status remove_routine(NotifyKind kind, Array& array, Routine routine);
  /// PspRunCreateProcessNotifyRoutines: calls the process routines; returns the first
  /// CreationStatus error an Ex routine set.
  Status PspRunCreateProcessNotifyRoutines(Process& process, bool create);
  /// PspRunCreateThreadNotifyRoutines: calls the thread routines with (pid, thread's TID).
  void PspRunCreateThreadNotifyRoutines(Thread& thread, ProcessId pid, bool create);
  /// PsCallImageNotifyRoutines: calls the load-image routines with (name, pid, info); `process`
  /// is the process mapped into (nullptr for a system image).
  void PsCallImageNotifyRoutines(const std::string& name, ProcessId pid, const IMAGE_INFO& info,
                                 const Process* process);
  /// The registration lock, taken when the profile serialises registration.
  std::unique_lock<Mutex> serialise_registration();

  /// Maps `process`'s own image and ntdll, once, and tells the load-image routines.
  void PspReportProcessImages(Process& process);
  /// An image of `size` mapped at the next base of `process` (nullptr: system space); nullopt
  /// when the rest of that address space cannot hold it.
  std::optional<IMAGE_INFO> PspPlaceImage(Process* process, std::uint64_t size);
  /// The record of the routine a slot holds: its context when that names the routine (a plain
  /// slot's context may lag its routine), else by lookup.
  NotifyRoutine& slot_routine(const void* routine, void* context);
  /// One routine's call with its observers, frame and checks. Inlined into each walk's loop:
  /// out of line, its call, prologue and epilogue were ~35 of a plain-array call's ~170
  /// instructions.
  template <class Body>
  [[gnu::always_inline]] inline void call_notify_routine(const NotifyCall& call,
                                                         const std::uint64_t (&args)[3],
                                                         Body&& body);
  /// A notify routine faulted (NULL, or it threw): bugcheck 0x1E with exception `code`.
  [[noreturn]] void routine_faulted(std::uint64_t code);

  // executive.cpp
  [[noreturn]] void bug_check(std::uint32_t code, std::string_view name, std::uint64_t p1,
                              std::uint64_t p2);
  /// Calls `hook` on every observer, in attachment order.
  template <class... Params, class... Args>
  void observe(void (KernelObserver::*hook)(Params...), Args&&... args) {
    observers_.tell(hook, std::forward<Args>(args)...);
  }

  Profile profile_;
  ob::ObjectManager objects_;
  ex::AnyHandleTable cid_table_;          ///< PspCidTable
  ex::CallbackManager callbacks_;         ///< EX_CALLBACK blocks (XP and later)
  ob::ObjectCallbacks object_callbacks_;  ///< ObRegisterCallbacks' registrations
  NotifyArray<PCREATE_PROCESS_NOTIFY_ROUTINE> process_notify_;
  NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE> thread_notify_;
  NotifyArray<PLOAD_IMAGE_NOTIFY_ROUTINE> image_notify_;
  std::atomic<std::uint64_t> next_system_image_base_{0};  ///< MmLoadSystemImage's next base
  Mutex registration_lock_;  ///< serialises registration when the profile says so
  dbg::SymbolTable symbols_;
  NotifyRoutineTable routines_;
  Observers observers_;
  Process* idle_process_ = nullptr;
  Thread* idle_thread_ = nullptr;
  Process* system_process_ = nullptr;
  Thread* first_system_thread_ = nullptr;
  std::unique_ptr<BugCheck> bugcheck_;
};

}  // namespace ps
}  // namespace ntemu
