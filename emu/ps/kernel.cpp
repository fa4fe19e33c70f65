// The kernel instance and the creation path. Behaviour follows semantics.md (§2.4 for Windows
// 2000, with the profile answering every version question); the code is ntemu's own.
#include "ntemu/kernel.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "ntemu/support/bugcheck.hpp"
#include "ntemu/support/flat_map.hpp"

namespace ntemu {
namespace {

// Per host thread: the kernel and thread that are "current", the shadow call stack and the
// notify routines running. Fixed arrays, so the state is constant-initialised and reaching it
// costs no per-access initialisation check; frames beyond the depth are counted, not kept.
struct HostThreadState {
  static constexpr std::size_t kMaxFrames = 64;
  static constexpr std::size_t kMaxRoutines = 32;
  Kernel* kernel = nullptr;
  ps::Thread* thread = nullptr;
  std::size_t depth = 0;                  // frames pushed (may exceed kMaxFrames)
  std::array<Frame, kMaxFrames> stack{};  // outermost first
  std::size_t running = 0;                // routines running (may exceed kMaxRoutines)
  std::array<const void*, kMaxRoutines> routines{};

  void push_routine(const void* r) {
    if (running < kMaxRoutines) routines[running] = r;
    ++running;
  }
  void pop_routine() { --running; }
  bool runs(const void* r) const {
    const std::size_t n = std::min(running, kMaxRoutines);
    return std::find(routines.begin(), routines.begin() + static_cast<std::ptrdiff_t>(n), r) !=
           routines.begin() + static_cast<std::ptrdiff_t>(n);
  }
};
constinit thread_local HostThreadState tls;

// Pushes a frame on this host thread's shadow stack for its scope.
class FrameScope {
 public:
  FrameScope(std::string_view module, std::string_view function) {
    push(module, function, 0, 0, 0, 0);
  }
  FrameScope(std::string_view module, std::string_view function, std::uint64_t a0, std::uint64_t a1,
             std::uint64_t a2) {
    push(module, function, a0, a1, a2, 3);
  }
  ~FrameScope() { --tls.depth; }
  FrameScope(const FrameScope&) = delete;
  FrameScope& operator=(const FrameScope&) = delete;

 private:
  // Field by field into the slot: building a Frame on the stack and copying it made the
  // compiler reload the temporary with wider loads than it stored, a store-forwarding stall
  // that cost about 10 ns per frame (docs/performance.md).
  static void push(std::string_view module, std::string_view function, std::uint64_t a0,
                   std::uint64_t a1, std::uint64_t a2, std::uint8_t count) {
    if (tls.depth < HostThreadState::kMaxFrames) {
      Frame& f = tls.stack[tls.depth];
      f.module = module;
      f.function = function;
      f.args[0] = a0;
      f.args[1] = a1;
      f.args[2] = a2;
      f.arg_count = count;
    }
    ++tls.depth;
  }
};

// Makes `kernel` current on this host thread for the scope of an entry point, so notify
// routines called from it can reach it through Kernel::current().
class EnterKernel {
 public:
  EnterKernel(Kernel* kernel, ps::Thread& thread)
      : previous_kernel_(tls.kernel), previous_thread_(tls.thread) {
    tls.kernel = kernel;
    tls.thread = &thread;
  }
  ~EnterKernel() {
    tls.kernel = previous_kernel_;
    tls.thread = previous_thread_;
  }
  EnterKernel(const EnterKernel&) = delete;
  EnterKernel& operator=(const EnterKernel&) = delete;

 private:
  Kernel* previous_kernel_;
  ps::Thread* previous_thread_;
};

struct Symbol {
  std::string module;
  std::string function;
};

const Symbol kUnknownSymbol{"unknown", "routine"};

}  // namespace

struct Kernel::Impl {
  explicit Impl(const ob::ObjectManager& o) : objects(&o) {}
  const ob::ObjectManager* objects;
  mutable Mutex symbols_lock;
  // Keyed by routine address for lookup only; never iterated, so host addresses never decide
  // any output order. Symbols live in a deque so frames may keep views of them.
  std::map<const void*, const Symbol*> symbols NTEMU_GUARDED_BY(symbols_lock);
  std::deque<Symbol> storage NTEMU_GUARDED_BY(symbols_lock);

  const Symbol* find_symbol(const void* routine) const NTEMU_EXCLUDES(symbols_lock) {
    MutexLocker hold(symbols_lock);
    auto it = symbols.find(routine);
    return it == symbols.end() ? nullptr : it->second;
  }
  const Symbol& symbol(const void* routine) const NTEMU_EXCLUDES(symbols_lock) {
    const Symbol* s = find_symbol(routine);
    return s != nullptr ? *s : kUnknownSymbol;
  }

  // --- the verifier's bookkeeping (semantics.md §7 hazards) --------------------------------
  // Step labels (Kernel::set_step) are interned: objects and books keep an index, 0 = none.
  mutable Mutex books;
  std::deque<std::string> step_labels NTEMU_GUARDED_BY(books){std::string()};
  std::atomic<std::uint32_t> step_now{0};
  std::string step_text(std::uint32_t index) const NTEMU_EXCLUDES(books) {
    MutexLocker hold(books);
    return index < step_labels.size() ? step_labels[index] : std::string();
  }
  std::string current_step() const { return step_text(step_now.load(std::memory_order_acquire)); }

  // One book per routine (by function pointer), created at its first registration and never
  // freed, so a slot may carry a pointer to it. Creates and exits a routine was told of, per
  // kind and ID, are counted in shards (by ID) so host threads on different IDs do not meet.
  struct Balance {
    std::uint64_t creates = 0;
    std::uint64_t exits = 0;
    std::uint32_t last_step = 0;
    std::uint32_t generation = 0;  // the routine's registration the counts belong to
    std::uint64_t object = 0;      // the object last counted under the ID: its address
    std::uint64_t serial = 0;      // and its serial (an address may be reused)
  };
  enum BalanceKind : std::uint64_t { kProcessIds = 0, kThreadIds = 1, kThreadPids = 2 };
  static constexpr std::uint64_t kIdMask = (std::uint64_t{1} << 62) - 1;
  static std::uint64_t balance_key(BalanceKind kind, std::uint64_t id) {
    return (static_cast<std::uint64_t>(kind) << 62) | (id & kIdMask);
  }
  static BalanceKind key_kind(std::uint64_t key) { return static_cast<BalanceKind>(key >> 62); }
  static std::uint64_t key_id(std::uint64_t key) { return key & kIdMask; }
  // The ID `o` carries now under `kind` (its PID, its TID, or its process's PID).
  static std::uint64_t current_id(const ob::Object& o, BalanceKind kind) {
    if (o.type() == ob::ObjectType::Process)
      return static_cast<const ps::Process&>(o).pid().value();
    const auto& t = static_cast<const ps::Thread&>(o);
    return kind == kThreadPids ? t.ThreadsProcess->pid().value() : t.tid().value();
  }
  struct Unpaired {
    std::uint64_t key;
    Balance balance;
  };
  struct alignas(64) Shard {  // a cache line each: host threads on different IDs do not meet
    SpinLock lock;
    FlatMap64<Balance> balance NTEMU_GUARDED_BY(lock);
    std::vector<Unpaired> closed NTEMU_GUARDED_BY(lock);  // judged hazards of ended registrations
  };
  struct RoutineBook {
    RoutineBook(const void* r, const ob::ObjectManager& o) : routine(r), objects(o) {}
    const void* const routine;
    const ob::ObjectManager& objects;
    std::atomic<const Symbol*> symbol{nullptr};  // null: unnamed
    std::atomic<bool> ex{false};                 // registered through the Ex API
    std::atomic<int> in_flight{0};               // calls running now (plain arrays only)
    // Registrations alive (guarded by Impl::books), and the object serial watermark at the first
    // one: objects below it existed before the routine could hear of them. The generation counts
    // registrations that ended (the last removal of the routine returned).
    int registrations = 0;
    std::atomic<std::uint64_t> registered_since{0};
    std::atomic<std::uint32_t> generation{0};
    std::array<Shard, 16> shards;
    Shard& shard(std::uint64_t id) { return shards[(id >> 2) % shards.size()]; }

    // Counts of an ended registration: a create without its exit is explained by the removal
    // (the routine could not hear of the exit), unless the object it was told of still exists
    // and no longer carries the ID — then the kernel changed the ID under it (a hazard).
    bool closed_hazard(std::uint64_t key, const Balance& b) const {
      if (b.creates == b.exits) return false;
      // Read under the object manager's lock: this book holds no reference on the object. A
      // live thread still references its process, so that one is there too.
      bool hazard = false;
      objects.inspect(b.object, [&](const ob::Object* o) {
        hazard = o != nullptr && o->serial() == b.serial && o->pointer_count() > 0 &&
                 current_id(*o, key_kind(key)) != key_id(key);
      });
      return hazard;
    }
    // Counts an exit, unless `only_if_pending` and the routine saw no unpaired create for the
    // ID in this registration; returns whether it counted.
    bool count_exit(BalanceKind kind, std::uint64_t id, bool only_if_pending, std::uint32_t step,
                    const ob::Object& object) {
      Shard& sh = shard(id);
      SpinLocker hold(sh.lock);
      if (only_if_pending) {
        const Balance* b = sh.balance.find(balance_key(kind, id));
        if (b == nullptr || b->generation != generation.load() || b->creates <= b->exits) {
          return false;
        }
      }
      count_locked(sh, kind, id, false, step, object);
      return true;
    }
    void count(BalanceKind kind, std::uint64_t id, bool create, std::uint32_t step,
               const ob::Object& object) {
      Shard& sh = shard(id);
      SpinLocker hold(sh.lock);
      count_locked(sh, kind, id, create, step, object);
    }
    void count_locked(Shard& sh, BalanceKind kind, std::uint64_t id, bool create,
                      std::uint32_t step, const ob::Object& object) NTEMU_REQUIRES(sh.lock) {
      const std::uint64_t key = balance_key(kind, id);
      Balance& b = sh.balance[key];
      const std::uint32_t now = generation.load(std::memory_order_acquire);
      if (b.generation != now) {
        // The counts of an ended registration: judge them now, then start afresh.
        if (closed_hazard(key, b)) sh.closed.push_back({key, b});
        b = Balance{};
        b.generation = now;
      }
      (create ? b.creates : b.exits) += 1;
      b.last_step = step;
      b.object = object.address();
      b.serial = object.serial();
    }
  };
  std::unordered_map<const void*, std::unique_ptr<RoutineBook>> routine_books
      NTEMU_GUARDED_BY(books);

  RoutineBook& book(const void* routine) NTEMU_EXCLUDES(books) {
    const Symbol* named = find_symbol(routine);
    MutexLocker hold(books);
    auto& slot = routine_books[routine];
    if (!slot) {
      slot = std::make_unique<RoutineBook>(routine, *objects);
      slot->symbol.store(named, std::memory_order_release);
    }
    return *slot;
  }
  // The book of a routine a slot holds: the slot's context when it is that routine's book
  // (a plain slot's context may lag its routine), else by lookup.
  RoutineBook& book(const void* routine, void* context) {
    auto* b = static_cast<RoutineBook*>(context);
    return b != nullptr && b->routine == routine ? *b : book(routine);
  }

  std::map<std::uint64_t, std::uint32_t> pid_changed_step NTEMU_GUARDED_BY(books);  // by address
  // Slot pokes: by EX_CALLBACK block address, and by array (0 process, 1 thread).
  std::map<std::uint64_t, std::uint32_t> slot_cleared_step NTEMU_GUARDED_BY(books);
  std::vector<Finding> runtime_findings NTEMU_GUARDED_BY(books);

  using StepBook = std::map<std::uint64_t, std::uint32_t> Impl::*;
  void note(StepBook book, std::uint64_t key) NTEMU_EXCLUDES(books) {
    MutexLocker hold(books);
    (this->*book)[key] = step_now.load(std::memory_order_relaxed);
  }
  std::string noted(StepBook book, std::uint64_t key) const NTEMU_EXCLUDES(books) {
    MutexLocker hold(books);
    const auto& where = this->*book;
    auto it = where.find(key);
    if (it == where.end() || it->second >= step_labels.size()) return std::string();
    return step_labels[it->second];
  }
};

Kernel::Kernel(Profile profile, TraceSink* sink)
    : profile_(profile),
      sink_(sink),
      objects_(profile.arch),
      cid_table_(profile.arch, {.free_policy = profile.cid_free_policy,
                                .max_low_level_pages = profile.cid_table_page_limit}),
      callbacks_(profile.arch),
      process_notify_(profile.process_notify_slots, profile.notify_storage, &callbacks_),
      thread_notify_(profile.thread_notify_slots, profile.notify_storage, &callbacks_),
      impl_(std::make_unique<Impl>(objects_)) {
  objects_.set_delete_procedure(ob::ObjectType::Thread, [this](ob::Object& o) {
    PspThreadDelete(static_cast<ps::Thread&>(o));
  });
  objects_.set_delete_procedure(ob::ObjectType::Process, [this](ob::Object& o) {
    PspProcessDelete(static_cast<ps::Process&>(o));
  });

  // Boot (semantics.md §2.7). Idle and its thread keep ID 0 and never enter PspCidTable.
  idle_process_ = &objects_.create<ps::Process>(
      "Idle", ProcessId{},
      std::make_unique<ex::AnyHandleTable>(profile_.arch, ex::HandleTableOptions{}));
  idle_thread_ = &objects_.create<ps::Thread>(*idle_process_, "idle_thread");
  idle_thread_->CrossThreadFlags.fetch_or(ps::Thread::kFlagSystem);
  {
    MutexLocker hold(idle_process_->ProcessLock);
    idle_process_->ActiveThreads = 1;
    idle_process_->ThreadListHead.push_back(idle_thread_);
  }
  EnterKernel boot(this, *idle_thread_);
  // The System process's table is the kernel handle table; it starts owned by the creator
  // (Idle, PID 0) and ExSetHandleTableOwner moves it to System once System has a PID.
  ProcessCreated system =
      PspCreateProcess("System", nullptr,
                       std::make_unique<ex::AnyHandleTable>(
                           profile_.arch, ex::HandleTableOptions{.owner = ProcessId{}}));
  system_process_ = system.process;
  // Open-by-ID is enabled for System as for any process (§2.2 step 12); Idle is never in the table.
  system_process_->GrantedAccess.store(ps::kProcessAllAccess, std::memory_order_release);
  ThreadCreated first =
      PspCreateThread(*system_process_, PreviousMode::KernelMode,
                      /*system_thread=*/true, CreateSuspended::No, "system_thread");
  first_system_thread_ = first.thread;
}

Kernel::~Kernel() = default;

void Kernel::set_tombstones(ob::Tombstones policy) {
  // Never release the thread current on the releasing host thread: it is still in use there.
  objects_.set_tombstones(policy, [](const ob::Object& o) { return tls.thread != &o; });
}

Kernel* Kernel::current() {
  return tls.kernel;
}

ps::Thread& Kernel::current_thread() {
  if (tls.kernel == this && tls.thread != nullptr) return *tls.thread;
  return first_system_thread_ != nullptr ? *first_system_thread_ : *idle_thread_;
}

Kernel::ContextScope::ContextScope(Kernel& kernel, ps::Thread& thread)
    : previous_kernel_(tls.kernel), previous_thread_(tls.thread) {
  tls.kernel = &kernel;
  tls.thread = &thread;
}

Kernel::ContextScope::~ContextScope() {
  tls.kernel = previous_kernel_;
  tls.thread = previous_thread_;
}

// --- objects -------------------------------------------------------------------------------

std::string Kernel::object_name(const ob::Object& o) const {
  if (o.type() == ob::ObjectType::Process) return static_cast<const ps::Process&>(o).ImageFileName;
  return static_cast<const ps::Thread&>(o).Name;
}

ps::Process* Kernel::process_at(std::uint64_t address) {
  ob::Object* o = objects_.find(address);
  return o != nullptr && o->type() == ob::ObjectType::Process ? static_cast<ps::Process*>(o)
                                                              : nullptr;
}

ps::Thread* Kernel::thread_at(std::uint64_t address) {
  ob::Object* o = objects_.find(address);
  return o != nullptr && o->type() == ob::ObjectType::Thread ? static_cast<ps::Thread*>(o)
                                                             : nullptr;
}

Handle Kernel::ObInsertObject(ps::Process& owner, ob::Object& object, std::uint32_t access) {
  // The handle goes into `owner`'s object table and holds a reference.
  const Handle h =
      owner.ObjectTable->create({.object = object.address(), .granted_access = access});
  if (h.is_null()) return h;
  objects_.reference(object);
  objects_.increment_handle_count(object);
  return h;
}

Handle Kernel::cid_create(ob::Object& object) {
  const Handle h = cid_table_.create({.object = object.address()});
  if (h.is_null()) return h;
  object.cid_entries.fetch_add(1, std::memory_order_acq_rel);
  object.step_cid_created.store(impl_->step_now.load(std::memory_order_relaxed),
                                std::memory_order_relaxed);
  emit_cid("create", h, object);
  return h;
}

bool Kernel::cid_destroy(Handle h, ob::Object& expected) {
  std::uint64_t named = 0;
  if (!cid_table_.destroy(h, &named)) return false;
  // Normally the entry names `expected`; after a PID poke it may name another object.
  ob::Object* o = named == expected.address() ? &expected : objects_.find(named);
  if (o != nullptr) {
    o->cid_entries.fetch_sub(1, std::memory_order_acq_rel);
    emit_cid("destroy", h, *o);
  }
  return true;
}

void Kernel::emit_cid(const char* op, Handle handle, const ob::Object& object) {
  if (!tracing()) return;
  sink_->emit(Event{"cid", {}}
                  .add("op", op)
                  .add("handle", handle.value())
                  .add("type", std::string(ob::to_string(object.type())))
                  .add("name", object_name(object)));
}

// --- creation ------------------------------------------------------------------------------

Kernel::ProcessCreated Kernel::PspCreateProcess(std::string image_name, ps::Process* parent,
                                                std::unique_ptr<ex::AnyHandleTable> table) {
  FrameScope frame("nt", "PspCreateProcess");
  if (parent != nullptr) {
    MutexLocker hold(parent->ProcessLock);
    if ((parent->Flags.load(std::memory_order_acquire) & ps::Process::kFlagProcessDelete) != 0) {
      return {STATUS_PROCESS_IS_TERMINATING};
    }
  }
  // §2.2 step 4: the parent's PID whenever a parent exists.
  const ProcessId inherited = parent != nullptr ? parent->pid() : ProcessId{};
  ps::Process& process =
      objects_.create<ps::Process>(std::move(image_name), inherited, std::move(table));
  if (profile_.pid_assignment == PidAssignment::InPspCreateProcess) {
    // §2.2 steps 8–9 (XP and later).
    const Handle pid = cid_create(process);
    if (pid.is_null()) {
      objects_.dereference(process);
      return {STATUS_INSUFFICIENT_RESOURCES};
    }
    process.UniqueProcessId.store(pid.value(), std::memory_order_release);
    process.ObjectTable->set_owner(ProcessId{pid.value()});
  }
  return {STATUS_SUCCESS, &process, Handle{}};
}

Kernel::ProcessCreated Kernel::NtCreateProcess(std::string image_name, ps::Process* parent) {
  ps::Thread& creator = current_thread();
  EnterKernel enter(this, creator);
  FrameScope frame("nt", "NtCreateProcess");
  if (Status s = caller_check(creator, parent); !s.ok()) return {s};
  ps::Process& parent_process = parent != nullptr ? *parent : *creator.ThreadsProcess;
  // A new object table starts owned by the creating process's PID (semantics.md §2.2 step 6).
  auto table = std::make_unique<ex::AnyHandleTable>(
      profile_.arch, ex::HandleTableOptions{.owner = creator.ThreadsProcess->pid()});
  ProcessCreated created =
      PspCreateProcess(std::move(image_name), &parent_process, std::move(table));
  if (!created.status.ok()) return created;
  ps::Process& process = *created.process;
  created.handle = ObInsertObject(*creator.ThreadsProcess, process, ps::kProcessAllAccess);
  // The handle now holds the process; the creation reference is dropped (§2.2 step 11).
  objects_.dereference(process);
  process.GrantedAccess.store(ps::kProcessAllAccess, std::memory_order_release);
  return created;
}

Kernel::ThreadCreated Kernel::NtCreateThread(ps::Process& process, CreateSuspended suspended,
                                             std::string name) {
  ps::Thread& creator = current_thread();
  EnterKernel enter(this, creator);
  // A user-mode caller enters through ntdll's stub and the fast system-call gate; kernel-mode
  // code (a system thread) through the kernel's Zw stub and the system-service dispatcher.
  const PreviousMode mode = creator.is_system() ? PreviousMode::KernelMode : PreviousMode::UserMode;
  const bool user = mode == PreviousMode::UserMode;
  FrameScope stub(user ? "ntdll" : "nt", "ZwCreateThread");
  FrameScope gate("nt", user ? "KiFastCallEntry" : "KiSystemService");
  FrameScope frame("nt", "NtCreateThread");
  if (Status s = caller_check(creator, &process); !s.ok()) return {s};
  return PspCreateThread(process, mode, /*system_thread=*/false, suspended, std::move(name));
}

void Kernel::routine_faulted(std::uint64_t code) {
  bug_check(KMODE_EXCEPTION_NOT_HANDLED, "KMODE_EXCEPTION_NOT_HANDLED", code, 0);
}

Status Kernel::caller_check(const ps::Thread& caller, const ob::Object* target) const {
  // No caller holds a handle to a deleted object: the object manager would refuse it.
  if (target != nullptr && target->is_deleted()) return STATUS_INVALID_HANDLE;
  // A caller whose process has exited has no object table left to receive the new handle
  // (ObKillProcess closed it); a real exited thread would make no call at all.
  // The exiting bit is set with an interlocked OR and read without the process lock.
  const ps::Process& own = *caller.ThreadsProcess;
  const bool exiting =
      (own.Flags.load(std::memory_order_acquire) & ps::Process::kFlagProcessExiting) != 0;
  return exiting ? STATUS_PROCESS_IS_TERMINATING : STATUS_SUCCESS;
}

Kernel::ThreadCreated Kernel::PsCreateSystemThread(std::string name) {
  ps::Thread& creator = current_thread();
  EnterKernel enter(this, creator);
  FrameScope frame("nt", "PsCreateSystemThread");
  if (Status s = caller_check(creator, nullptr); !s.ok()) return {s};
  return PspCreateThread(*system_process_, PreviousMode::KernelMode, /*system_thread=*/true,
                         CreateSuspended::No, std::move(name));
}

Kernel::ThreadCreated Kernel::PspCreateThread(ps::Process& process, PreviousMode mode,
                                              bool system_thread, CreateSuspended suspended,
                                              std::string name) {
  FrameScope frame("nt", "PspCreateThread");
  if (process.ProcessLock.held_by_current_thread()) {
    // Re-entered from a notify routine that runs under this process's lock (the profile's
    // ProcessLockDuringNotify::Held): the real kernel would wait for itself forever. Fail,
    // changing nothing, instead of hanging the host.
    return {STATUS_POSSIBLE_DEADLOCK};
  }
  // A user-mode caller may not create threads in the System process (§2.1 step 3).
  if (mode == PreviousMode::UserMode && &process == system_process_) return {STATUS_INVALID_HANDLE};

  // Reference the process (dropped when the thread is deleted) and create the thread object.
  objects_.reference(process);
  ps::Thread& thread = objects_.create<ps::Thread>(process, std::move(name));
  if (system_thread) thread.CrossThreadFlags.fetch_or(ps::Thread::kFlagSystem);
  if (profile_.thread_cid_process_copy == ThreadCidProcessCopy::AtThreadObjectSetup) {
    thread.CidUniqueProcess.store(process.UniqueProcessId.load());  // §2.1 step 5
  }

  // The TID comes first (BLOG; §2.1 step 6). Its failure delivers no callback.
  const Handle tid = cid_create(thread);
  if (tid.is_null()) {
    objects_.dereference(thread);
    return {profile_.tid_allocation_failure_status};
  }
  thread.CidUniqueThread.store(tid.value(), std::memory_order_release);

  // Under the process lock: the exiting checks, the lazy PID (win2000), the thread list.
  bool notify_process_create = false;
  Status failure = STATUS_SUCCESS;
  process.ProcessLock.lock();
  if ((process.Flags.load(std::memory_order_acquire) & ps::Process::kFlagProcessDelete) != 0) {
    failure = STATUS_PROCESS_IS_TERMINATING;
  } else {
    bool pid_assigned = false;
    if (profile_.pid_assignment == PidAssignment::LazyInPspCreateThread &&
        process.UniqueProcessId.load(std::memory_order_acquire) == 0) {
      // win2000 (§2.4 step 4): the process gets its PID now, and its handle table the owner.
      const Handle pid = cid_create(process);
      if (pid.is_null()) {
        failure = profile_.pid_allocation_failure_status;
      } else {
        process.UniqueProcessId.store(pid.value(), std::memory_order_release);
        process.ObjectTable->set_owner(ProcessId{pid.value()});
        pid_assigned = true;
      }
    }
    if (failure.ok()) {
      if (profile_.thread_cid_process_copy == ThreadCidProcessCopy::AfterPidAssignment) {
        thread.CidUniqueProcess.store(process.UniqueProcessId.load(std::memory_order_acquire),
                                      std::memory_order_release);
      }
      const std::uint32_t old_active_threads = process.ActiveThreads++;
      process.ThreadListHead.push_back(&thread);
      notify_process_create = profile_.process_notify_trigger == ProcessNotifyTrigger::PidAssigned
                                  ? pid_assigned
                                  : old_active_threads == 0;
    }
  }
  if (!failure.ok()) {
    // Unlock, drop the thread: its deletion releases the TID. No callback has run.
    process.ProcessLock.unlock();
    objects_.dereference(thread);
    return {failure};
  }
  {
    // The routines run on the creating thread, or on the new one if the profile says so.
    const bool on_new_thread = profile_.create_notify_context == CreateNotifyContext::NewThread;
    EnterKernel context(this, on_new_thread ? thread : current_thread());
    const bool held = profile_.process_lock_during_process_notify == ProcessLockDuringNotify::Held;
    Status veto = STATUS_SUCCESS;
    if (notify_process_create && held) {
      try {
        veto = notify_process(process, true);
      } catch (...) {  // a bugcheck: the machine stops, the host must not keep the lock
        process.ProcessLock.unlock();
        throw;
      }
    }
    process.ProcessLock.unlock();
    if (notify_process_create && !held) veto = notify_process(process, true);
    if (!veto.ok()) {
      // An Ex routine vetoed the process (Vista; the exact veto point is [U], §2.6/§8.5): the
      // first thread is taken back out, the process exits (its routines hear of it), and the
      // call fails with the routine's status; no thread notify is delivered.
      {
        MutexLocker hold(process.ProcessLock);
        --process.ActiveThreads;
        process.ThreadListHead.erase(&thread);
        process.Flags.fetch_or(ps::Process::kFlagProcessDelete, std::memory_order_acq_rel);
      }
      PspExitProcess(process);
      objects_.dereference(thread);
      return {veto};
    }

    // The thread's context and start routine are set up (KiInitializeThread); before it is
    // readied, the thread-notify routines see (Cid.UniqueProcess, Cid.UniqueThread, TRUE).
    notify_thread(thread, thread.Cid().UniqueProcess, true);
  }

  // The handle: system threads' handles are kernel handles (System's table).
  ps::Process& handle_owner = system_thread ? *system_process_ : current_process();
  const Handle handle = ObInsertObject(handle_owner, thread, ps::kThreadAllAccess);
  thread.GrantedAccess.store(ps::kThreadAllAccess, std::memory_order_release);
  (void)suspended;  // suspension is not observable by anything modeled yet
  return {STATUS_SUCCESS, &thread, handle, thread.Cid()};
}

// --- notify ----------------------------------------------------------------------------------

// Calls `routine(args...)` for slot `slot` of `array`, keeping the verifier's books. On plain
// arrays (win2000): the routine's in-flight count (a removal returning while it runs is a
// call-after-remove) and a re-read of the slot (a routine called after its slot was cleared).
// EX_CALLBACK callers hold a block reference instead, so removal waits for them.
namespace {
// Exception codes a faulting routine reports in KMODE_EXCEPTION_NOT_HANDLED's first parameter.
constexpr std::uint64_t kAccessViolation = 0xC0000005;
constexpr std::uint64_t kCxxException = 0xE06D7363;  // the code MSVC gives C++ exceptions

template <class Array, class Routine, class MakeFinding, class Fault, class... Args>
void call_routine(Kernel::Impl& impl, Kernel::Impl::RoutineBook& book, const Array& array,
                  std::uint32_t slot, Routine routine, MakeFinding&& if_removed, Fault&& fault,
                  Args... args) {
  const bool plain = array.storage() == NotifyStorage::PlainArray;
  if (plain) {
    // Sequentially consistent with the removal's clear and in-flight read: a removal either
    // sees this call in flight, or this call sees the cleared slot.
    book.in_flight.fetch_add(1, std::memory_order_seq_cst);
    if (reinterpret_cast<const void*>(array.slot_seq_cst(slot)) != book.routine) {
      Kernel::Finding f = if_removed();
      MutexLocker hold(impl.books);
      impl.runtime_findings.push_back(std::move(f));
    }
  }
  struct Running {  // undone on every way out, a throwing routine included
    Running(Kernel::Impl::RoutineBook& b, bool p) : book(b), plain(p) {
      tls.push_routine(b.routine);
    }
    ~Running() {
      tls.pop_routine();
      if (plain) book.in_flight.fetch_sub(1, std::memory_order_acq_rel);
    }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
    Kernel::Impl::RoutineBook& book;
    const bool plain;
  } running(book, plain);
  // A NULL routine (registrations do not check) is a call through address 0; a routine that
  // throws is an unhandled exception in kernel mode. Either stops the machine.
  if (routine == nullptr) fault(kAccessViolation);
  try {
    routine(args...);
  } catch (const BugCheck&) {
    throw;  // the machine already stopped inside the routine's own kernel call
  } catch (...) {
    fault(kCxxException);
  }
}

// What a notify event and its frame show of a routine.
const Symbol& symbol_of(const Kernel::Impl::RoutineBook& book) {
  const Symbol* s = book.symbol.load(std::memory_order_acquire);
  return s != nullptr ? *s : kUnknownSymbol;
}
}  // namespace

Status Kernel::notify_process(ps::Process& process, bool create) {
  Status veto = STATUS_SUCCESS;
  if (process_notify_.count() == 0) return veto;  // the counter is only the fast "any?" test
  const ProcessId parent = process.InheritedFromUniqueProcessId;
  const ProcessId pid = process.pid();
  const ClientId context = current_thread().Cid();
  const std::uint32_t step = impl_->step_now.load(std::memory_order_relaxed);
  process_notify_.for_each([&](std::uint32_t i, PCREATE_PROCESS_NOTIFY_ROUTINE routine, void* ctx) {
    Impl::RoutineBook& book = impl_->book(reinterpret_cast<const void*>(routine), ctx);
    const Symbol& symbol = symbol_of(book);
    if (tracing()) {
      sink_->emit(Event{"notify", {}}
                      .add("kind", "process")
                      .add("routine", symbol.module)
                      .add("symbol", symbol.module + "!" + symbol.function)
                      .add("slot", i)
                      .add("create", create)
                      .add("pid", pid.value())
                      .add("parent", parent.value())
                      .add("context_pid", context.UniqueProcess.value())
                      .add("context_tid", context.UniqueThread.value()));
    }
    // An exit the routine cannot pair with a create it saw, of a process that existed before
    // its registration, is not judged: it registered too late to hear of the creation.
    if (create) {
      book.count(Impl::kProcessIds, pid.value(), true, step, process);
    } else {
      const bool born_before =
          process.serial() < book.registered_since.load(std::memory_order_acquire);
      book.count_exit(Impl::kProcessIds, pid.value(), born_before, step, process);
    }
    FrameScope frame(symbol.module, symbol.function, parent.value(), pid.value(), create ? 1 : 0);
    auto if_removed = [&] {
      return Finding{"call-after-remove",
                     fmt::format("{}!{} was called for process {:#x} after its slot {} was cleared",
                                 symbol.module, symbol.function, pid.value(), i),
                     pid.value(), process.address(), impl_->step_text(step)};
    };
    auto fault = [this](std::uint64_t code) { routine_faulted(code); };
    if (!book.ex.load(std::memory_order_relaxed)) {
      call_routine(*impl_, book, process_notify_, i, routine, if_removed, fault, parent, pid,
                   create);
      return;
    }
    // An Ex routine: the process, its PID, and the creation info (NULL on exit).
    PS_CREATE_NOTIFY_INFO info;
    info.ParentProcessId = parent;
    info.CreatingThreadId = context;
    info.ImageFileName = process.ImageFileName.c_str();
    const auto ex_routine = ps::routine_cast<PCREATE_PROCESS_NOTIFY_ROUTINE_EX>(routine);
    call_routine(*impl_, book, process_notify_, i, ex_routine, if_removed, fault, &process, pid,
                 create ? &info : nullptr);
    if (create && !info.CreationStatus.ok() && veto.ok()) veto = info.CreationStatus;
  });
  return veto;
}

void Kernel::notify_thread(ps::Thread& thread, ProcessId pid, bool create) {
  if (thread_notify_.count() == 0) return;
  const ThreadId tid = thread.tid();
  const ClientId context = current_thread().Cid();
  const std::uint32_t step = impl_->step_now.load(std::memory_order_relaxed);
  thread_notify_.for_each([&](std::uint32_t i, PCREATE_THREAD_NOTIFY_ROUTINE routine, void* ctx) {
    Impl::RoutineBook& book = impl_->book(reinterpret_cast<const void*>(routine), ctx);
    const Symbol& symbol = symbol_of(book);
    if (tracing()) {
      sink_->emit(Event{"notify", {}}
                      .add("kind", "thread")
                      .add("routine", symbol.module)
                      .add("symbol", symbol.module + "!" + symbol.function)
                      .add("slot", i)
                      .add("create", create)
                      .add("pid", pid.value())
                      .add("tid", tid.value())
                      .add("context_pid", context.UniqueProcess.value())
                      .add("context_tid", context.UniqueThread.value()));
    }
    // Thread bookkeeping is per TID; the PID a routine saw is checked through the process. As
    // for processes, the exit of a thread born before the registration whose create the
    // routine did not see is not judged.
    if (create) {
      book.count(Impl::kThreadIds, tid.value(), true, step, thread);
      book.count(Impl::kThreadPids, pid.value(), true, step, thread);
    } else {
      const bool born_before =
          thread.serial() < book.registered_since.load(std::memory_order_acquire);
      if (book.count_exit(Impl::kThreadIds, tid.value(), born_before, step, thread)) {
        book.count(Impl::kThreadPids, pid.value(), false, step, thread);
      }
    }
    FrameScope frame(symbol.module, symbol.function, pid.value(), tid.value(), create ? 1 : 0);
    call_routine(
        *impl_, book, thread_notify_, i, routine,
        [&] {
          return Finding{"call-after-remove",
                         fmt::format("{}!{} was called for thread {:#x} after its slot {} was "
                                     "cleared",
                                     symbol.module, symbol.function, tid.value(), i),
                         tid.value(), thread.address(), impl_->step_text(step)};
        },
        [this](std::uint64_t code) { routine_faulted(code); }, pid, tid, create);
  });
}

// --- registration ------------------------------------------------------------------------------

template <class Array, class Routine>
Status Kernel::register_routine(Array& array, Routine routine, Status full_status, bool ex) {
  // (An empty slot "contains" NULL: a NULL routine is not a duplicate of the empty slots.)
  if (profile_.duplicate_registration == DuplicateRegistration::Rejected && routine != nullptr &&
      array.contains(routine)) {
    return STATUS_INVALID_PARAMETER;
  }
  Impl::RoutineBook& book = impl_->book(reinterpret_cast<const void*>(routine));
  const std::uint64_t watermark = objects_.watermark();
  {
    MutexLocker hold(impl_->books);
    if (book.registrations++ == 0) {
      book.registered_since.store(watermark, std::memory_order_release);
    }
  }
  book.ex.store(ex, std::memory_order_release);
  const Status st = array.add(routine, full_status, &book);
  if (!st.ok()) {
    MutexLocker hold(impl_->books);
    --book.registrations;
  }
  return st;
}

template <class Array, class Routine>
Status Kernel::remove_routine(Array& array, Routine routine) {
  const void* id = reinterpret_cast<const void*>(routine);
  if (removal_would_deadlock(id)) return STATUS_POSSIBLE_DEADLOCK;
  const Status st = array.remove(routine, profile_.notify_not_found_status);
  if (!st.ok()) return st;
  check_removal_in_flight(id);
  Impl::RoutineBook& book = impl_->book(id);
  MutexLocker hold(impl_->books);
  // The last registration is gone: what it was told of is judged as an ended registration.
  if (book.registrations > 0 && --book.registrations == 0) {
    book.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  return st;
}

Status Kernel::PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE routine,
                                               bool Remove) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "PsSetCreateProcessNotifyRoutine");
  std::unique_lock<Mutex> serial(registration_lock_, std::defer_lock);
  if (profile_.registration_locking == RegistrationLocking::Serialized) serial.lock();
  if (Remove) return remove_routine(process_notify_, routine);
  return register_routine(process_notify_, routine, profile_.process_notify_full_status, false);
}

Status Kernel::PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine,
                                                 bool Remove) {
  if (!profile_.has_process_notify_routine_ex) return STATUS_NOT_IMPLEMENTED;
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "PsSetCreateProcessNotifyRoutineEx");
  const auto as_plain = ps::routine_cast<PCREATE_PROCESS_NOTIFY_ROUTINE>(routine);
  std::unique_lock<Mutex> serial(registration_lock_, std::defer_lock);
  if (profile_.registration_locking == RegistrationLocking::Serialized) serial.lock();
  if (Remove) return remove_routine(process_notify_, as_plain);
  return register_routine(process_notify_, as_plain, profile_.process_notify_full_status, true);
}

Status Kernel::PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "PsSetCreateThreadNotifyRoutine");
  std::unique_lock<Mutex> serial(registration_lock_, std::defer_lock);
  if (profile_.registration_locking == RegistrationLocking::Serialized) serial.lock();
  return register_routine(thread_notify_, routine, profile_.thread_notify_full_status, false);
}

Status Kernel::PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE routine) {
  if (!profile_.has_remove_thread_notify_routine) return STATUS_NOT_IMPLEMENTED;
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "PsRemoveCreateThreadNotifyRoutine");
  std::unique_lock<Mutex> serial(registration_lock_, std::defer_lock);
  if (profile_.registration_locking == RegistrationLocking::Serialized) serial.lock();
  return remove_routine(thread_notify_, routine);
}

void Kernel::poke_clear_notify_slot(ps::NotifyKind kind, std::uint32_t slot) {
  auto clear = [&](auto& array, std::uint64_t which) {
    if (slot >= array.size()) return;
    if (array.storage() == NotifyStorage::ExCallback) {
      if (const ex::CallbackBlock* block = array.block(slot)) {
        impl_->note(&Impl::slot_cleared_step, block->address());
      }
    }
    impl_->note(&Impl::slot_cleared_step, which);
    array.clear_slot(slot);
  };
  if (kind == ps::NotifyKind::Process) {
    clear(process_notify_, 0);
  } else {
    clear(thread_notify_, 1);
  }
}

void Kernel::name_routine(const void* routine, std::string module, std::string function) {
  const Symbol* named = nullptr;
  {
    MutexLocker hold(impl_->symbols_lock);
    impl_->storage.push_back(Symbol{std::move(module), std::move(function)});
    named = &impl_->storage.back();
    impl_->symbols[routine] = named;
  }
  impl_->book(routine).symbol.store(named, std::memory_order_release);
}

std::string Kernel::routine_symbol(const void* routine) const {
  if (routine == nullptr) return "(null)";
  const Symbol& s = impl_->symbol(routine);
  return s.module + "!" + s.function;
}

// --- lookups -------------------------------------------------------------------------------------

namespace {
// True when a lookup may take a reference: the access gate of the profile (semantics.md §3.4).
bool passes_gate(const Profile& p, std::uint32_t granted_access) {
  return p.lookup_access_gate == LookupAccessGate::None || granted_access != 0;
}
}  // namespace

Status Kernel::PsLookupProcessByProcessId(ProcessId id, ps::Process** process) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "PsLookupProcessByProcessId");
  *process = nullptr;
  // Map (locking the entry), check type and access, reference safely, unlock (§3.4).
  cid_table_.with_locked(id.as_handle(), [&](const ex::EntryView& entry) {
    if (dangling(entry.object, id.value())) return;
    ps::Process* p = process_at(entry.object);
    if (p != nullptr && passes_gate(profile_, p->GrantedAccess.load()) &&
        objects_.reference_safe(*p)) {
      *process = p;
    }
  });
  return *process != nullptr ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

Status Kernel::PsLookupThreadByThreadId(ThreadId id, ps::Thread** thread) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "PsLookupThreadByThreadId");
  *thread = nullptr;
  cid_table_.with_locked(id.as_handle(), [&](const ex::EntryView& entry) {
    if (dangling(entry.object, id.value())) return;
    ps::Thread* t = thread_at(entry.object);
    if (t != nullptr && passes_gate(profile_, t->GrantedAccess.load()) &&
        objects_.reference_safe(*t)) {
      *thread = t;
    }
  });
  return *thread != nullptr ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

Status Kernel::PsLookupProcessThreadByCid(const ClientId& cid, ps::Process** process,
                                          ps::Thread** thread) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "PsLookupProcessThreadByCid");
  *thread = nullptr;
  if (process != nullptr) *process = nullptr;
  cid_table_.with_locked(cid.UniqueThread.as_handle(), [&](const ex::EntryView& entry) {
    if (dangling(entry.object, cid.UniqueThread.value())) return;
    ps::Thread* t = thread_at(entry.object);
    if (t == nullptr || t->Cid().UniqueProcess != cid.UniqueProcess ||
        !passes_gate(profile_, t->GrantedAccess.load()) || !objects_.reference_safe(*t)) {
      return;
    }
    *thread = t;
    if (process != nullptr) {
      objects_.reference(*t->ThreadsProcess);
      *process = t->ThreadsProcess;
    }
  });
  return *thread != nullptr ? STATUS_SUCCESS : STATUS_INVALID_CID;
}

// --- deletion ------------------------------------------------------------------------------------

void Kernel::PspThreadDelete(ps::Thread& thread) {
  FrameScope frame("nt", "PspThreadDelete");
  thread.step_deleted.store(impl_->step_now.load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
  // §3.2: the TID leaves PspCidTable only now, at object deletion; a failed destroy is fatal.
  const ThreadId tid = thread.tid();
  if (!tid.is_null() && !cid_destroy(tid.as_handle(), thread)) {
    bug_check(CID_HANDLE_DELETION, "CID_HANDLE_DELETION", tid.value(), thread.address());
  }
  ps::Process& process = *thread.ThreadsProcess;
  {
    MutexLocker hold(process.ProcessLock);
    process.ThreadListHead.erase(&thread);
  }
  objects_.dereference(process);
}

void Kernel::PspProcessDelete(ps::Process& process) {
  FrameScope frame("nt", "PspProcessDelete");
  process.step_deleted.store(impl_->step_now.load(std::memory_order_relaxed),
                             std::memory_order_relaxed);
  bool exited = false;
  {
    MutexLocker hold(process.ProcessLock);
    exited = (process.Flags.fetch_or(ps::Process::kFlagProcessExiting, std::memory_order_acq_rel) &
              ps::Process::kFlagProcessExiting) != 0;
  }
  if (!exited) {
    // A process that never ran PspExitProcess(TRUE): its handles go now, and the profile says
    // whether the routines hear of it (§3.1: 2003 stays silent).
    if (profile_.threadless_process_exit_notify == ThreadlessProcessExitNotify::AtDeletion) {
      static_cast<void>(notify_process(process, false));  // exits cannot be vetoed
    }
    ObKillProcess(process);
  }
  // §3.2 step 5: only a non-zero UniqueProcessId is destroyed.
  const ProcessId pid = process.pid();
  if (!pid.is_null() && !cid_destroy(pid.as_handle(), process)) {
    bug_check(CID_HANDLE_DELETION, "CID_HANDLE_DELETION", pid.value(), process.address());
  }
}

// --- exit ------------------------------------------------------------------------------------

Status Kernel::NtTerminateThread(ps::Thread& thread) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "NtTerminateThread");
  if (thread.is_system()) return STATUS_ACCESS_DENIED;  // system threads exit on their own [I]
  if ((thread.CrossThreadFlags.fetch_or(ps::Thread::kFlagTerminated) &
       ps::Thread::kFlagTerminated) != 0) {
    return STATUS_THREAD_IS_TERMINATING;
  }
  PspExitThread(thread);
  return STATUS_SUCCESS;
}

Status Kernel::NtTerminateProcess(ps::Process& process) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "NtTerminateProcess");
  if (&process == system_process_ || &process == idle_process_) return STATUS_ACCESS_DENIED;
  std::vector<ps::Thread*> threads;
  {
    MutexLocker hold(process.ProcessLock);
    if ((process.Flags.load(std::memory_order_acquire) &
         (ps::Process::kFlagProcessDelete | ps::Process::kFlagProcessExiting)) != 0) {
      return STATUS_PROCESS_IS_TERMINATING;
    }
    // With an explicit handle, PROCESS_DELETE is set at once (§3.1): no new thread gets in.
    process.Flags.fetch_or(ps::Process::kFlagProcessDelete, std::memory_order_acq_rel);
    threads = process.ThreadListHead.snapshot();
  }
  for (ps::Thread* t : threads) {
    if ((t->CrossThreadFlags.fetch_or(ps::Thread::kFlagTerminated) & ps::Thread::kFlagTerminated) ==
        0) {
      PspExitThread(*t);
    }
  }
  return STATUS_SUCCESS;
}

void Kernel::PspExitThread(ps::Thread& thread) {
  // Runs in the exiting thread's context (§3.1).
  EnterKernel context(this, thread);
  FrameScope frame("nt", "PspExitThread");
  ps::Process& process = *thread.ThreadsProcess;
  // Step 4: the thread-exit notify; its PID per the profile (2003: the process field).
  const ProcessId pid = profile_.thread_exit_notify_pid == ThreadExitNotifyPid::ProcessField
                            ? process.pid()
                            : thread.Cid().UniqueProcess;
  notify_thread(thread, pid, false);
  // Step 5: the last thread marks the process for deletion.
  bool last = false;
  {
    MutexLocker hold(process.ProcessLock);
    if (process.ActiveThreads > 0) --process.ActiveThreads;
    if (process.ActiveThreads == 0) {
      process.Flags.fetch_or(ps::Process::kFlagProcessDelete, std::memory_order_acq_rel);
      last = true;
    }
  }
  // Step 11: the last thread runs the process exit: notify, then the handles are closed.
  if (last) PspExitProcess(process);
  // The thread's own reference goes; with no handle left it is deleted now (its TID with it).
  objects_.dereference(thread);
}

void Kernel::PspExitProcess(ps::Process& process) {
  FrameScope frame("nt", "PspExitProcess");
  {
    MutexLocker hold(process.ProcessLock);
    process.Flags.fetch_or(ps::Process::kFlagProcessExiting, std::memory_order_acq_rel);
  }
  static_cast<void>(notify_process(process, false));  // exits cannot be vetoed
  ObKillProcess(process);
}

void Kernel::ObKillProcess(ps::Process& process) {
  FrameScope frame("nt", "ObKillProcess");
  // Close every handle the process holds: collect under each entry's lock, close afterwards.
  std::vector<std::pair<Handle, std::uint64_t>> open;
  process.ObjectTable->enumerate(
      [&](Handle h, const ex::EntryView& e) { open.emplace_back(h, e.object); });
  for (const auto& [h, address] : open) {
    if (!process.ObjectTable->destroy(h)) continue;
    if (ob::Object* o = objects_.find(address)) {
      objects_.decrement_handle_count(*o);
      objects_.dereference(*o);
    }
  }
}

Status Kernel::NtClose(ps::Process& owner, Handle handle) {
  EnterKernel enter(this, current_thread());
  FrameScope frame("nt", "NtClose");
  std::uint64_t address = 0;
  owner.ObjectTable->with_locked(handle, [&](const ex::EntryView& e) { address = e.object; });
  if (address == 0 || !owner.ObjectTable->destroy(handle)) return STATUS_INVALID_HANDLE;
  if (ob::Object* o = objects_.find(address)) {
    objects_.decrement_handle_count(*o);
    objects_.dereference(*o);  // may delete, and may bugcheck
  }
  return STATUS_SUCCESS;
}

// --- the verifier ------------------------------------------------------------------------------

void Kernel::set_step(std::string label) {
  MutexLocker hold(impl_->books);
  if (impl_->step_labels.back() != label) impl_->step_labels.push_back(std::move(label));
  impl_->step_now.store(static_cast<std::uint32_t>(impl_->step_labels.size() - 1),
                        std::memory_order_release);
}

void Kernel::poke_unique_process_id(ps::Process& process, ProcessId value) {
  impl_->note(&Impl::pid_changed_step, process.address());
  process.UniqueProcessId.store(value.value(), std::memory_order_release);
}

void Kernel::record_finding(Finding f) {
  if (tracing()) {
    sink_->emit(Event{"finding", {}}
                    .add("kind", f.kind)
                    .add("detail", f.detail)
                    .add("id", f.id)
                    .add("object", f.object)
                    .add("step", f.step));
  }
  MutexLocker hold(impl_->books);
  impl_->runtime_findings.push_back(std::move(f));
}

void Kernel::bug_check(std::uint32_t code, std::string_view name, std::uint64_t p1,
                       std::uint64_t p2) {
  bugcheck_ = std::make_unique<BugCheck>(code, name, std::array<std::uint64_t, 4>{p1, p2, 0, 0});
  throw BugCheck(*bugcheck_);
}

bool Kernel::dangling(std::uint64_t address, std::uint64_t id) {
  ob::Object* o = objects_.find(address);
  if (o != nullptr && !o->is_deleted()) return false;
  // The real kernel would read the freed object's type and access here (§7.2 point 9); the
  // model reports it and performs nothing.
  record_finding({"use-after-free",
                  fmt::format("lookup of ID {:#x} went through PspCidTable to {} {:#x}, deleted at "
                              "'{}': the kernel would read freed memory",
                              id, o != nullptr ? ob::to_string(o->type()) : "object", address,
                              deleted_step(o)),
                  id, address, impl_->current_step()});
  return true;
}

bool Kernel::removal_would_deadlock(const void* routine) {
  // A removal that waits for callers in flight, issued from inside that very routine, would wait
  // for itself forever (MSDOC: not to be called from the callback). Refuse, changing nothing.
  if (profile_.notify_storage != NotifyStorage::ExCallback) return false;
  if (!tls.runs(routine)) return false;
  record_finding({"removal-deadlock",
                  fmt::format("{} asked to remove itself from inside its own call: the removal "
                              "would wait for itself; refused with STATUS_POSSIBLE_DEADLOCK",
                              routine_symbol(routine)),
                  0, 0, impl_->current_step()});
  return true;
}

void Kernel::check_removal_in_flight(const void* routine) {
  if (profile_.notify_storage != NotifyStorage::PlainArray) return;
  const int running = impl_->book(routine).in_flight.load(std::memory_order_seq_cst);
  if (running == 0) return;
  record_finding({"call-after-remove",
                  fmt::format("removal of {} returned while {} call(s) of it were still running: "
                              "the driver may unload under them",
                              routine_symbol(routine), running),
                  0, 0, impl_->current_step()});
}

std::string Kernel::deleted_step(const ob::Object* o) const {
  return o == nullptr ? std::string() : impl_->step_text(o->step_deleted.load());
}

std::vector<Kernel::Finding> Kernel::audit() {
  std::vector<Finding> found;
  {
    MutexLocker hold(impl_->books);
    found = impl_->runtime_findings;
  }
  const std::size_t already = found.size();
  // PspCidTable: entries to tombstones, entries their objects no longer own, duplicates.
  std::map<std::uint64_t, std::vector<std::uint64_t>> by_object;
  // What each entry names, read while the entry is locked: an object some entry names is never
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
  std::vector<EntryFacts> entries;
  cid_table_.enumerate([&](Handle h, const ex::EntryView& e) {
    EntryFacts f;
    f.handle = h.value();
    f.address = e.object;
    if (const ob::Object* o = objects_.find(e.object)) {
      f.present = true;
      f.deleted = o->is_deleted();
      f.type = o->type();
      f.name = object_name(*o);
      f.owned = o->type() == ob::ObjectType::Process
                    ? static_cast<const ps::Process*>(o)->pid().value()
                    : static_cast<const ps::Thread*>(o)->tid().value();
      f.step_deleted = o->step_deleted.load();
      f.step_cid = o->step_cid_created.load();
    }
    entries.push_back(std::move(f));
  });
  std::map<std::uint64_t, const EntryFacts*> facts_of;
  for (const EntryFacts& f : entries) {
    const std::uint64_t h = f.handle;
    const std::uint64_t address = f.address;
    if (!f.present || f.deleted) {
      const std::string step = impl_->step_text(f.step_deleted);
      found.push_back(
          {"dangling-cid",
           fmt::format("PspCidTable entry {:#x} still points at {} {} ({:#x}), deleted at "
                       "'{}': a lookup of {:#x} would use freed memory, and the ID is never reused",
                       h, f.present ? ob::to_string(f.type) : "object", f.present ? f.name : "?",
                       address, step, h),
           h, address, step});
      continue;
    }
    by_object[address].push_back(h);
    facts_of[address] = &f;
    if (f.owned != h) {
      found.push_back(
          {"leaked-cid",
           fmt::format("PspCidTable entry {:#x} points at {} {}, whose ID is now {:#x}: "
                       "its deletion will not destroy {:#x}",
                       h, ob::to_string(f.type), f.name, f.owned, h),
           h, address, impl_->noted(&Impl::pid_changed_step, address)});
    }
  }
  for (const auto& [address, handles] : by_object) {
    if (handles.size() < 2) continue;
    const EntryFacts& f = *facts_of.at(address);
    std::string list;
    for (std::uint64_t h : handles)
      list += fmt::format("{}{:#x}", list.empty() ? "" : ", ", h);
    found.push_back({"duplicate-cid",
                     fmt::format("{} {} has {} PspCidTable entries: {}", ob::to_string(f.type),
                                 f.name, handles.size(), list),
                     handles.back(), address, impl_->step_text(f.step_cid)});
  }
  // Notify bookkeeping: per routine and ID, creates and exits must pair up once the object is
  // gone. Reported by routine symbol, kind and ID, whatever the host's hash order.
  struct Unpaired {
    std::string routine;
    std::uint64_t key;  // kind and ID (Impl::balance_key): ordered by kind, then ID
    Impl::Balance b;
    bool ended;  // of a registration that ended: already judged a hazard
  };
  std::vector<Unpaired> unpaired;
  std::vector<Impl::RoutineBook*> books;
  {
    MutexLocker hold(impl_->books);
    for (auto& [routine, book] : impl_->routine_books)
      books.push_back(book.get());
  }
  for (Impl::RoutineBook* book : books) {
    const Symbol& symbol = symbol_of(*book);
    const std::string name = symbol.module + "!" + symbol.function;
    const std::uint32_t now = book->generation.load(std::memory_order_acquire);
    for (Impl::Shard& shard : book->shards) {
      SpinLocker hold(shard.lock);
      shard.balance.for_each([&](std::uint64_t key, const Impl::Balance& b) {
        if (b.creates == b.exits) return;
        const bool ended = b.generation != now;
        if (ended && !book->closed_hazard(key, b)) return;
        unpaired.push_back({name, key, b, ended});
      });
      for (const Impl::Unpaired& c : shard.closed) {
        unpaired.push_back({name, c.key, c.balance, true});
      }
    }
  }
  std::sort(unpaired.begin(), unpaired.end(), [](const Unpaired& a, const Unpaired& b) {
    return std::tie(a.routine, a.key, a.b.last_step) < std::tie(b.routine, b.key, b.b.last_step);
  });
  for (const Unpaired& u : unpaired) {
    // A running object with this ID may still get its exits: only judge the ones that are gone.
    if (!u.ended && running_with_id(u.key)) continue;
    const Impl::BalanceKind kind = Impl::key_kind(u.key);
    const std::uint64_t id = Impl::key_id(u.key);
    const char* what = kind == Impl::kProcessIds  ? "process"
                       : kind == Impl::kThreadIds ? "thread"
                                                  : "threads of process";
    found.push_back({"unbalanced-notify",
                     fmt::format("{} saw {} create(s) and {} exit(s) for {} ID {:#x}", u.routine,
                                 u.b.creates, u.b.exits, what, id),
                     id, 0, impl_->step_text(u.b.last_step)});
  }
  // The notify arrays: the registration counter against the slots, and (EX_CALLBACK) blocks
  // that no slot names any more but were never freed.
  auto audit_array = [&](const auto& array, std::string_view name, std::uint64_t which) {
    std::uint32_t occupied = 0;
    for (std::uint32_t i = 0; i < array.size(); ++i) {
      if (array.slot(i) != nullptr) ++occupied;
    }
    if (occupied != array.count()) {
      found.push_back({"notify-count-mismatch",
                       fmt::format("{}Count is {} but {} slot(s) hold a routine: a slot was "
                                   "written outside the API",
                                   name, array.count(), occupied),
                       0, 0, impl_->noted(&Impl::slot_cleared_step, which)});
    }
  };
  audit_array(process_notify_, "PspCreateProcessNotifyRoutine", 0);
  audit_array(thread_notify_, "PspCreateThreadNotifyRoutine", 1);
  if (profile_.notify_storage == NotifyStorage::ExCallback) {
    std::set<std::uint64_t> installed;
    auto collect = [&](const auto& array) {
      for (std::uint32_t i = 0; i < array.size(); ++i) {
        if (array.raw(i) != 0) installed.insert(ex::FastRef::object(array.raw(i), profile_.arch));
      }
    };
    collect(process_notify_);
    collect(thread_notify_);
    for (const ex::CallbackBlock* block : callbacks_.blocks()) {
      if (block->is_freed() || installed.count(block->address()) != 0) continue;
      if (block->RundownProtect.is_active()) continue;  // a removal is running it down now
      found.push_back(
          {"lost-callback-block",
           fmt::format("EX_CALLBACK block {:#x} of {} is in no slot and was never freed: its "
                       "rundown still counts {} holder(s) that can never release it",
                       block->address(), routine_symbol(block->Function),
                       block->RundownProtect.holders()),
           0, block->address(), impl_->noted(&Impl::slot_cleared_step, block->address())});
    }
  }
  // Runtime findings were emitted when raised; emit the rest now.
  for (std::size_t i = already; i < found.size(); ++i) {
    if (tracing()) {
      sink_->emit(Event{"finding", {}}
                      .add("kind", found[i].kind)
                      .add("detail", found[i].detail)
                      .add("id", found[i].id)
                      .add("object", found[i].object)
                      .add("step", found[i].step));
    }
  }
  return found;
}

namespace {
// Not exiting, and (unless any state will do) with a thread that has not exited.
bool process_running(ps::Process& p, bool any_state) NTEMU_REQUIRES(p.ProcessLock) {
  const bool exiting =
      (p.Flags.load(std::memory_order_acquire) & ps::Process::kFlagProcessExiting) != 0;
  return !exiting && (any_state || p.ActiveThreads > 0);
}
}  // namespace

bool Kernel::running_with_id(std::uint64_t key) {
  // A live object that has not exited and carries the key's ID now, found through the ID's
  // PspCidTable entry and read while that entry is locked (so the object cannot be released).
  // ID 0 is nobody's: Idle keeps it but is never in PspCidTable, and a routine told 0 can never
  // be told 0 exited.
  const Impl::BalanceKind kind = Impl::key_kind(key);
  const std::uint64_t id = Impl::key_id(key);
  if (id == 0) return false;
  bool running = false;
  cid_table_.with_locked(Handle{id}, [&](const ex::EntryView& e) {
    ob::Object* o = objects_.find(e.object);
    if (o == nullptr || o->is_deleted()) return;
    if (o->type() == ob::ObjectType::Thread) {
      auto* t = static_cast<ps::Thread*>(o);
      running = kind == Impl::kThreadIds &&
                (t->CrossThreadFlags.load() & ps::Thread::kFlagTerminated) == 0 &&
                t->tid().value() == id;
      return;
    }
    if (kind == Impl::kThreadIds) return;
    auto* p = static_cast<ps::Process*>(o);
    if (p->pid().value() != id) return;
    // Never wait for a process lock here: another host thread may hold it around a notify call
    // (win2000). A process whose lock is busy is live and being worked on.
    if (p->ProcessLock.held_by_current_thread()) {
      p->ProcessLock.assert_held();
      running = process_running(*p, kind == Impl::kProcessIds);
      return;
    }
    if (!p->ProcessLock.try_lock()) {
      running = true;
      return;
    }
    running = process_running(*p, kind == Impl::kProcessIds);
    p->ProcessLock.unlock();
  });
  return running;
}

// --- stacks --------------------------------------------------------------------------------------

std::vector<Frame> Kernel::call_stack() const {
  const std::size_t n = std::min(tls.depth, HostThreadState::kMaxFrames);
  std::vector<Frame> frames(tls.stack.begin(), tls.stack.begin() + static_cast<std::ptrdiff_t>(n));
  std::reverse(frames.begin(), frames.end());
  return frames;
}

std::string Kernel::format_stack_kb() const {
  // kb's columns, innermost first: frame number, three arguments, call site. ntemu keeps no
  // frame pointers or return addresses, so only the arguments it knows are shown; unknown ones
  // print as dashes.
  const int width = profile_.arch == Arch::X86 ? 8 : 16;
  const std::string unknown(static_cast<std::size_t>(width), '-');
  std::string out = fmt::format(" # {:<{}} Call Site\n", "Args to Child", 3 * (width + 1) - 1);
  const std::vector<Frame> frames = call_stack();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    std::string args;
    for (int a = 0; a < 3; ++a) {
      if (a > 0) args += ' ';
      args += a < f.arg_count ? fmt::format("{:0{}x}", f.args[a], width) : unknown;
    }
    out += fmt::format("{:02x} {} {}!{}\n", i, args, f.module, f.function);
  }
  return out;
}

}  // namespace ntemu
