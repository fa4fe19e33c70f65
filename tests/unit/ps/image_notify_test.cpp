// SPDX-License-Identifier: MIT
// Load-image notify (semantics.md §10.10): the array per version, registration and removal, the
// images a new process reports and when, DLLs mapped on demand and driver images in system
// space, each test naming its source.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

constexpr KernelVersion kAll[] = {KernelVersion::Win2000, KernelVersion::Xp,
                                  KernelVersion::Server2003, KernelVersion::Vista};

Kernel* g_kernel = nullptr;  // the kernel whose context the routines read
std::vector<std::string> g_events;

std::string context() {
  if (g_kernel == nullptr) return "?";
  return fmt::format("{:#x}.{:#x}", g_kernel->PsGetCurrentProcessId().value(),
                     g_kernel->PsGetCurrentThreadId().value());
}

void image_a(const std::string* name, ProcessId pid, IMAGE_INFO* info) {
  g_events.push_back(fmt::format("image a {} pid {:#x} base {:#x} size {:#x}{} on {}", *name,
                                 pid.value(), info->ImageBase, info->ImageSize,
                                 info->SystemModeImage ? " system" : "", context()));
  info->ImageBase = 0xDEAD0000;  // a routine's write is its own
}
void image_b(const std::string* name, ProcessId, IMAGE_INFO* info) {
  g_events.push_back(fmt::format("image b {} base {:#x}", *name, info->ImageBase));
}
void process_routine(ProcessId parent, ProcessId pid, bool create) {
  g_events.push_back(fmt::format("process {:#x} {:#x} {} on {}", parent.value(), pid.value(),
                                 create ? "create" : "exit", context()));
}
void thread_routine(ProcessId pid, ThreadId tid, bool create) {
  g_events.push_back(fmt::format("thread {:#x} {:#x} {} on {}", pid.value(), tid.value(),
                                 create ? "create" : "exit", context()));
}

// Distinct routines to fill an array with (the same function twice would be a duplicate).
template <int I>
void filler(const std::string*, ProcessId, IMAGE_INFO*) {}
constexpr PLOAD_IMAGE_NOTIFY_ROUTINE kNine[] = {&filler<0>, &filler<1>, &filler<2>,
                                                &filler<3>, &filler<4>, &filler<5>,
                                                &filler<6>, &filler<7>, &filler<8>};

struct Fixture {
  explicit Fixture(KernelVersion v, Arch arch = Arch::X86) : kernel(*Profile::make(v, arch)) {
    g_kernel = &kernel;
    g_events.clear();
  }
  explicit Fixture(const Profile& p) : kernel(p) {
    g_kernel = &kernel;
    g_events.clear();
  }
  ~Fixture() { g_kernel = nullptr; }
  // The boot thread's context, where the tests' own calls run (System's PID differs by version).
  std::string boot_context() {
    return fmt::format("{:#x}.{:#x}", kernel.PsGetCurrentProcessId().value(),
                       kernel.PsGetCurrentThreadId().value());
  }
  Kernel kernel;
};

}  // namespace

TEST_CASE(
    "§10.10 [F MSDOC PsSetLoadImageNotifyRoutine] the load-image array has 8 slots through "
    "Vista: the 9th distinct routine gets STATUS_INSUFFICIENT_RESOURCES") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Fixture f(v);
    CHECK(f.kernel.image_notify_array().size() == 8);
    for (int i = 0; i < 8; ++i) {
      CHECK(f.kernel.PsSetLoadImageNotifyRoutine(kNine[i]) == STATUS_SUCCESS);
    }
    CHECK(f.kernel.PsSetLoadImageNotifyRoutine(kNine[8]) == STATUS_INSUFFICIENT_RESOURCES);
    CHECK(f.kernel.image_notify_array().count() == 8);
  }
}

TEST_CASE(
    "§10.10 [I Wine ntoskrnl tests] the same load-image routine registered twice takes two "
    "slots and is called twice per image") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Fixture f(v);
    REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_b) == STATUS_SUCCESS);
    REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_b) == STATUS_SUCCESS);
    CHECK(f.kernel.image_notify_array().count() == 2);
    const auto m = f.kernel.MmLoadSystemImage("\\SystemRoot\\System32\\drivers\\x.sys");
    REQUIRE(m.status == STATUS_SUCCESS);
    CHECK(g_events.size() == 2);
  }
}

TEST_CASE(
    "§10.10 [F MSDOC PsRemoveLoadImageNotifyRoutine] removal: SUCCESS, then "
    "PROCEDURE_NOT_FOUND, and not exported on win2000 (NOT_IMPLEMENTED, nothing removed)") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Fixture f(v);
    REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_b) == STATUS_SUCCESS);
    if (v == KernelVersion::Win2000) {
      CHECK(f.kernel.PsRemoveLoadImageNotifyRoutine(&image_b) == STATUS_NOT_IMPLEMENTED);
      CHECK(f.kernel.image_notify_array().count() == 1);
      continue;
    }
    CHECK(f.kernel.PsRemoveLoadImageNotifyRoutine(&image_a) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(f.kernel.PsRemoveLoadImageNotifyRoutine(&image_b) == STATUS_SUCCESS);
    CHECK(f.kernel.PsRemoveLoadImageNotifyRoutine(&image_b) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(f.kernel.image_notify_array().count() == 0);
    (void)f.kernel.MmLoadSystemImage("\\SystemRoot\\System32\\drivers\\x.sys");
    CHECK(g_events.empty());
  }
}

TEST_CASE(
    "§10.10 [O Process Monitor] a new process's own image, then ntdll, are reported when its "
    "first thread starts, in that thread's context, after the process and thread notifies") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Fixture f(v);
    REQUIRE(f.kernel.PsSetCreateProcessNotifyRoutine(&process_routine, false) == STATUS_SUCCESS);
    REQUIRE(f.kernel.PsSetCreateThreadNotifyRoutine(&thread_routine) == STATUS_SUCCESS);
    REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_a) == STATUS_SUCCESS);
    auto p = f.kernel.NtCreateProcess("notepad.exe", nullptr,
                                      {"\\Device\\HarddiskVolume1\\Windows\\notepad.exe", ""});
    REQUIRE(p.status == STATUS_SUCCESS);
    CHECK(g_events.empty());  // nothing yet: no thread
    auto t = f.kernel.NtCreateThread(*p.process);
    REQUIRE(t.status == STATUS_SUCCESS);
    const std::string pid = fmt::format("{:#x}", t.cid.UniqueProcess.value());
    const std::string ctx = fmt::format("{}.{:#x}", pid, t.cid.UniqueThread.value());
    REQUIRE(g_events.size() == 4);
    CHECK(g_events[0].rfind(
              fmt::format("process {:#x} {} create", f.kernel.system_process().pid().value(), pid),
              0) == 0);
    CHECK(g_events[1].rfind("thread " + pid, 0) == 0);
    CHECK(g_events[2] == "image a \\Device\\HarddiskVolume1\\Windows\\notepad.exe pid " + pid +
                             " base 0x400000 size 0x10000 on " + ctx);
    CHECK(g_events[3] == "image a \\SystemRoot\\System32\\ntdll.dll pid " + pid +
                             " base 0x410000 size 0x10000 on " + ctx);
    // Only the first thread: a second one maps nothing.
    g_events.clear();
    REQUIRE(f.kernel.NtCreateThread(*p.process).status == STATUS_SUCCESS);
    REQUIRE(g_events.size() == 1);
    CHECK(g_events[0].rfind("thread ", 0) == 0);
  }
}

TEST_CASE(
    "§10.10 profile process_image_notify = AtProcessCreation: the images are reported from "
    "NtCreateProcess in the creator's context, with the PID the process has then") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Profile p = *Profile::make(v, Arch::X86);
    p.process_image_notify = ProcessImageNotify::AtProcessCreation;
    Fixture f(p);
    REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_a) == STATUS_SUCCESS);
    auto created = f.kernel.NtCreateProcess("app.exe");
    REQUIRE(created.status == STATUS_SUCCESS);
    REQUIRE(g_events.size() == 2);
    // win2000 gives the PID with the first thread: 0 here.
    const std::uint64_t pid = created.process->pid().value();
    CHECK((v == KernelVersion::Win2000) == (pid == 0));
    CHECK(g_events[0] ==
          fmt::format("image a \\Device\\HarddiskVolume1\\Windows\\System32\\app.exe pid {:#x} "
                      "base 0x400000 size 0x10000 on {}",
                      pid, f.boot_context()));
    g_events.clear();
    REQUIRE(f.kernel.NtCreateThread(*created.process).status == STATUS_SUCCESS);
    CHECK(g_events.empty());  // reported once, at creation
  }
}

TEST_CASE(
    "§10.10 [F MSDOC IMAGE_INFO] a DLL mapped into a process: the process's PID, the next "
    "64 KiB-granular base, in the mapping thread's context, each routine with its own copy") {
  Fixture f(KernelVersion::Xp);
  auto p = f.kernel.NtCreateProcess("app.exe");
  auto t = f.kernel.NtCreateThread(*p.process);  // images at 0x400000, 0x410000
  REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_a) == STATUS_SUCCESS);
  REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_b) == STATUS_SUCCESS);
  Kernel::ContextScope as(f.kernel, *t.thread);
  const auto m = f.kernel.MmMapImage(*p.process, "\\x\\big.dll", 0x18000);
  REQUIRE(m.status == STATUS_SUCCESS);
  CHECK(m.info.ImageBase == 0x420000);
  CHECK(m.info.ImageSize == 0x18000);
  CHECK_FALSE(m.info.SystemModeImage);
  const auto next = f.kernel.MmMapImage(*p.process, "\\x\\next.dll");
  CHECK(next.info.ImageBase == 0x440000);  // 0x18000 rounds up to 0x20000
  const std::string ctx =
      fmt::format("{:#x}.{:#x}", t.cid.UniqueProcess.value(), t.cid.UniqueThread.value());
  REQUIRE(g_events.size() == 4);
  CHECK(g_events[0] ==
        fmt::format("image a \\x\\big.dll pid {:#x} base 0x420000 size 0x18000 on {}",
                    t.cid.UniqueProcess.value(), ctx));
  CHECK(g_events[1] == "image b \\x\\big.dll base 0x420000");  // not a's 0xDEAD0000
}

TEST_CASE(
    "MmMapImage refuses what the kernel would: size 0 INVALID_PARAMETER, no room NO_MEMORY, an "
    "exiting process PROCESS_IS_TERMINATING, and no routine is told") {
  Fixture f(KernelVersion::Xp);
  REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_b) == STATUS_SUCCESS);
  auto p = f.kernel.NtCreateProcess("app.exe");
  CHECK(f.kernel.MmMapImage(*p.process, "a.dll", 0).status == STATUS_INVALID_PARAMETER);
  CHECK(f.kernel.MmMapImage(*p.process, "a.dll", ~std::uint64_t{0}).status == STATUS_NO_MEMORY);
  CHECK(f.kernel.MmMapImage(*p.process, "a.dll", 0x7FFF0000).status == STATUS_NO_MEMORY);
  // The space still takes an image that fits after the refusals.
  CHECK(f.kernel.MmMapImage(*p.process, "a.dll", 0x10000).info.ImageBase == 0x400000);
  g_events.clear();
  auto t = f.kernel.NtCreateThread(*p.process);
  REQUIRE(f.kernel.NtTerminateProcess(*p.process) == STATUS_SUCCESS);
  g_events.clear();
  CHECK(f.kernel.MmMapImage(*p.process, "late.dll").status == STATUS_PROCESS_IS_TERMINATING);
  CHECK(g_events.empty());
  (void)t;
}

TEST_CASE(
    "§10.10 [F MSDOC] a driver image: ProcessId 0, SystemModeImage, system-space bases per "
    "architecture, in the loading thread's context") {
  for (Arch arch : {Arch::X86, Arch::X64}) {
    CAPTURE(to_string(arch));
    Fixture f(KernelVersion::Server2003, arch);
    REQUIRE(f.kernel.PsSetLoadImageNotifyRoutine(&image_a) == STATUS_SUCCESS);
    const auto first = f.kernel.MmLoadSystemImage("\\SystemRoot\\System32\\drivers\\a.sys");
    const auto second = f.kernel.MmLoadSystemImage("\\SystemRoot\\System32\\drivers\\b.sys");
    REQUIRE(first.status == STATUS_SUCCESS);
    CHECK(first.info.SystemModeImage);
    const std::uint64_t base = arch == Arch::X86 ? 0xF8000000ULL : 0xFFFFF88000000000ULL;
    CHECK(first.info.ImageBase == base);
    CHECK(second.info.ImageBase == base + 0x10000);
    REQUIRE(g_events.size() == 2);
    CHECK(g_events[0] == fmt::format("image a \\SystemRoot\\System32\\drivers\\a.sys pid 0x0 base "
                                     "{:#x} size 0x10000 system on {}",
                                     base, f.boot_context()));
  }
}

TEST_CASE(
    "PS_CREATE_NOTIFY_INFO [F MSDOC] carries the full image path and the command line, given "
    "or defaulted, with FileOpenNameAvailable") {
  static std::vector<std::string> seen;
  seen.clear();
  struct Ex {
    static void routine(ps::Process*, ProcessId, PS_CREATE_NOTIFY_INFO* info) {
      if (info == nullptr) return;
      seen.push_back(fmt::format("{} | {} | {}", info->ImageFileName, info->CommandLine,
                                 info->FileOpenNameAvailable));
    }
  };
  Fixture f(KernelVersion::Vista);
  REQUIRE(f.kernel.PsSetCreateProcessNotifyRoutineEx(&Ex::routine, false) == STATUS_SUCCESS);
  auto a = f.kernel.NtCreateProcess("calc.exe");
  REQUIRE(f.kernel.NtCreateThread(*a.process).status == STATUS_SUCCESS);
  auto b = f.kernel.NtCreateProcess(
      "np.exe", nullptr, {"\\Device\\HarddiskVolume2\\Tools\\np.exe", "np.exe /a \"x y\""});
  REQUIRE(f.kernel.NtCreateThread(*b.process).status == STATUS_SUCCESS);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == "\\Device\\HarddiskVolume1\\Windows\\System32\\calc.exe | calc.exe | true");
  CHECK(seen[1] == "\\Device\\HarddiskVolume2\\Tools\\np.exe | np.exe /a \"x y\" | true");
}
