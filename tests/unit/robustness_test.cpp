// SPDX-License-Identifier: MIT
// Bad input, class by class (docs/robustness.md): what the kernel answers to IDs out of range,
// tagged or of the wrong type, double closes and removals, full notify arrays, an exhausted
// PspCidTable, a removal from inside the routine being removed, and a routine that throws. Each
// TEST_CASE is named in the table of docs/robustness.md.
#include <array>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"
#include "ntemu/support/bugcheck.hpp"

using namespace ntemu;

namespace {

constexpr KernelVersion kAll[] = {KernelVersion::Win2000, KernelVersion::Xp,
                                  KernelVersion::Server2003, KernelVersion::Vista};
constexpr Arch kArches[] = {Arch::X86, Arch::X64};

Profile profile_of(KernelVersion v, Arch a) {
  Result<Profile> p = Profile::make(v, a);
  REQUIRE(p);
  return *p;
}

std::size_t count_kind(const std::vector<Kernel::Finding>& f, const std::string& kind) {
  std::size_t n = 0;
  for (const auto& x : f)
    n += verify::to_string(x.kind) == kind ? 1U : 0U;
  return n;
}

// A pool of distinct routines, to fill arrays without duplicates (Vista rejects them).
int g_calls = 0;
template <int I>
void proc_n(ProcessId, ProcessId, bool) {
  ++g_calls;
}
template <int I>
void thread_n(ProcessId, ThreadId, bool) {
  ++g_calls;
}
template <int... I>
constexpr auto make_process_pool(std::integer_sequence<int, I...>) {
  return std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, sizeof...(I)>{&proc_n<I>...};
}
template <int... I>
constexpr auto make_thread_pool(std::integer_sequence<int, I...>) {
  return std::array<PCREATE_THREAD_NOTIFY_ROUTINE, sizeof...(I)>{&thread_n<I>...};
}
constexpr auto kProcessPool = make_process_pool(std::make_integer_sequence<int, 65>{});
constexpr auto kThreadPool = make_thread_pool(std::make_integer_sequence<int, 65>{});

// A routine that removes itself when called (the removal-from-inside-a-callback class).
Kernel* g_kernel = nullptr;
Status g_self_removal = STATUS_SUCCESS;
int g_self_calls = 0;
void remove_self_process(ProcessId, ProcessId, bool create) {
  ++g_self_calls;
  if (create)
    g_self_removal = g_kernel->PsSetCreateProcessNotifyRoutine(&remove_self_process, true);
}
void remove_self_thread(ProcessId, ThreadId, bool create) {
  ++g_self_calls;
  if (create) g_self_removal = g_kernel->PsRemoveCreateThreadNotifyRoutine(&remove_self_thread);
}

void throwing_thread_routine(ProcessId, ThreadId, bool create) {
  if (create) throw std::runtime_error("driver bug");
}

void noop_process(ProcessId, ProcessId, bool) {}

// NtClose of an arbitrary handle value in System's table: refused. Small values may be open
// (System's own handles), so only 0 and values beyond them are asked.
bool NtCloseCheck(Kernel& k, std::uint64_t value) {
  if (value != 0 && value < 0x1000) return true;
  return k.NtClose(k.system_process(), Handle{value}) == STATUS_INVALID_HANDLE;
}

}  // namespace

TEST_CASE("robustness: out-of-range IDs are refused by every lookup on every profile") {
  for (KernelVersion v : kAll) {
    for (Arch a : kArches) {
      CAPTURE(to_string(v));
      Kernel k(profile_of(v, a));
      const std::uint64_t ids[] = {0x0,        0x7FFFFFC,          0x40000000,
                                   0xFFFFFFFC, 0xFFFFFFFFFFFFFFFC, 0x123456789ABCDEF0};
      for (std::uint64_t id : ids) {
        CAPTURE(id);
        ps::Process* p = nullptr;
        ps::Thread* t = nullptr;
        const Status unknown = k.profile().lookup_failure_status;  // semantics.md §10.1
        CHECK(k.PsLookupProcessByProcessId(ProcessId{id}, &p) == unknown);
        CHECK(p == nullptr);
        CHECK(k.PsLookupThreadByThreadId(ThreadId{id}, &t) == unknown);
        CHECK(t == nullptr);
        CHECK(k.PsLookupProcessThreadByCid({ProcessId{id}, ThreadId{id}}, &p, &t) ==
              STATUS_INVALID_CID);
        CHECK(NtCloseCheck(k, id));
      }
      CHECK(k.audit().empty());
    }
  }
}

TEST_CASE("robustness: tagged IDs find the same object as the untagged value") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    auto proc = k.NtCreateProcess("app");
    REQUIRE(proc.status == STATUS_SUCCESS);
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    const std::uint64_t pid = proc.process->pid().value();
    const std::uint64_t tid = thr.thread->tid().value();
    for (std::uint64_t tag = 0; tag < 4; ++tag) {
      ps::Process* p = nullptr;
      ps::Thread* t = nullptr;
      REQUIRE(k.PsLookupProcessByProcessId(ProcessId{pid | tag}, &p) == STATUS_SUCCESS);
      CHECK(p == proc.process);
      k.ObDereferenceObject(*p);
      REQUIRE(k.PsLookupThreadByThreadId(ThreadId{tid | tag}, &t) == STATUS_SUCCESS);
      CHECK(t == thr.thread);
      k.ObDereferenceObject(*t);
      // By CID the TID's tag bits are ignored, but the PID is compared with the thread's Cid copy
      // as given: a tagged PID does not match.
      REQUIRE(k.PsLookupProcessThreadByCid({ProcessId{pid}, ThreadId{tid | tag}}, nullptr, &t) ==
              STATUS_SUCCESS);
      k.ObDereferenceObject(*t);
      if (tag != 0) {
        CHECK(k.PsLookupProcessThreadByCid({ProcessId{pid | tag}, ThreadId{tid}}, nullptr, &t) ==
              STATUS_INVALID_CID);
      }
    }
    CHECK(k.audit().empty());
  }
}

TEST_CASE("robustness: wrong-type IDs - a TID given as a PID and a PID given as a TID") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X64));
    auto proc = k.NtCreateProcess("app");
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    ps::Process* p = nullptr;
    ps::Thread* t = nullptr;
    CHECK(k.PsLookupProcessByProcessId(ProcessId{thr.thread->tid().value()}, &p) ==
          k.profile().lookup_failure_status);
    CHECK(p == nullptr);
    CHECK(k.PsLookupThreadByThreadId(ThreadId{proc.process->pid().value()}, &t) ==
          k.profile().lookup_failure_status);
    CHECK(t == nullptr);
    // A CID whose parts are swapped.
    CHECK(k.PsLookupProcessThreadByCid(
              {ProcessId{thr.thread->tid().value()}, ThreadId{proc.process->pid().value()}}, &p,
              &t) == STATUS_INVALID_CID);
    // A CID naming a real thread with another process's PID.
    CHECK(k.PsLookupProcessThreadByCid({k.system_process().pid(), thr.thread->tid()}, &p, &t) ==
          STATUS_INVALID_CID);
    CHECK(k.audit().empty());
  }
}

TEST_CASE(
    "robustness: double close, a stale handle and a junk handle answer STATUS_INVALID_HANDLE") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    auto proc = k.NtCreateProcess("app");
    REQUIRE(proc.status == STATUS_SUCCESS);
    ps::Process& owner = k.system_process();  // created from System's context
    CHECK(k.NtClose(owner, proc.handle) == STATUS_SUCCESS);
    CHECK(proc.process->is_deleted());
    CHECK(k.NtClose(owner, proc.handle) == STATUS_INVALID_HANDLE);
    CHECK(k.NtClose(owner, Handle{0}) == STATUS_INVALID_HANDLE);
    CHECK(k.NtClose(owner, Handle{0xFFFFFFFFFFFFFFFC}) == STATUS_INVALID_HANDLE);
    CHECK(k.NtClose(owner, Handle{proc.handle.value() | 3}) == STATUS_INVALID_HANDLE);
    CHECK(k.audit().empty());
  }
}

TEST_CASE("robustness: double removal answers the profile's not-found status") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    const Profile profile = profile_of(v, Arch::X86);
    Kernel k(profile);
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(kProcessPool[0], false) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(kProcessPool[0], true) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(kProcessPool[0], true) ==
          profile.notify_not_found_status);
    CHECK(k.process_notify_array().count() == 0);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(kThreadPool[0]) == STATUS_SUCCESS);
    if (profile.has_remove_thread_notify_routine) {
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(kThreadPool[0]) == STATUS_SUCCESS);
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(kThreadPool[0]) == profile.notify_not_found_status);
      CHECK(k.thread_notify_array().count() == 0);
    } else {
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(kThreadPool[0]) == STATUS_NOT_IMPLEMENTED);
      CHECK(k.thread_notify_array().count() == 1);
    }
  }
}

TEST_CASE("robustness: full notify arrays answer the profile's full status and change nothing") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    const Profile profile = profile_of(v, Arch::X86);
    Kernel k(profile);
    REQUIRE(profile.process_notify_slots < kProcessPool.size());
    REQUIRE(profile.thread_notify_slots < kThreadPool.size());
    for (std::uint32_t i = 0; i < profile.process_notify_slots; ++i)
      REQUIRE(k.PsSetCreateProcessNotifyRoutine(kProcessPool[i], false) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(kProcessPool[profile.process_notify_slots], false) ==
          profile.process_notify_full_status);
    CHECK(k.process_notify_array().count() == profile.process_notify_slots);
    for (std::uint32_t i = 0; i < profile.thread_notify_slots; ++i)
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(kThreadPool[i]) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateThreadNotifyRoutine(kThreadPool[profile.thread_notify_slots]) ==
          profile.thread_notify_full_status);
    CHECK(k.thread_notify_array().count() == profile.thread_notify_slots);
    // Every registered routine still runs, once per event.
    g_calls = 0;
    auto proc = k.NtCreateProcess("app");
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    CHECK(g_calls == static_cast<int>(profile.process_notify_slots + profile.thread_notify_slots));
  }
}

TEST_CASE("robustness: an exhausted PspCidTable fails creations cleanly and recovers") {
  for (KernelVersion v : kAll) {
    for (Arch a : kArches) {
      CAPTURE(to_string(v));
      Profile profile = profile_of(v, a);
      profile.cid_table_page_limit = 1;  // one low-level page: 511 (x86) / 255 (x64) IDs
      Kernel k(profile);
      struct Made {
        ps::Process* process;
        Handle handle;
      };
      std::vector<Made> made;
      Status failure = STATUS_SUCCESS;
      for (int i = 0; i < 1000 && failure.ok(); ++i) {
        auto proc = k.NtCreateProcess(fmt::format("p{}", i));
        if (!proc.status.ok()) {
          failure = proc.status;
          break;
        }
        made.push_back({proc.process, proc.handle});
        auto thr = k.NtCreateThread(*proc.process);
        if (!thr.status.ok()) failure = thr.status;
      }
      // xp and later allocate the PID in PspCreateProcess; win2000 fails the TID or the lazy PID.
      CHECK(!failure.ok());
      CHECK((failure == profile.tid_allocation_failure_status ||
             failure == profile.pid_allocation_failure_status ||
             failure == STATUS_INSUFFICIENT_RESOURCES));
      CHECK(k.audit().empty());
      // Terminate and close everything: the IDs come back and a creation succeeds again.
      for (const Made& m : made) {
        (void)k.NtTerminateProcess(*m.process);
        CHECK(k.NtClose(k.system_process(), m.handle) == STATUS_SUCCESS);
      }
      auto again = k.NtCreateProcess("again");
      CHECK(again.status == STATUS_SUCCESS);
    }
  }
}

TEST_CASE("robustness: a routine removing itself from inside its call is answered, not hung") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    const Profile profile = profile_of(v, Arch::X86);
    Kernel k(profile);
    g_kernel = &k;
    g_self_calls = 0;
    g_self_removal = STATUS_SUCCESS;
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&remove_self_process, false) == STATUS_SUCCESS);
    auto proc = k.NtCreateProcess("app");
    auto thr = k.NtCreateThread(*proc.process);
    REQUIRE(thr.status == STATUS_SUCCESS);
    CHECK(g_self_calls == 1);
    const auto findings = k.audit();
    if (profile.notify_storage == NotifyStorage::PlainArray) {
      // win2000: the removal returns at once while the routine still runs: reported.
      CHECK(g_self_removal == STATUS_SUCCESS);
      CHECK(k.process_notify_array().count() == 0);
      CHECK(count_kind(findings, "call-after-remove") == 1);
    } else {
      // EX_CALLBACK: the removal would wait for itself; refused, the routine stays registered.
      CHECK(g_self_removal == STATUS_POSSIBLE_DEADLOCK);
      CHECK(k.process_notify_array().count() == 1);
      CHECK(count_kind(findings, "removal-deadlock") == 1);
      // From outside the routine the removal then succeeds (nothing waits).
      CHECK(k.PsSetCreateProcessNotifyRoutine(&remove_self_process, true) == STATUS_SUCCESS);
    }
    if (profile.has_remove_thread_notify_routine) {
      g_self_removal = STATUS_SUCCESS;
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(&remove_self_thread) == STATUS_SUCCESS);
      auto t2 = k.NtCreateThread(*proc.process);
      REQUIRE(t2.status == STATUS_SUCCESS);
      CHECK(g_self_removal == STATUS_POSSIBLE_DEADLOCK);
      CHECK(k.PsRemoveCreateThreadNotifyRoutine(&remove_self_thread) == STATUS_SUCCESS);
    }
    g_kernel = nullptr;
  }
}

TEST_CASE("robustness: a routine that throws or is NULL stops the machine with bugcheck 0x1E") {
  // An exception unhandled in kernel mode: KMODE_EXCEPTION_NOT_HANDLED, with the exception code
  // (0xE06D7363 for a C++ exception, STATUS_ACCESS_VIOLATION for a call through NULL). Locks and
  // callback references are released on the way out, so the stopped kernel stays inspectable.
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    {
      Kernel k(profile_of(v, Arch::X86));
      REQUIRE(k.PsSetCreateThreadNotifyRoutine(&throwing_thread_routine) == STATUS_SUCCESS);
      auto proc = k.NtCreateProcess("app");
      REQUIRE(proc.status == STATUS_SUCCESS);
      CHECK_THROWS_AS(k.NtCreateThread(*proc.process), BugCheck);
      REQUIRE(k.bugcheck() != nullptr);
      CHECK(k.bugcheck()->code() == KMODE_EXCEPTION_NOT_HANDLED);
      CHECK(k.bugcheck()->parameters()[0] == 0xE06D7363);
      // Inspectable afterwards: the audit runs, and the slot's references came back.
      static_cast<void>(k.audit());
      if (k.profile().notify_storage == NotifyStorage::ExCallback) {
        CHECK(k.callbacks().accounting_holds(*k.thread_notify_array().slot_word(0), 0));
      }
    }
    {
      // Registration does not check for NULL. win2000 stores NULL into an empty slot (nothing
      // changes but the counter, which accounts for it: semantics.md §10.5); EX_CALLBACK stores
      // a block whose routine is NULL, and the next creation calls through it.
      Kernel k(profile_of(v, Arch::X86));
      REQUIRE(k.PsSetCreateProcessNotifyRoutine(nullptr, false) == STATUS_SUCCESS);
      auto proc = k.NtCreateProcess("app");
      if (k.profile().notify_storage == NotifyStorage::PlainArray) {
        CHECK(k.NtCreateThread(*proc.process).status == STATUS_SUCCESS);
        CHECK(count_kind(k.audit(), "notify-count-mismatch") == 0);
        continue;
      }
      CHECK_THROWS_AS(static_cast<void>(k.NtCreateThread(*proc.process)), BugCheck);
      REQUIRE(k.bugcheck() != nullptr);
      CHECK(k.bugcheck()->code() == KMODE_EXCEPTION_NOT_HANDLED);
      CHECK(k.bugcheck()->parameters()[0] == 0xC0000005);
    }
  }
}

TEST_CASE(
    "§10.5 [ReactOS kmtests ntos_ps/PsNotify.c; I for win2000] NULL routines: removal on an empty "
    "array fails, a registered NULL holds a registration until removed") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    const auto& array = k.process_notify_array();
    // Nothing registered: Remove(NULL) finds nothing, and the counter does not wrap.
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, true) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(array.count() == 0);
    // Set(NULL) succeeds and holds a registration: in a slot under EX_CALLBACK (the block's
    // routine is NULL), in the counter alone on a plain array.
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, false) == STATUS_SUCCESS);
    CHECK(array.count() == 1);
    CHECK(array.in_use() == 1);
    if (array.storage() == NotifyStorage::ExCallback) {
      CHECK(array.occupied(0));
      CHECK(array.routine(0) == nullptr);
    } else {
      CHECK(array.null_registrations() == 1);
    }
    CHECK(count_kind(k.audit(), "notify-count-mismatch") == 0);
    // Remove(NULL) takes it back; once.
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, true) == STATUS_SUCCESS);
    CHECK(k.PsSetCreateProcessNotifyRoutine(nullptr, true) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(array.count() == 0);
    CHECK(array.in_use() == 0);
    CHECK(k.audit().empty());
  }
}

TEST_CASE("robustness: NtCreateThread in a deleted process is refused") {
  // A process deleted before its first thread (closed at once): no handle to it can exist, so
  // the call fails as the object manager would, and the tombstone stays untouched.
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&noop_process, false) == STATUS_SUCCESS);
    auto proc = k.NtCreateProcess("app");
    REQUIRE(k.NtClose(k.system_process(), proc.handle) == STATUS_SUCCESS);
    REQUIRE(proc.process->is_deleted());
    auto thr = k.NtCreateThread(*proc.process);
    CHECK(thr.status == STATUS_INVALID_HANDLE);
    CHECK(proc.process->pointer_count() == 0);
  }
}

TEST_CASE("robustness: an exited current thread cannot leave handles in its exited process") {
  // With an exited thread current, a creation would put the new handle into the exited
  // process's table, already emptied by ObKillProcess, where nothing would ever close it: the
  // call fails with STATUS_PROCESS_IS_TERMINATING instead, changing nothing.
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(profile_of(v, Arch::X86));
    auto target = k.NtCreateProcess("target");
    auto a = k.NtCreateProcess("a");
    auto ta = k.NtCreateThread(*a.process);
    REQUIRE(ta.status == STATUS_SUCCESS);
    Kernel::ThreadCreated made;
    {
      Kernel::ContextScope as_ta(k, *ta.thread);
      REQUIRE(k.NtTerminateThread(*ta.thread) == STATUS_SUCCESS);  // a exits: its table is emptied
      made = k.NtCreateThread(*target.process);
    }
    CHECK(made.status == STATUS_PROCESS_IS_TERMINATING);
    CHECK(a.process->ObjectTable->handle_count() == 0);
  }
}
