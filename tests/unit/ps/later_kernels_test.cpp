// SPDX-License-Identifier: MIT
// Windows 7 and Windows 10 (semantics.md §10.9, §10.10): their arrays, the routines Windows 10
// added by release — PsSetCreateProcessNotifyRoutineEx2 and PsSetCreateThreadNotifyRoutineEx
// (1703), PsSetLoadImageNotifyRoutineEx (1709) — the delete-only notification of a process that
// never had a thread, and the CID reuse option. Each test names its source.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

Kernel* g_kernel = nullptr;
std::vector<std::string> g_events;

std::string context() {
  return fmt::format("{:#x}.{:#x}", g_kernel->PsGetCurrentProcessId().value(),
                     g_kernel->PsGetCurrentThreadId().value());
}
void ex_routine(ps::Process*, ProcessId pid, PS_CREATE_NOTIFY_INFO* info) {
  g_events.push_back(fmt::format("ex {:#x} {}", pid.value(), info != nullptr ? "create" : "exit"));
}
void process_routine(ProcessId, ProcessId pid, bool create) {
  g_events.push_back(fmt::format("process {:#x} {}", pid.value(), create ? "create" : "exit"));
}
void thread_routine(ProcessId pid, ThreadId tid, bool create) {
  g_events.push_back(fmt::format("thread {:#x} {:#x} {} on {}", pid.value(), tid.value(),
                                 create ? "create" : "exit", context()));
}
void image_routine(const std::string* name, ProcessId pid, IMAGE_INFO*) {
  g_events.push_back(fmt::format("image {} {:#x}", *name, pid.value()));
}
template <int I>
void image_filler(const std::string*, ProcessId, IMAGE_INFO*) {}
template <int... I>
constexpr std::array<PLOAD_IMAGE_NOTIFY_ROUTINE, sizeof...(I)> image_fillers(
    std::integer_sequence<int, I...>) {
  return {&image_filler<I>...};
}
constexpr auto kImageFillers = image_fillers(std::make_integer_sequence<int, 65>{});

struct Fixture {
  explicit Fixture(const Profile& p) : kernel(p) {
    g_kernel = &kernel;
    g_events.clear();
  }
  ~Fixture() { g_kernel = nullptr; }
  Kernel kernel;
};

}  // namespace

TEST_CASE("profile: win7 and win10 [MSDOC] are Vista's EX_CALLBACK kernels with 64 slots each") {
  for (KernelVersion v : {KernelVersion::Win7, KernelVersion::Win10}) {
    for (Arch arch : {Arch::X86, Arch::X64}) {
      CAPTURE(to_string(v));
      const auto p = Profile::make(v, arch);
      REQUIRE(p);
      CHECK(p->version == v);
      CHECK(p->arch == arch);
      CHECK(p->notify_storage == NotifyStorage::ExCallback);
      CHECK(p->process_notify_slots == 64);
      CHECK(p->thread_notify_slots == 64);
      CHECK(p->load_image_notify_slots == 64);
      CHECK(p->has_process_notify_routine_ex);
      CHECK(p->has_create_user_process);
      CHECK(p->lookup_failure_status == STATUS_INVALID_CID);
      CHECK(p->process_duplicate_registration == DuplicateRegistration::Rejected);
      CHECK(p->thread_duplicate_registration == DuplicateRegistration::Allowed);
      CHECK(p->open_by_id_tag_bits == OpenByIdTagBits::Ignored);
      CHECK(p->system_call_gate ==
            (arch == Arch::X64 ? SystemCallGate::SysCall64 : SystemCallGate::SysEnter));
      CHECK(p->cid_free_policy == ex::FreePolicy::StrictFifo);  // [U] default
    }
  }
  CHECK(parse_kernel_version("win7") == KernelVersion::Win7);
  CHECK(parse_kernel_version("win10") == KernelVersion::Win10);
  CHECK(Profile::make(KernelVersion::Win10, Arch::X86)->release == Profile::kLatestWin10Release);
}

TEST_CASE(
    "profile: win10 by release [MSDOC minimum supported client]: Ex2 and the Ex thread routine "
    "from 1703, the Ex load-image routine from 1709, win7 has none") {
  struct Row {
    Profile p;
    bool ex2, thread_ex, image_ex;
  };
  for (const Row& row : {Row{Profile::win7(), false, false, false},
                         Row{Profile::win10(Arch::X86, 1507), false, false, false},
                         Row{Profile::win10(Arch::X86, 1703), true, true, false},
                         Row{Profile::win10(Arch::X64, 1709), true, true, true}}) {
    CAPTURE(row.p.release);
    CHECK(row.p.has_process_notify_routine_ex2 == row.ex2);
    CHECK(row.p.has_thread_notify_routine_ex == row.thread_ex);
    CHECK(row.p.has_load_image_notify_routine_ex == row.image_ex);
    Fixture f(row.p);
    const Status missing = STATUS_NOT_IMPLEMENTED;
    CHECK((f.kernel.PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, &ex_routine,
                                                       false) == missing) != row.ex2);
    CHECK((f.kernel.PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifySubsystems,
                                                     &thread_routine) == missing) != row.thread_ex);
    CHECK((f.kernel.PsSetLoadImageNotifyRoutineEx(&image_routine, 0) == missing) != row.image_ex);
  }
}

TEST_CASE(
    "§10.10 [F MSDOC PsSetLoadImageNotifyRoutine(Ex)] win7 and win10 take 64 load-image "
    "routines, the 65th gets STATUS_INSUFFICIENT_RESOURCES") {
  for (const Profile& p : {Profile::win7(), Profile::win10(Arch::X64)}) {
    CAPTURE(to_string(p.version));
    Fixture f(p);
    CHECK(f.kernel.image_notify_array().size() == 64);
    for (std::size_t i = 0; i < 64; ++i) {
      CHECK(f.kernel.PsSetLoadImageNotifyRoutine(kImageFillers[i]) == STATUS_SUCCESS);
    }
    CHECK(f.kernel.PsSetLoadImageNotifyRoutine(kImageFillers[64]) == STATUS_INSUFFICIENT_RESOURCES);
    if (p.has_load_image_notify_routine_ex) {
      CHECK(f.kernel.PsSetLoadImageNotifyRoutineEx(kImageFillers[64], 0) ==
            STATUS_INSUFFICIENT_RESOURCES);
    }
    CHECK(f.kernel.image_notify_array().count() == 64);
  }
}

TEST_CASE(
    "§10.9 [F MSDOC PsSetLoadImageNotifyRoutineEx] win10 1709: flag 0 or "
    "kImageNotifyConflictingArchitecture registers, any other flag is "
    "STATUS_INVALID_PARAMETER_2 and registers nothing, removal is PsRemoveLoadImageNotifyRoutine") {
  Fixture f(Profile::win10());
  CHECK(f.kernel.PsSetLoadImageNotifyRoutineEx(&image_routine, 2) == STATUS_INVALID_PARAMETER_2);
  CHECK(f.kernel.image_notify_array().count() == 0);
  REQUIRE(f.kernel.PsSetLoadImageNotifyRoutineEx(
              &image_routine, kImageNotifyConflictingArchitecture) == STATUS_SUCCESS);
  REQUIRE(f.kernel.MmLoadSystemImage("\\SystemRoot\\System32\\drivers\\a.sys").status.ok());
  CHECK(g_events == std::vector<std::string>{"image \\SystemRoot\\System32\\drivers\\a.sys 0x0"});
  CHECK(f.kernel.PsRemoveLoadImageNotifyRoutine(&image_routine) == STATUS_SUCCESS);
  CHECK(f.kernel.PsRemoveLoadImageNotifyRoutine(&image_routine) == STATUS_PROCEDURE_NOT_FOUND);
}

TEST_CASE(
    "§10.9 [F MSDOC PsSetCreateProcessNotifyRoutineEx2] win10 1703: the Subsystems type shares "
    "the process array with Ex (duplicates rejected), another type is INVALID_PARAMETER, "
    "removal waits and then PROCEDURE_NOT_FOUND") {
  Fixture f(Profile::win10(Arch::X86, 1703));
  auto& k = f.kernel;
  CHECK(k.PsSetCreateProcessNotifyRoutineEx2(static_cast<PSCREATEPROCESSNOTIFYTYPE>(1), &ex_routine,
                                             false) == STATUS_INVALID_PARAMETER);
  REQUIRE(k.PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, &ex_routine,
                                               false) == STATUS_SUCCESS);
  CHECK(k.PsSetCreateProcessNotifyRoutineEx(&ex_routine, false) == STATUS_INVALID_PARAMETER);
  CHECK(k.process_notify_array().count() == 1);
  auto app = k.NtCreateProcess("app.exe");
  auto main = k.NtCreateThread(*app.process);
  REQUIRE(main.status.ok());
  REQUIRE(k.NtTerminateProcess(*app.process).ok());
  const auto pid = app.process->pid().value();
  CHECK(g_events == std::vector<std::string>{fmt::format("ex {:#x} create", pid),
                                             fmt::format("ex {:#x} exit", pid)});
  CHECK(k.PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, &ex_routine, true) ==
        STATUS_SUCCESS);
  CHECK(k.PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, &ex_routine, true) ==
        STATUS_PROCEDURE_NOT_FOUND);
}

TEST_CASE(
    "§10.9 [F MSDOC PsSetCreateProcessNotifyRoutineEx2 remarks] win10 1703: a process created "
    "and deleted without ever having a thread gets the deletion call only, win7 and 2003 stay "
    "silent") {
  struct Row {
    Profile p;
    bool delete_only;
  };
  for (const Row& row : {Row{Profile::win10(Arch::X86, 1703), true}, Row{Profile::win10(), true},
                         Row{Profile::win7(), false}, Row{Profile::server2003(), false}}) {
    CAPTURE(to_string(row.p.version));
    Fixture f(row.p);
    auto& k = f.kernel;
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&process_routine, false) == STATUS_SUCCESS);
    auto app = k.NtCreateProcess("app.exe");
    const auto pid = app.process->pid().value();
    REQUIRE(k.NtClose(k.current_process(), app.handle) == STATUS_SUCCESS);  // deleted now
    const auto findings = k.audit();
    if (row.delete_only) {
      CHECK(g_events == std::vector<std::string>{fmt::format("process {:#x} exit", pid)});
      // The routine heard an exit with no creation: the verifier says so, as for win2000's
      // threadless deletion call (§9.25) — a driver's books must allow for it.
      REQUIRE(findings.size() == 1);
      CHECK(findings[0].kind == verify::FindingKind::UnbalancedNotify);
    } else {
      CHECK(g_events.empty());
      CHECK(findings.empty());
    }
  }
}

TEST_CASE(
    "§10.9 [F MSDOC PsSetCreateThreadNotifyRoutineEx, PSCREATETHREADNOTIFYTYPE] win10: a "
    "NonSystem routine runs on the new thread and hears of no system thread, a Subsystems one "
    "runs on the creator like a plain routine, removal as for any thread routine") {
  Fixture f(Profile::win10());
  auto& k = f.kernel;
  void (*const on_new)(ProcessId, ThreadId, bool) = [](ProcessId pid, ThreadId tid, bool create) {
    g_events.push_back(fmt::format("nonsystem {:#x} {:#x} {} on {}", pid.value(), tid.value(),
                                   create ? "create" : "exit", context()));
  };
  CHECK(k.PsSetCreateThreadNotifyRoutineEx(static_cast<PSCREATETHREADNOTIFYTYPE>(2), on_new) ==
        STATUS_INVALID_PARAMETER);
  REQUIRE(k.PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifyNonSystem, on_new) ==
          STATUS_SUCCESS);
  REQUIRE(k.PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifySubsystems, &thread_routine) ==
          STATUS_SUCCESS);
  const std::string boot = context();
  auto app = k.NtCreateProcess("app.exe");
  auto main = k.NtCreateThread(*app.process);
  REQUIRE(main.status.ok());
  const std::string pid = fmt::format("{:#x}", main.cid.UniqueProcess.value());
  const std::string tid = fmt::format("{:#x}", main.cid.UniqueThread.value());
  const std::string on_main = pid + "." + tid;
  auto sys = k.PsCreateSystemThread("worker");
  REQUIRE(sys.status.ok());
  const std::string sys_tid = fmt::format("{:#x}", sys.cid.UniqueThread.value());
  const std::string sys_pid = fmt::format("{:#x}", sys.cid.UniqueProcess.value());
  REQUIRE(k.NtTerminateThread(*main.thread).ok());
  CHECK(g_events == std::vector<std::string>{
                        "nonsystem " + pid + " " + tid + " create on " + on_main,
                        "thread " + pid + " " + tid + " create on " + boot,
                        "thread " + sys_pid + " " + sys_tid + " create on " + boot,
                        "nonsystem " + pid + " " + tid + " exit on " + on_main,
                        "thread " + pid + " " + tid + " exit on " + on_main,
                    });
  CHECK(k.PsRemoveCreateThreadNotifyRoutine(on_new) == STATUS_SUCCESS);
  CHECK(k.PsRemoveCreateThreadNotifyRoutine(on_new) == STATUS_PROCEDURE_NOT_FOUND);
  CHECK(k.audit().empty());
}

TEST_CASE(
    "profile: the CID reuse policy is the named option cid_free_policy [U from Vista on]: "
    "StrictFifo hands a freed TID out only after the fresh ones, Lifo at once") {
  for (ex::FreePolicy policy : {ex::FreePolicy::StrictFifo, ex::FreePolicy::Lifo}) {
    Profile p = Profile::win10(Arch::X64);
    p.cid_free_policy = policy;
    Fixture f(p);
    auto& k = f.kernel;
    auto app = k.NtCreateProcess("app.exe");
    auto a = k.NtCreateThread(*app.process);
    auto keep = k.NtCreateThread(*app.process);  // the process stays alive
    REQUIRE(keep.status.ok());
    const ThreadId freed = a.cid.UniqueThread;
    REQUIRE(k.NtTerminateThread(*a.thread).ok());
    REQUIRE(k.NtClose(k.current_process(), a.handle).ok());  // the TID goes with the object
    auto b = k.NtCreateThread(*app.process);
    REQUIRE(b.status.ok());
    CHECK((b.cid.UniqueThread == freed) == (policy == ex::FreePolicy::Lifo));
  }
}
