/// \file
/// `Kernel`: one emulated machine — a profile, PspCidTable, the object manager, the notify
/// arrays, and the boot processes — with the `Nt*` / `Ps*` / `Ob*` entry points of the
/// process/thread creation path.
///
/// \code
///   ntemu::Kernel k(ntemu::Profile::win2000());
///   k.PsSetCreateProcessNotifyRoutine(&my_routine, /*Remove=*/false);
///   auto proc = k.NtCreateProcess("notepad.exe");        // win2000: no PID yet
///   auto thr = k.NtCreateThread(*proc.process);          // PID assigned, my_routine called
/// \endcode
///
/// Context: each host thread has a *current thread* per kernel (the first system thread until
/// changed with `ContextScope`). Notify routines run on the current host thread with the
/// kernel and context set, so they may call `Kernel::current()->PsGetCurrentProcessId()` and
/// the lookups, as a driver would.
///
/// Locks: no entry point may be called with a process lock held by the caller, except from a
/// notify routine, where the profile says which locks are held (a re-entrant creation in the
/// same process then fails with STATUS_POSSIBLE_DEADLOCK instead of hanging the host).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ntemu/ex/any_handle_table.hpp"
#include "ntemu/ob/object.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/ps/notify.hpp"
#include "ntemu/ps/process.hpp"
#include "ntemu/ps/thread.hpp"
#include "ntemu/support/bugcheck.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/status.hpp"
#include "ntemu/trace.hpp"

namespace ntemu {

enum class CreateSuspended : std::uint8_t { No, Yes };

/// Every kind of Kernel::Finding the verifier reports (docs/fidelity.md, "The verifier").
inline constexpr std::string_view kFindingKinds[] = {
    "dangling-cid",        "leaked-cid",     "duplicate-cid",    "unbalanced-notify",
    "call-after-remove",   "use-after-free", "removal-deadlock", "notify-count-mismatch",
    "lost-callback-block",
};

/// Who makes a creation call: a user-mode caller enters through ntdll and the system-call
/// gate, kernel-mode code calls the Zw stub in the kernel.
enum class PreviousMode : std::uint8_t { KernelMode, UserMode };

class Kernel {
 public:
  /// Boots the machine: Idle (ID 0, never in PspCidTable), the System process and its first
  /// system thread with the version's IDs (win2000: TID 4, then System PID 8).
  explicit Kernel(Profile profile, TraceSink* sink = nullptr);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const Profile& profile() const { return profile_; }
  /// The sink events go to (nullptr: none). Set before running operations.
  void set_trace_sink(TraceSink* sink) { sink_ = sink; }

  /// The tombstone policy (ob/object.hpp): Keep (the default) keeps every deleted object in
  /// host memory for inspection; ReclaimUnnamed releases a deleted object no PspCidTable entry
  /// names, for long runs. Under ReclaimUnnamed a caller must hold a reference (a handle or
  /// ObReferenceObject) on any object it keeps a pointer to, including a thread made current
  /// with ContextScope on another host thread. Set it before running operations.
  void set_tombstones(ob::Tombstones policy);
  /// EX_CALLBACK blocks (XP and later), for inspection.
  const ex::CallbackManager& callbacks() const { return callbacks_; }

  // --- boot objects and context ---------------------------------------------------------------
  ps::Process& idle_process() { return *idle_process_; }
  ps::Thread& idle_thread() { return *idle_thread_; }
  ps::Process& system_process() { return *system_process_; }
  ps::Thread& first_system_thread() { return *first_system_thread_; }

  /// The thread current on this host thread for this kernel.
  ps::Thread& current_thread();
  ps::Process& current_process() { return *current_thread().ThreadsProcess; }
  /// The kernel a notify routine running on this host thread was called from, or nullptr.
  static Kernel* current();

  /// Makes `thread` current on this host thread for its lifetime (restores the previous one).
  class ContextScope {
   public:
    ContextScope(Kernel& kernel, ps::Thread& thread);
    ~ContextScope();
    ContextScope(const ContextScope&) = delete;
    ContextScope& operator=(const ContextScope&) = delete;

   private:
    Kernel* previous_kernel_;
    ps::Thread* previous_thread_;
  };

  // --- creation -------------------------------------------------------------------------------
  struct ProcessCreated {
    Status status;
    ps::Process* process = nullptr;  ///< the new process, held by `handle`
    Handle handle{};                 ///< in the creator's process object table
  };
  /// NtCreateProcess → PspCreateProcess: a process object with no thread. `parent` defaults to
  /// the current process. win2000: no PID yet (semantics.md §2.4). Fails with
  /// STATUS_PROCESS_IS_TERMINATING if the parent is being deleted.
  ProcessCreated NtCreateProcess(std::string image_name, ps::Process* parent = nullptr);

  struct ThreadCreated {
    Status status;
    ps::Thread* thread = nullptr;  ///< null on failure
    Handle handle{};               ///< in the creator's process object table
    ClientId cid{};
  };
  /// NtCreateThread → PspCreateThread: a user thread in `process`, created by the current
  /// thread. The caller's mode is UserMode unless the current thread is a system thread.
  /// Statuses: STATUS_INVALID_HANDLE (user mode targeting System), the profile's TID / PID
  /// allocation failure statuses, STATUS_PROCESS_IS_TERMINATING, STATUS_POSSIBLE_DEADLOCK.
  ThreadCreated NtCreateThread(ps::Process& process,
                               CreateSuspended suspended = CreateSuspended::No,
                               std::string name = {});
  /// PsCreateSystemThread → PspCreateThread: a system thread in the System process.
  ThreadCreated PsCreateSystemThread(std::string name = {});

  // --- exit, close, deletion (semantics.md §3) --------------------------------------------
  /// NtTerminateThread: the thread exits now, synchronously, in its own context (PspExitThread):
  /// thread-exit notify; ActiveThreads−1; if it was the last thread, PROCESS_DELETE and
  /// PspExitProcess (process-exit notify, then the process's handles are closed). The thread's
  /// own reference goes; its TID is destroyed only when the thread object is deleted.
  /// STATUS_THREAD_IS_TERMINATING if it already exited.
  Status NtTerminateThread(ps::Thread& thread);
  /// NtTerminateProcess: marks PROCESS_DELETE and terminates every live thread (in list order).
  /// STATUS_PROCESS_IS_TERMINATING if the process is already being deleted or exited.
  Status NtTerminateProcess(ps::Process& process);
  /// NtClose: closes `handle` in `owner`'s object table and drops its reference (the object is
  /// deleted on its last reference). STATUS_INVALID_HANDLE if `handle` is not open there.
  /// May throw BugCheck (0x17) from the deletion; the kernel then stays inspectable.
  Status NtClose(ps::Process& owner, Handle handle);

  // --- the verifier ----------------------------------------------------------------------------
  struct Finding {
    std::string kind;          ///< one of kFindingKinds
    std::string detail;        ///< one sentence naming objects, IDs and the step that caused it
    std::uint64_t id = 0;      ///< the CID / PID / TID concerned (0 if none)
    std::uint64_t object = 0;  ///< model address of the object concerned (0 if none)
    std::string step;          ///< the step label that caused it (see set_step)
  };
  /// Walks PspCidTable, the objects and the notify bookkeeping and returns every finding, in a
  /// deterministic order. Findings raised while running (use-after-free lookups,
  /// call-after-remove) come first and are kept for later audits; they were emitted as
  /// `finding` events when raised, and the others are emitted now.
  std::vector<Finding> audit();
  /// A label for what the caller is doing now ("line 7: NtClose notepad"); findings name the
  /// step that caused them with it.
  void set_step(std::string label);
  /// The bugcheck that stopped this machine, if any (the kernel stays inspectable).
  const BugCheck* bugcheck() const { return bugcheck_.get(); }

  // --- notify registration ------------------------------------------------------------------
  Status PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE routine, bool Remove);
  /// Vista SP1+: registers an Ex routine in the same process array; it gets the process, its
  /// PID and a PS_CREATE_NOTIFY_INFO at creation (NULL at exit), and may veto the creation by
  /// setting CreationStatus: the first thread's creation then fails with that status and no
  /// thread notify follows. STATUS_NOT_IMPLEMENTED where the profile lacks the export.
  Status PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine, bool Remove);
  Status PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine);
  /// Absent on win2000 (the profile says so): returns STATUS_NOT_IMPLEMENTED and changes
  /// nothing — a driver importing it would not load there.
  Status PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine);
  /// Gives a routine a debugger symbol ("module!function") for traces and stacks; unnamed
  /// routines show as "unknown!routine".
  void name_routine(const void* routine, std::string module, std::string function);
  const ps::NotifyArray<PCREATE_PROCESS_NOTIFY_ROUTINE>& process_notify_array() const {
    return process_notify_;
  }
  const ps::NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE>& thread_notify_array() const {
    return thread_notify_;
  }
  /// Clears a slot directly, as a driver writing kernel memory could (counters unchanged).
  void poke_clear_notify_slot(ps::NotifyKind kind, std::uint32_t slot);

  // --- lookups --------------------------------------------------------------------------------
  /// On success `*process` holds a new reference: release it with ObDereferenceObject.
  /// Failure (unknown ID, wrong type, no access per the profile, object being deleted):
  /// STATUS_INVALID_PARAMETER. Tag bits are ignored.
  Status PsLookupProcessByProcessId(ProcessId id, ps::Process** process);
  Status PsLookupThreadByThreadId(ThreadId id, ps::Thread** thread);
  /// Maps the TID, checks the thread's Cid.UniqueProcess copy against `cid.UniqueProcess`;
  /// STATUS_INVALID_CID otherwise. `process` may be null; if given it is referenced too.
  Status PsLookupProcessThreadByCid(const ClientId& cid, ps::Process** process,
                                    ps::Thread** thread);
  /// The current thread's Cid.UniqueProcess copy (semantics.md §3.4), not the process field.
  ProcessId PsGetCurrentProcessId() { return current_thread().Cid().UniqueProcess; }
  ThreadId PsGetCurrentThreadId() { return current_thread().Cid().UniqueThread; }
  void ObReferenceObject(ob::Object& o) { objects_.reference(o); }
  void ObDereferenceObject(ob::Object& o) { objects_.dereference(o); }

  // --- inspection -----------------------------------------------------------------------------
  ex::AnyHandleTable& cid_table() { return cid_table_; }
  ob::ObjectManager& objects() { return objects_; }
  /// The object at a model address if it is a live process/thread, else nullptr.
  ps::Process* process_at(std::uint64_t address);
  ps::Thread* thread_at(std::uint64_t address);
  /// "module!function" of a routine.
  std::string routine_symbol(const void* routine) const;
  /// The shadow call stack of this host thread, innermost frame first.
  std::vector<Frame> call_stack() const;
  /// That stack in the shape of the kernel debugger's `kb`.
  std::string format_stack_kb() const;

  /// Writes `UniqueProcessId` directly (the thought experiment's poke).
  void poke_unique_process_id(ps::Process& process, ProcessId value);

  struct Impl;  ///< opaque: symbols and the verifier's books

 private:
  ThreadCreated PspCreateThread(ps::Process& process, PreviousMode mode, bool system_thread,
                                CreateSuspended suspended, std::string name);
  ProcessCreated PspCreateProcess(std::string image_name, ps::Process* parent,
                                  std::unique_ptr<ex::AnyHandleTable> table);
  void PspExitThread(ps::Thread& thread);
  void PspExitProcess(ps::Process& process);
  void ObKillProcess(ps::Process& process);
  void PspThreadDelete(ps::Thread& thread);
  void PspProcessDelete(ps::Process& process);
  Handle ObInsertObject(ps::Process& owner, ob::Object& object, std::uint32_t access);
  /// Calls the process routines; returns the first CreationStatus error an Ex routine set.
  Status notify_process(ps::Process& process, bool create);
  void notify_thread(ps::Thread& thread, ProcessId pid, bool create);
  void record_finding(Finding f);
  bool dangling(std::uint64_t address, std::uint64_t id);  // records a use-after-free finding
  void check_removal_in_flight(const void* routine);
  bool running_with_id(std::uint64_t balance_key);
  /// STATUS_INVALID_HANDLE when `target` is deleted (no handle to it can exist);
  /// STATUS_PROCESS_IS_TERMINATING when the caller's process has exited (its table is gone).
  Status caller_check(const ps::Thread& caller, const ob::Object* target) const;
  std::string deleted_step(const ob::Object* o) const;
  template <class Array, class Routine>
  Status register_routine(Array& array, Routine routine, Status full_status, bool ex);
  template <class Array, class Routine>
  Status remove_routine(Array& array, Routine routine);

  bool removal_would_deadlock(const void* routine);
  /// A notify routine faulted (NULL, or it threw): bugcheck 0x1E with exception `code`.
  [[noreturn]] void routine_faulted(std::uint64_t code);
  [[noreturn]] void bug_check(std::uint32_t code, std::string_view name, std::uint64_t p1,
                              std::uint64_t p2);
  bool tracing() const { return sink_ != nullptr; }
  void emit_cid(const char* op, Handle handle, const ob::Object& object);
  /// ExCreateHandle in PspCidTable for `object`, with the verifier's books and the trace.
  Handle cid_create(ob::Object& object);
  /// ExDestroyHandle in PspCidTable; the entry normally names `expected`.
  bool cid_destroy(Handle h, ob::Object& expected);
  std::string object_name(const ob::Object& o) const;

  Profile profile_;
  TraceSink* sink_;
  ob::ObjectManager objects_;
  ex::AnyHandleTable cid_table_;   ///< PspCidTable
  ex::CallbackManager callbacks_;  ///< EX_CALLBACK blocks (XP and later)
  ps::NotifyArray<PCREATE_PROCESS_NOTIFY_ROUTINE> process_notify_;
  ps::NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE> thread_notify_;
  Mutex registration_lock_;  ///< serialises registration when the profile says so
  std::unique_ptr<Impl> impl_;
  ps::Process* idle_process_ = nullptr;
  ps::Thread* idle_thread_ = nullptr;
  ps::Process* system_process_ = nullptr;
  ps::Thread* first_system_thread_ = nullptr;
  std::unique_ptr<BugCheck> bugcheck_;
};

}  // namespace ntemu
