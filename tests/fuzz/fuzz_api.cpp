// SPDX-License-Identifier: MIT
// libFuzzer harness: bytes as a sequence of kernel API calls, on every profile, with the
// kernel's invariants checked after each step (docs/robustness.md).
//
// The first byte picks the profile (Profile::make for each version × arch) and whether
// PspCidTable is capped at one low-level page (so ID exhaustion is reached). Each following
// step is an operation byte and its arguments:
//   registrations and removals of 4 process, 4 thread and 4 Ex routines (any API, any routine,
//   also on profiles that lack the export); NtCreateProcess (any parent), NtCreateThread (any
//   process but Idle), PsCreateSystemThread; NtTerminateThread / NtTerminateProcess (any,
//   again and again); NtClose of a recorded handle (also after it was closed: stale), or of an
//   arbitrary (owner, value) pair; poke_unique_process_id; poke_clear_notify_slot (also out of
//   range); the three lookups with IDs of objects, tag bits, zero and junk; a context switch to
//   any thread the run made (exited ones too); audit; and what
//   each routine does when called (nothing, lookups, remove itself, register or remove another,
//   create a thread or a system thread, veto an Ex creation; and, on the process it is told of
//   — which win2000 keeps locked around the process-notify loop — terminate it, create a child of
//   it, close a handle, terminate a thread, dereference it once too often) — routines act at
//   depth < 3, at most 16 times per step.
//
// Invariants, checked after every step (the handle and process ones after every 8th step and at
// the end; the fast-ref one also inside every routine call); at most 1000 steps per input:
//   - PspCidTable ↔ objects: every entry names an object the object manager made; unless a PID
//     was poked, every entry names a live object carrying exactly that ID, no object has two,
//     and every live process with a PID and every live thread with a TID has its entry; with
//     pokes, the verifier's dangling-cid / leaked-cid / duplicate-cid findings are exactly the
//     entries this harness finds wrong, computed independently;
//   - handles: every object-table entry names a live object; each object's HandleCount equals
//     the entries naming it; PointerCount ≥ HandleCount; tombstones hold no count; a deleted
//     process's table is empty;
//   - processes: ActiveThreads equals the threads of the list not terminated; listed threads
//     are live and belong to the process;
//   - fast-ref accounting (CallbackManager::accounting_holds, recomputed from the slot words):
//     for every routine, Σ over installed blocks of (rundown holders − cached − 1) equals the
//     calls of it in flight; installed blocks are neither freed nor being run down; the
//     registration counter equals the occupied slots unless a slot was poked;
//   - lookups: a successful one returns a live object with the ID looked up (tag bits ignored;
//     processes: unless a PID was poked), by CID with the same Cid.UniqueProcess;
//   - every status is one the API documents;
//   - no exception but BugCheck leaves an API; after a BugCheck the machine is down and the run
//     stops (the kernel stays inspectable: the invariants that still must hold are checked).
// Everything is a function of the input: no clocks, no host addresses in decisions.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/support/bugcheck.hpp"

namespace {

using namespace ntemu;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_api: invariant violated: %s\n", what.c_str());
  std::abort();
}

void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

// As require, with the message built only on failure.
template <class... Args>
void require(bool ok, fmt::format_string<Args...> format, Args&&... args) {
  if (!ok) fail(fmt::format(format, std::forward<Args>(args)...));
}

constexpr int kRoutines = 4;

enum class Action : std::uint8_t {
  None,
  Lookups,
  RemoveSelf,
  RegisterOther,
  RemoveOther,
  CreateThread,
  CreateSystemThread,
  Veto,
  // Calls on the object the routine is told of, which on win2000 runs under that process's
  // lock (ProcessLockDuringNotify::Held): each once hung the host.
  TerminateNotified,
  TerminateThread,
  CreateChild,
  CloseHandle,
  OverDereference,
  kCount,
};

enum class RoutineKind : std::uint8_t { Process, Thread, Ex };

struct HandleRecord {
  ps::Process* owner;
  Handle handle;
};

struct Run;
Run* g_run = nullptr;

void process_routine_body(int index, ProcessId parent, ProcessId pid, bool create);
void thread_routine_body(int index, ProcessId pid, ThreadId tid, bool create);
void ex_routine_body(int index, ps::Process* process, ProcessId pid, PS_CREATE_NOTIFY_INFO* info);

template <int I>
void process_routine(ProcessId parent, ProcessId pid, bool create) {
  process_routine_body(I, parent, pid, create);
}
template <int I>
void thread_routine(ProcessId pid, ThreadId tid, bool create) {
  thread_routine_body(I, pid, tid, create);
}
template <int I>
void ex_routine(ps::Process* process, ProcessId pid, PS_CREATE_NOTIFY_INFO* info) {
  ex_routine_body(I, process, pid, info);
}

constexpr PCREATE_PROCESS_NOTIFY_ROUTINE kProcessRoutines[kRoutines] = {
    process_routine<0>, process_routine<1>, process_routine<2>, process_routine<3>};
constexpr PCREATE_THREAD_NOTIFY_ROUTINE kThreadRoutines[kRoutines] = {
    thread_routine<0>, thread_routine<1>, thread_routine<2>, thread_routine<3>};
constexpr PCREATE_PROCESS_NOTIFY_ROUTINE_EX kExRoutines[kRoutines] = {ex_routine<0>, ex_routine<1>,
                                                                      ex_routine<2>, ex_routine<3>};

bool one_of(Status s, std::initializer_list<Status> allowed) {
  return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

struct Run {
  FuzzedDataProvider& in;
  Kernel& k;
  std::vector<ps::Process*> processes;  // System first; never Idle
  std::vector<ps::Thread*> threads;     // the first system thread first
  std::vector<HandleRecord> handles;
  std::unique_ptr<Kernel::ContextScope> context;
  Action actions[3][kRoutines] = {};
  std::map<const void*, int> in_flight;  // routine → calls running now
  int depth = 0;
  bool poked_pid = false;
  bool poked_slot = false;
  bool over_dereferenced = false;  // a routine dropped a reference it did not own
  bool routine_closed = false;     // a routine closed a handle or terminated a thread or process
  bool bugcheck_in_routine = false;
  bool verbose = false;
  std::uint64_t checks = 0;
  int actions_left = 0;  // routine actions still allowed in this step

  Run(FuzzedDataProvider& input, Kernel& kernel) : in(input), k(kernel) {
    processes.push_back(&k.system_process());
    threads.push_back(&k.first_system_thread());
  }

  template <class T>
  T* pick(const std::vector<T*>& v) {
    if (v.empty()) return nullptr;
    return v[in.ConsumeIntegralInRange<std::size_t>(0, v.size() - 1)];
  }

  // --- IDs -----------------------------------------------------------------------------------
  std::uint64_t some_id() {
    std::uint64_t id = 0;
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        if (ps::Process* p = pick(processes)) id = p->pid().value();
        break;
      case 1:
        if (ps::Thread* t = pick(threads)) id = t->tid().value();
        break;
      case 2:
        id = in.ConsumeIntegralInRange<std::uint64_t>(0, 0x100);
        break;
      case 3:
        id = in.ConsumeIntegral<std::uint64_t>();
        break;
      case 4:
        id = in.ConsumeIntegral<std::uint32_t>();
        break;
      default:
        id = 0;
        break;
    }
    if (in.ConsumeBool()) id |= in.ConsumeIntegralInRange<std::uint64_t>(0, 3);  // tag bits
    return id;
  }

  // --- bookkeeping of creations --------------------------------------------------------------
  void created(const Kernel::ThreadCreated& r, bool system) {
    require(one_of(r.status, {STATUS_SUCCESS, STATUS_INVALID_HANDLE, STATUS_INSUFFICIENT_RESOURCES,
                              STATUS_UNSUCCESSFUL, STATUS_PROCESS_IS_TERMINATING,
                              STATUS_POSSIBLE_DEADLOCK, STATUS_ACCESS_DENIED}),
            "thread creation status {:#010x}", r.status.value());
    require(r.status.ok() == (r.thread != nullptr), "thread creation: status and thread disagree");
    if (r.thread == nullptr) return;
    // A routine may have closed its handle meanwhile (a stale handle value reused), terminated
    // it (it then exits as its creation completes, and its creator's process with it may close
    // the handle), or dropped a reference it did not own: then it may be gone, as it would be.
    require(!r.thread->is_deleted() || routine_closed || over_dereferenced,
            "a created thread is already deleted (handle {:#x}, {}, PointerCount {})",
            r.handle.value(), r.thread->Name, r.thread->pointer_count());
    require(r.cid == r.thread->Cid(), "the returned Cid is not the thread's");
    require(!r.handle.is_null(), "a created thread has no handle");
    threads.push_back(r.thread);
    handles.push_back({system ? &k.system_process() : &k.current_process(), r.handle});
  }

  void create_thread(ps::Process& p) {
    created(k.NtCreateThread(p, in.ConsumeBool() ? CreateSuspended::Yes : CreateSuspended::No,
                             fmt::format("t{}", threads.size())),
            false);
  }
  void create_system_thread() {
    created(k.PsCreateSystemThread(fmt::format("s{}", threads.size())), true);
  }

  // --- API calls a step or a routine makes -----------------------------------------------------
  // STATUS_POSSIBLE_DEADLOCK is an answer only inside a routine running under a process lock.
  bool may_deadlock() const {
    return depth > 0 &&
           k.profile().process_lock_during_process_notify == ProcessLockDuringNotify::Held;
  }

  void create_process(ps::Process* parent) {
    const Kernel::ProcessCreated r =
        k.NtCreateProcess(fmt::format("p{}", processes.size()), parent);
    require(one_of(r.status,
                   {STATUS_SUCCESS, STATUS_PROCESS_IS_TERMINATING, STATUS_INSUFFICIENT_RESOURCES,
                    STATUS_UNSUCCESSFUL, STATUS_INVALID_HANDLE}),
            "NtCreateProcess status {:#010x}", r.status.value());
    require(r.status.ok() == (r.process != nullptr), "process creation: status disagrees");
    if (r.process != nullptr) {
      processes.push_back(r.process);
      handles.push_back({&k.current_process(), r.handle});
    }
  }

  void terminate_thread(ps::Thread& t) {
    if (depth > 0) routine_closed = true;
    const Status s = k.NtTerminateThread(t);
    require(one_of(s, {STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_THREAD_IS_TERMINATING,
                       STATUS_POSSIBLE_DEADLOCK}),
            "NtTerminateThread status {:#010x}", s.value());
    require(s != STATUS_POSSIBLE_DEADLOCK || may_deadlock(),
            "NtTerminateThread: STATUS_POSSIBLE_DEADLOCK outside a locked notify");
  }

  void terminate_process(ps::Process& p) {
    if (depth > 0) routine_closed = true;
    const Status s = k.NtTerminateProcess(p);
    require(one_of(s, {STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_PROCESS_IS_TERMINATING,
                       STATUS_POSSIBLE_DEADLOCK}),
            "NtTerminateProcess status {:#010x}", s.value());
    require(s != STATUS_POSSIBLE_DEADLOCK || may_deadlock(),
            "NtTerminateProcess: STATUS_POSSIBLE_DEADLOCK outside a locked notify");
  }

  void close_handle() {
    if (handles.empty()) return;
    if (depth > 0) routine_closed = true;
    const HandleRecord h = handles[in.ConsumeIntegralInRange<std::size_t>(0, handles.size() - 1)];
    const Status s = k.NtClose(*h.owner, h.handle);
    require(one_of(s, {STATUS_SUCCESS, STATUS_INVALID_HANDLE}), "NtClose status {:#010x}",
            s.value());
  }

  // The process the routine is told of, referenced (nullptr if the lookup fails).
  ps::Process* notified_process(ProcessId pid) {
    ps::Process* p = nullptr;
    if (!k.PsLookupProcessByProcessId(pid, &p).ok()) return nullptr;
    return p;
  }

  // --- registration --------------------------------------------------------------------------
  void registration(RoutineKind kind, int index, bool remove) {
    Status s;
    switch (kind) {
      case RoutineKind::Process:
        s = k.PsSetCreateProcessNotifyRoutine(kProcessRoutines[index], remove);
        break;
      case RoutineKind::Thread:
        s = remove ? k.PsRemoveCreateThreadNotifyRoutine(kThreadRoutines[index])
                   : k.PsSetCreateThreadNotifyRoutine(kThreadRoutines[index]);
        break;
      case RoutineKind::Ex:
        s = k.PsSetCreateProcessNotifyRoutineEx(kExRoutines[index], remove);
        break;
    }
    require(
        one_of(s, {STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_INSUFFICIENT_RESOURCES,
                   STATUS_PROCEDURE_NOT_FOUND, STATUS_NOT_IMPLEMENTED, STATUS_POSSIBLE_DEADLOCK}),
        "registration status {:#010x}", s.value());
    if (s == STATUS_POSSIBLE_DEADLOCK) {
      // Only a removal of a routine running on this host thread, under EX_CALLBACK.
      require(remove && k.profile().notify_storage == NotifyStorage::ExCallback,
              "STATUS_POSSIBLE_DEADLOCK from a registration that cannot wait");
      const void* r =
          kind == RoutineKind::Thread ? reinterpret_cast<const void*>(kThreadRoutines[index])
          : kind == RoutineKind::Ex   ? reinterpret_cast<const void*>(kExRoutines[index])
                                      : reinterpret_cast<const void*>(kProcessRoutines[index]);
      require(in_flight[r] > 0, "STATUS_POSSIBLE_DEADLOCK for a routine that is not running");
    }
  }

  // --- what a routine does when called -------------------------------------------------------
  void act(RoutineKind kind, int index, ProcessId pid, ThreadId tid, PS_CREATE_NOTIFY_INFO* info) {
    check_fast_refs();
    // Re-entrant routines may create threads whose notifications call routines again: bounded by
    // depth and by a budget of actions per step, or the fan-out grows as 8^depth.
    if (depth >= 3 || actions_left == 0) return;
    --actions_left;
    ++depth;
    switch (actions[static_cast<int>(kind)][index]) {
      case Action::None:
      case Action::kCount:
        break;
      case Action::Lookups: {
        require(k.PsGetCurrentProcessId() == k.current_thread().Cid().UniqueProcess,
                "PsGetCurrentProcessId is not the current thread's Cid copy");
        ps::Process* p = nullptr;
        if (k.PsLookupProcessByProcessId(pid, &p).ok()) {
          require(p != nullptr && !p->is_deleted(), "lookup in a routine returned a tombstone");
          k.ObDereferenceObject(*p);
        }
        ps::Thread* t = nullptr;
        if (!tid.is_null() && k.PsLookupThreadByThreadId(tid, &t).ok()) {
          require(t != nullptr && !t->is_deleted(), "lookup in a routine returned a tombstone");
          k.ObDereferenceObject(*t);
        }
        break;
      }
      case Action::RemoveSelf:
        registration(kind, index, true);
        break;
      case Action::RegisterOther:
        registration(kind, (index + 1) % kRoutines, false);
        break;
      case Action::RemoveOther:
        registration(kind, (index + 1) % kRoutines, true);
        break;
      case Action::CreateThread: {
        ps::Process* p = nullptr;
        if (k.PsLookupProcessByProcessId(pid, &p).ok() && p != nullptr) {
          if (p != &k.system_process()) create_thread(*p);
          k.ObDereferenceObject(*p);
        }
        break;
      }
      case Action::CreateSystemThread:
        create_system_thread();
        break;
      case Action::Veto:
        if (info != nullptr) info->CreationStatus = STATUS_ACCESS_DENIED;
        break;
      case Action::TerminateNotified:
        if (ps::Process* p = notified_process(pid)) {
          if (p != &k.system_process()) terminate_process(*p);
          k.ObDereferenceObject(*p);
        }
        break;
      case Action::TerminateThread:
        if (ps::Thread* t = pick(threads)) terminate_thread(*t);
        break;
      case Action::CreateChild:
        if (ps::Process* p = notified_process(pid)) {
          create_process(p);
          k.ObDereferenceObject(*p);
        }
        break;
      case Action::CloseHandle:
        close_handle();
        break;
      case Action::OverDereference:
        // A driver's bug: one dereference too many. The object may be deleted under the
        // handles and references the rest of the run holds (tombstones are kept, so this stays
        // defined); the handle and count invariants no longer hold after it.
        if (ps::Process* p = notified_process(pid)) {
          if (p != &k.system_process()) {
            k.ObDereferenceObject(*p);
            over_dereferenced = true;
          }
          k.ObDereferenceObject(*p);
        }
        break;
    }
    --depth;
  }

  void call(RoutineKind kind, int index, const void* routine, ProcessId pid, ThreadId tid,
            PS_CREATE_NOTIFY_INFO* info) {
    require(Kernel::current() == &k, "a routine runs without its kernel current");
    ++in_flight[routine];
    try {
      act(kind, index, pid, tid, info);
    } catch (const BugCheck&) {
      // Leaves the kernel through the routine's caller, which may hold a process lock.
      bugcheck_in_routine = true;
      throw;
    }
    --in_flight[routine];
  }

  // --- invariants ----------------------------------------------------------------------------
  template <class Array>
  void check_array(const Array& a, std::map<const void*, std::int64_t>& extra) {
    std::uint32_t occupied = 0;
    for (std::uint32_t i = 0; i < a.size(); ++i) {
      if (a.slot(i) != nullptr) ++occupied;
      if (a.storage() != NotifyStorage::ExCallback) continue;
      const std::uint64_t raw = a.raw(i);
      if (raw == 0) continue;
      const ex::CallbackBlock* b = a.block(i);
      require(b != nullptr, "a slot word names no callback block");
      require(!b->is_freed(), "a slot holds a freed callback block");
      require(!b->RundownProtect.is_active(), "an installed callback block is being run down");
      const std::uint64_t cached = ex::FastRef::cached(raw, k.profile().arch);
      const std::uint64_t holders = b->RundownProtect.holders();
      require(holders >= cached + 1, "slot {}: {} rundown holders < {} cached + 1", i, holders,
              cached);
      extra[b->Function] += static_cast<std::int64_t>(holders - cached - 1);
    }
    if (!poked_slot) {
      require(a.count() == occupied, "registration counter {} but {} occupied slots", a.count(),
              occupied);
    }
  }

  void check_fast_refs() {
    std::map<const void*, std::int64_t> extra;
    check_array(k.process_notify_array(), extra);
    check_array(k.thread_notify_array(), extra);
    for (const auto& [routine, n] : extra) {
      auto it = in_flight.find(routine);
      const int running = it == in_flight.end() ? 0 : it->second;
      require(n == running,
              "fast-ref accounting: {} extra rundown references for a "
              "routine with {} calls in flight",
              n, running);
    }
  }

  static std::uint64_t id_of(const ob::Object& o) {
    return o.type() == ob::ObjectType::Process ? static_cast<const ps::Process&>(o).pid().value()
                                               : static_cast<const ps::Thread&>(o).tid().value();
  }

  void check_invariants(bool with_audit) {
    check_fast_refs();
    const std::vector<ob::Object*> all = k.objects().all();
    // PspCidTable ↔ objects.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> entries;
    k.cid_table().enumerate(
        [&](Handle h, const ex::EntryView& e) { entries.emplace_back(h.value(), e.object); });
    std::map<std::uint64_t, int> per_object;
    std::size_t dangling = 0;
    std::size_t leaked = 0;
    for (const auto& [h, address] : entries) {
      ob::Object* o = k.objects().find(address);
      require(o != nullptr, "CID {:#x} names {:#x}, which is no object", h, address);
      if (o->is_deleted()) {
        ++dangling;
        continue;
      }
      ++per_object[address];
      if (id_of(*o) != h) ++leaked;
    }
    std::size_t duplicates = 0;
    for (const auto& [address, n] : per_object) {
      if (n > 1) ++duplicates;
    }
    if (!poked_pid) {
      require(dangling == 0 && leaked == 0 && duplicates == 0,
              "without pokes: {} dangling, {} leaked, {} duplicate CID entries", dangling, leaked,
              duplicates);
      for (ob::Object* o : all) {
        if (o->is_deleted() || o == &k.idle_process() || o == &k.idle_thread()) continue;
        const std::uint64_t id = id_of(*o);
        if (id == 0) continue;
        bool found = false;
        (void)k.cid_table().with_locked(
            Handle{id}, [&](const ex::EntryView& e) { found = e.object == o->address(); });
        require(found, "live {} with ID {:#x} has no PspCidTable entry", ob::to_string(o->type()),
                id);
      }
    }
    if (with_audit) {
      std::map<std::string, std::size_t> kinds;
      for (const Kernel::Finding& f : k.audit())
        ++kinds[std::string(verify::to_string(f.kind))];
      require(kinds["dangling-cid"] == dangling && kinds["leaked-cid"] == leaked &&
                  kinds["duplicate-cid"] == duplicates,
              "audit says {}/{}/{} dangling/leaked/duplicate, the harness {}/{}/{}",
              kinds["dangling-cid"], kinds["leaked-cid"], kinds["duplicate-cid"], dangling, leaked,
              duplicates);
    }
    // Handles and counts: a walk of every object table, so every 8th step and at the end only
    // (it dominates the cost of long inputs otherwise; the step count keeps it deterministic).
    // After an over-dereference an object may be deleted under its handles: not checked then.
    if (over_dereferenced) return;
    if (!with_audit && ++checks % 8 != 0) return;
    std::map<std::uint64_t, std::int64_t> handle_refs;
    for (ob::Object* o : all) {
      if (o->type() != ob::ObjectType::Process) continue;
      auto* p = static_cast<ps::Process*>(o);
      std::size_t n = 0;
      p->ObjectTable->enumerate([&](Handle h, const ex::EntryView& e) {
        ++n;
        ob::Object* target = k.objects().find(e.object);
        require(target != nullptr && !target->is_deleted(),
                "handle {:#x} of {} names a deleted or unknown object {:#x}", h.value(),
                p->ImageFileName, e.object);
        ++handle_refs[e.object];
      });
      if (p->is_deleted())
        require(n == 0, "deleted process {} holds {} handles", p->ImageFileName, n);
    }
    for (ob::Object* o : all) {
      const std::int64_t hc = o->handle_count();
      const std::int64_t pc = o->pointer_count();
      require(hc == handle_refs[o->address()], "{} {:#x}: HandleCount {} but {} handles name it",
              ob::to_string(o->type()), o->address(), hc, handle_refs[o->address()]);
      if (o->is_deleted()) {
        require(pc == 0 && hc == 0, "{} {:#x} is deleted but has PointerCount {}, HandleCount {}",
                ob::to_string(o->type()), o->address(), pc, hc);
      } else {
        require(pc >= hc && pc > 0, "{} {:#x}: PointerCount {} < HandleCount {}",
                ob::to_string(o->type()), o->address(), pc, hc);
      }
      if (o->type() != ob::ObjectType::Process || o->is_deleted()) continue;
      auto* p = static_cast<ps::Process*>(o);
      MutexLocker hold(p->ProcessLock);
      std::uint32_t running = 0;
      for (ps::Thread* t : p->ThreadListHead) {
        require(!t->is_deleted() && t->ThreadsProcess == p,
                "a process lists a deleted or foreign thread");
        if ((t->CrossThreadFlags.load() & ps::Thread::kFlagTerminated) == 0) ++running;
      }
      require(p->ActiveThreads == running, "{}: ActiveThreads {} but {} listed threads running",
              p->ImageFileName, p->ActiveThreads, running);
    }
  }

  // --- one step ------------------------------------------------------------------------------
  void step() {
    const int op = in.ConsumeIntegralInRange<int>(0, 20);
    if (verbose) std::fprintf(stderr, "fuzz_api: step op %d\n", op);
    actions_left = 16;

    switch (op) {
      case 0:
      case 1:
      case 2: {
        const auto kind = static_cast<RoutineKind>(op);
        registration(kind, in.ConsumeIntegralInRange<int>(0, kRoutines - 1), in.ConsumeBool());
        break;
      }
      case 3: {
        const auto kind = static_cast<RoutineKind>(in.ConsumeIntegralInRange<int>(0, 2));
        actions[static_cast<int>(kind)][in.ConsumeIntegralInRange<int>(0, kRoutines - 1)] =
            static_cast<Action>(
                in.ConsumeIntegralInRange<int>(0, static_cast<int>(Action::kCount) - 1));
        break;
      }
      case 4:
      case 5:
        create_process(in.ConsumeBool() ? pick(processes) : nullptr);
        break;
      case 6:
      case 7:
        if (ps::Process* p = pick(processes)) {
          create_thread(*p);  // a deleted one too: STATUS_INVALID_HANDLE
        }
        break;
      case 8:
        create_system_thread();
        break;
      case 9:
        if (ps::Thread* t = pick(threads)) terminate_thread(*t);
        break;
      case 10:
        if (ps::Process* p = pick(processes)) terminate_process(*p);
        break;
      case 11:
      case 12:
        close_handle();
        break;
      case 13:
        if (ps::Process* owner = pick(processes)) {
          const Status s = k.NtClose(*owner, Handle{some_id()});
          require(one_of(s, {STATUS_SUCCESS, STATUS_INVALID_HANDLE}), "NtClose status {:#010x}",
                  s.value());
        }
        break;
      case 14:
        if (ps::Process* p = pick(processes)) {
          k.poke_unique_process_id(*p, ProcessId{some_id()});
          poked_pid = true;
        }
        break;
      case 15:
        k.poke_clear_notify_slot(
            in.ConsumeBool() ? ps::NotifyKind::Process : ps::NotifyKind::Thread,
            in.ConsumeIntegralInRange<std::uint32_t>(0, 15));
        poked_slot = true;
        break;
      case 16: {
        const std::uint64_t id = some_id();
        ps::Process* p = nullptr;
        const Status s = k.PsLookupProcessByProcessId(ProcessId{id}, &p);
        require(one_of(s, {STATUS_SUCCESS, k.profile().lookup_failure_status}),
                "PsLookupProcessByProcessId status {:#010x}", s.value());
        require(s.ok() == (p != nullptr), "process lookup: status and result disagree");
        if (p != nullptr) {
          require(!p->is_deleted(), "a process lookup returned a tombstone");
          if (!poked_pid) require(p->pid().value() == (id & ~3ULL), "lookup: wrong process");
          k.ObDereferenceObject(*p);
        }
        break;
      }
      case 17: {
        const std::uint64_t id = some_id();
        ps::Thread* t = nullptr;
        const Status s = k.PsLookupThreadByThreadId(ThreadId{id}, &t);
        require(one_of(s, {STATUS_SUCCESS, k.profile().lookup_failure_status}),
                "PsLookupThreadByThreadId status {:#010x}", s.value());
        require(s.ok() == (t != nullptr), "thread lookup: status and result disagree");
        if (t != nullptr) {
          require(!t->is_deleted(), "a thread lookup returned a tombstone");
          require(t->tid().value() == (id & ~3ULL), "lookup: wrong thread");
          k.ObDereferenceObject(*t);
        }
        break;
      }
      case 18: {
        const ClientId cid{ProcessId{some_id()}, ThreadId{some_id()}};
        ps::Process* p = nullptr;
        ps::Thread* t = nullptr;
        const bool want_process = in.ConsumeBool();
        const Status s = k.PsLookupProcessThreadByCid(cid, want_process ? &p : nullptr, &t);
        require(one_of(s, {STATUS_SUCCESS, STATUS_INVALID_CID}),
                "PsLookupProcessThreadByCid status {:#010x}", s.value());
        require(s.ok() == (t != nullptr), "CID lookup: status and result disagree");
        if (t != nullptr) {
          require(!t->is_deleted() && t->Cid().UniqueProcess == cid.UniqueProcess &&
                      t->tid().value() == (cid.UniqueThread.value() & ~3ULL),
                  "CID lookup: wrong thread");
          if (want_process) {
            require(p == t->ThreadsProcess, "CID lookup: wrong process");
            k.ObDereferenceObject(*p);
          }
          k.ObDereferenceObject(*t);
        }
        break;
      }
      case 19:
        if (ps::Thread* t = pick(threads); t != nullptr) {
          // An exited thread too: its creations fail with STATUS_PROCESS_IS_TERMINATING once
          // its process has exited.
          context.reset();
          context = std::make_unique<Kernel::ContextScope>(k, *t);
        }
        break;
      default:
        check_invariants(/*with_audit=*/true);
        return;
    }
    check_invariants(/*with_audit=*/false);
  }
};

void process_routine_body(int index, ProcessId parent, ProcessId pid, bool create) {
  (void)parent;
  (void)create;
  g_run->call(RoutineKind::Process, index, reinterpret_cast<const void*>(kProcessRoutines[index]),
              pid, ThreadId{}, nullptr);
}

void thread_routine_body(int index, ProcessId pid, ThreadId tid, bool create) {
  (void)create;
  g_run->call(RoutineKind::Thread, index, reinterpret_cast<const void*>(kThreadRoutines[index]),
              pid, tid, nullptr);
}

void ex_routine_body(int index, ps::Process* process, ProcessId pid, PS_CREATE_NOTIFY_INFO* info) {
  // (After an over-dereference the process may be gone under the loop: the driver's bug.)
  require(process != nullptr && (!process->is_deleted() || g_run->over_dereferenced),
          "an Ex routine got no live process");
  g_run->call(RoutineKind::Ex, index, reinterpret_cast<const void*>(kExRoutines[index]), pid,
              ThreadId{}, info);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool verbose = std::getenv("NTEMU_FUZZ_VERBOSE") != nullptr;
  FuzzedDataProvider in(data, size);
  const std::uint8_t pick = in.ConsumeIntegral<std::uint8_t>();
  static constexpr KernelVersion kVersions[] = {KernelVersion::Win2000, KernelVersion::Xp,
                                                KernelVersion::Server2003, KernelVersion::Vista};
  Result<Profile> made =
      Profile::make(kVersions[pick % 4], (pick / 4) % 2 == 0 ? Arch::X86 : Arch::X64);
  if (!made) return 0;  // a version ntemu does not model yet
  Profile profile = *made;
  if ((pick / 8) % 4 == 0) profile.cid_table_page_limit = 1;  // ID exhaustion within reach
  // NTEMU_FUZZ_VERBOSE=1: every kernel event and step on standard error (to read a reproducer).
  JsonlSink trace(stderr);
  Kernel k(profile, verbose ? &trace : nullptr);
  if (verbose) {
    std::fprintf(stderr, "fuzz_api: %s %s, cid_table_page_limit %u\n",
                 std::string(to_string(profile.version)).c_str(),
                 profile.arch == Arch::X86 ? "x86" : "x64", profile.cid_table_page_limit);
  }
  Run run(in, k);
  run.verbose = verbose;
  g_run = &run;
  std::size_t steps = 0;
  try {
    while (in.remaining_bytes() > 0 && steps++ < 1000)
      run.step();
  } catch (const BugCheck& b) {
    // The machine stopped; it stays inspectable (the CID/object checks need no consistency
    // the bugcheck may have broken, so only the verifier is run, which must not crash).
    require(k.bugcheck() != nullptr && k.bugcheck()->code() == b.code(),
            "a BugCheck escaped without stopping the machine");
    run.context.reset();
    // A bugcheck raised inside a routine unwinds through PspCreateThread, which may hold the
    // process lock the audit takes (docs/robustness.md): then the machine is only dropped.
    if (!run.bugcheck_in_routine) (void)k.audit();
    g_run = nullptr;
    return 0;
  }
  run.context.reset();
  run.check_invariants(/*with_audit=*/true);
  g_run = nullptr;
  return 0;
}
