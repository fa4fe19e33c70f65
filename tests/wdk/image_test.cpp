// SPDX-License-Identifier: MIT
// The load-image notify routines and a process's image names through the WDK surface, driven by
// image_driver.c (a monitor written as a real driver is): registration per version, what
// IMAGE_INFO and FullImageName carry for a new process's images, a DLL and a driver image, in
// whose context the routine runs, removal at unload (and its absence on Windows 2000),
// PsGetProcessImageFileName's 15 characters and SeLocateProcessImageName's pool block.
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include "finding_count.hpp"
#include "image_driver.h"
#include "ntemu/harness.hpp"

using ntemu::Harness;

// Not declared by the WDK's headers: a driver (here, the test) declares it.
extern "C" PCHAR PsGetProcessImageFileName(PEPROCESS Process);

namespace {

std::uint64_t num(HANDLE h) {
  return static_cast<std::uint64_t>(reinterpret_cast<ULONG_PTR>(h));
}
// A load-image routine no driver registers.
void never_registered(PUNICODE_STRING, HANDLE, PIMAGE_INFO) {}

using ntemu::test::count;

std::vector<ntemu::Profile> every_profile() {
  std::vector<ntemu::Profile> out;
  for (auto v : {ntemu::KernelVersion::Win2000, ntemu::KernelVersion::Xp,
                 ntemu::KernelVersion::Server2003, ntemu::KernelVersion::Vista}) {
    for (auto a : {ntemu::Arch::X86, ntemu::Arch::X64})
      out.push_back(ntemu::Profile::make(v, a).value());
  }
  return out;
}

// The kernel's own `notify` events of kind image, for comparing with what the driver saw.
std::vector<ntemu::Event> image_events(const Harness& h) {
  std::vector<ntemu::Event> out;
  for (const auto& e : h.events("notify")) {
    if (e.text("kind") == "image") out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("wdk image: a new process's image and ntdll reach the routine as the kernel reports") {
  for (const ntemu::Profile& profile : every_profile()) {
    CAPTURE(ntemu::to_string(profile.version));
    CAPTURE(ntemu::to_string(profile.arch));
    ImageMonitorReset();
    Harness h(profile);
    REQUIRE(NT_SUCCESS(h.load(&ImageMonitorEntry, "imagemon")));
    CHECK(ImageMonitor.RegisterStatus == STATUS_SUCCESS);
    auto started = h.start_process("notepad.exe");
    REQUIRE(started.status.ok());
    REQUIRE(ImageMonitor.Count == 2);
    const auto events = image_events(h);
    REQUIRE(events.size() == 2);
    for (ULONG i = 0; i < 2; ++i) {
      const IMAGE_LOG_ENTRY& e = ImageMonitor.Log[i];
      CHECK(std::string(e.Name) == events[i].text("image"));
      CHECK(num(e.ProcessId) == events[i].number("pid"));
      CHECK(num(e.Base) == events[i].number("base"));
      CHECK(e.Size == events[i].number("size"));
      CHECK(e.SystemModeImage == 0);
      CHECK(e.AddressingMode == IMAGE_ADDRESSING_MODE_32BIT);
      CHECK(num(e.CurrentProcessId) == events[i].number("context_pid"));
    }
    // The process's own image (its full path), then ntdll, with the PID the process has now.
    CHECK(std::string(ImageMonitor.Log[0].Name) ==
          "\\Device\\HarddiskVolume1\\Windows\\System32\\notepad.exe");
    CHECK(std::string(ImageMonitor.Log[1].Name) == "\\SystemRoot\\System32\\ntdll.dll");
    CHECK(num(ImageMonitor.Log[0].ProcessId) == started.process->pid().value());
    CHECK(num(ImageMonitor.Log[1].Base) > num(ImageMonitor.Log[0].Base));
    CHECK(h.exit_process(*started.process).ok());
    CHECK(NT_SUCCESS(h.unload()));
  }
}

TEST_CASE("wdk image: a DLL is reported in the loading thread's context, a driver with PID 0") {
  ImageMonitorReset();
  Harness h(ntemu::Profile::xp(ntemu::Arch::X64));
  REQUIRE(NT_SUCCESS(h.load(&ImageMonitorEntry, "imagemon")));
  auto started = h.start_process("app.exe");
  REQUIRE(started.status.ok());
  {
    auto scope = h.enter(*started.thread);  // LoadLibrary runs in the process's own thread
    const auto mapped = h.load_image(*started.process, "user32.dll", 0x20000);
    REQUIRE(mapped.status.ok());
    CHECK(mapped.info.ImageSize == 0x20000);
  }
  REQUIRE(ImageMonitor.Count == 3);
  const IMAGE_LOG_ENTRY& dll = ImageMonitor.Log[2];
  CHECK(std::string(dll.Name) == "\\Device\\HarddiskVolume1\\Windows\\System32\\user32.dll");
  CHECK(num(dll.ProcessId) == started.process->pid().value());
  CHECK(num(dll.CurrentProcessId) == started.process->pid().value());
  CHECK(dll.Size == 0x20000);
  CHECK(dll.SystemModeImage == 0);

  const auto driver = h.load_system_image("beep.sys");
  REQUIRE(driver.status.ok());
  REQUIRE(ImageMonitor.Count == 4);
  const IMAGE_LOG_ENTRY& sys = ImageMonitor.Log[3];
  CHECK(std::string(sys.Name) == "\\SystemRoot\\System32\\drivers\\beep.sys");
  CHECK(num(sys.ProcessId) == 0);
  CHECK(sys.SystemModeImage == 1);
  CHECK(num(sys.Base) >= 0xFFFFF88000000000ULL);  // system space on x64
  CHECK(num(sys.CurrentProcessId) == h.kernel().system_process().pid().value());

  // Bad requests get the kernel's answers and reach no routine.
  CHECK(h.load_image(*started.process, "zero.dll", 0).status == ntemu::STATUS_INVALID_PARAMETER);
  CHECK(h.load_system_image("zero.sys", 0).status == ntemu::STATUS_INVALID_PARAMETER);
  CHECK(ImageMonitor.Count == 4);
  CHECK(h.exit_process(*started.process).ok());
  CHECK(h.load_image(*started.process, "late.dll").status == ntemu::STATUS_PROCESS_IS_TERMINATING);
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(h.audit().empty());
}

TEST_CASE("wdk image: win2000 exports no removal, so the routine outlives the driver") {
  ImageMonitorReset();
  Harness h(ntemu::Profile::win2000(ntemu::Arch::X86));
  h.name_routine(&ImageMonitorLoadImage, "ImageMonitorLoadImage", "imagemon");
  REQUIRE(NT_SUCCESS(h.load(&ImageMonitorEntry, "imagemon")));
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(ImageMonitor.RemoveStatus == STATUS_NOT_IMPLEMENTED);
  const auto findings = h.audit();
  REQUIRE(count(findings, "routine-after-unload") == 1);
  CHECK(findings.back().detail.find("imagemon!ImageMonitorLoadImage") != std::string::npos);
  CHECK(findings.back().detail.find("load-image") != std::string::npos);
  // The kernel still calls it: the harness skips the call into unmapped code and says so.
  const auto later = h.start_process("later.exe");
  CHECK(later.status.ok());
  CHECK(ImageMonitor.Count == 0);
  CHECK(count(h.audit(), "call-into-unloaded-driver") >= 1);
}

TEST_CASE("wdk image: removal from XP on leaves nothing behind") {
  ImageMonitorReset();
  Harness h(ntemu::Profile::server2003(ntemu::Arch::X86));
  REQUIRE(NT_SUCCESS(h.load(&ImageMonitorEntry, "imagemon")));
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(ImageMonitor.RemoveStatus == STATUS_SUCCESS);
  CHECK(h.audit().empty());
  CHECK(h.kernel().image_notify_array().count() == 0);
}

TEST_CASE("wdk image: registration statuses — duplicates, a full array, unknown removal, Ex") {
  Harness h(ntemu::Profile::server2003(ntemu::Arch::X86));
  auto scope = h.enter();
  // The same routine may be registered again, until the eight slots are full.
  for (int i = 0; i < 8; ++i)
    CHECK(PsSetLoadImageNotifyRoutine(&ImageMonitorLoadImage) == 0);
  CHECK(PsSetLoadImageNotifyRoutine(&ImageMonitorLoadImage) == STATUS_INSUFFICIENT_RESOURCES);
  for (int i = 0; i < 8; ++i)
    CHECK(PsRemoveLoadImageNotifyRoutine(&ImageMonitorLoadImage) == 0);
  CHECK(PsRemoveLoadImageNotifyRoutine(&ImageMonitorLoadImage) == STATUS_PROCEDURE_NOT_FOUND);
  // A routine never registered anywhere is not found either.
  CHECK(PsRemoveLoadImageNotifyRoutine(&never_registered) == STATUS_PROCEDURE_NOT_FOUND);
  // The Ex registration is Windows 10 1709's: not exported here.
  CHECK(PsSetLoadImageNotifyRoutineEx(&ImageMonitorLoadImage, 0) == STATUS_NOT_IMPLEMENTED);
  UNICODE_STRING name;
  RtlInitUnicodeString(&name, L"PsSetLoadImageNotifyRoutineEx");
  CHECK(MmGetSystemRoutineAddress(&name) == nullptr);
  RtlInitUnicodeString(&name, L"PsRemoveLoadImageNotifyRoutine");
  CHECK(MmGetSystemRoutineAddress(&name) != nullptr);
}

TEST_CASE("wdk image: the Ex registration where the profile exports it") {
  ntemu::Profile p = ntemu::Profile::vista(ntemu::Arch::X64);
  p.has_load_image_notify_routine_ex = true;  // as Windows 10 1709 (Profile::win10 has it)
  ImageMonitorReset();
  ImageMonitor.UseEx = TRUE;
  Harness h(p);
  REQUIRE(NT_SUCCESS(h.load(&ImageMonitorEntry, "imagemon")));
  CHECK(h.kernel().image_notify_array().count() == 1);
  {
    auto scope = h.enter();
    // MSDOC: an unknown flag is STATUS_INVALID_PARAMETER_2.
    CHECK(PsSetLoadImageNotifyRoutineEx(&ImageMonitorLoadImage, 0x2) == STATUS_INVALID_PARAMETER_2);
    CHECK(h.kernel().image_notify_array().count() == 1);
  }
  auto started = h.start_process("x.exe");
  CHECK(ImageMonitor.Count == 2);
  CHECK(h.exit_process(*started.process).ok());
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(h.audit().empty());
}

TEST_CASE("wdk image: PsGetProcessImageFileName keeps the first 15 characters") {
  ImageMonitorReset();
  Harness h(ntemu::Profile::xp(ntemu::Arch::X86));
  REQUIRE(NT_SUCCESS(h.load(&ImageMonitorEntry, "imagemon")));
  auto a = h.start_process("a-rather-long-image-name.exe");
  CHECK(ImageMonitor.ProcessCreates == 1);
  CHECK(std::string(ImageMonitor.ShortName) == "a-rather-long-i");
  auto b = h.start_process("cmd.exe");
  CHECK(std::string(ImageMonitor.ShortName) == "cmd.exe");
  // XP does not export SeLocateProcessImageName: the driver's probe finds nothing.
  CHECK(ImageMonitor.LocateStatus == STATUS_NOT_IMPLEMENTED);
  // Fewer characters where the profile's field is shorter (Windows 8's UCHAR[15]).
  ntemu::Profile shorter = ntemu::Profile::xp(ntemu::Arch::X86);
  shorter.image_file_name_chars = 14;
  Harness h2(shorter);
  auto c = h2.start_process("a-rather-long-image-name.exe");
  {
    auto scope = h2.enter();
    CHECK(std::string(PsGetProcessImageFileName(ntemu::to_peprocess(*c.process))) ==
          "a-rather-long-");
    CHECK(PsGetProcessImageFileName(nullptr) == nullptr);
  }
  CHECK(h.exit_process(*a.process).ok());
  CHECK(h.exit_process(*b.process).ok());
  CHECK(NT_SUCCESS(h.unload()));
}

TEST_CASE("wdk image: SeLocateProcessImageName returns the full path in a pool block") {
  ImageMonitorReset();
  Harness h(ntemu::Profile::vista(ntemu::Arch::X64));
  REQUIRE(NT_SUCCESS(h.load(&ImageMonitorEntry, "imagemon")));
  auto p = h.start_process("tool.exe", nullptr, {"\\Device\\HarddiskVolume2\\bin\\tool.exe", ""});
  REQUIRE(p.status.ok());
  CHECK(ImageMonitor.LocateStatus == STATUS_SUCCESS);
  CHECK(std::string(ImageMonitor.FullName) == "\\Device\\HarddiskVolume2\\bin\\tool.exe");
  CHECK(std::string(ImageMonitor.Log[0].Name) == "\\Device\\HarddiskVolume2\\bin\\tool.exe");
  CHECK(h.pool_outstanding() == 0);  // the driver freed it
  {
    auto scope = h.enter();
    PUNICODE_STRING out = nullptr;
    CHECK(SeLocateProcessImageName(ntemu::to_peprocess(*p.process), nullptr) ==
          STATUS_INVALID_PARAMETER);
    // The System process has no image file.
    CHECK(SeLocateProcessImageName(ntemu::to_peprocess(h.kernel().system_process()), &out) ==
          STATUS_NOT_FOUND);
    CHECK(out == nullptr);
  }
  // A driver that never frees the block leaks it: reported at unload.
  ImageMonitor.FreeNames = FALSE;
  auto q = h.start_process("leaky.exe");
  CHECK(h.pool_outstanding() == 1);
  CHECK(h.exit_process(*p.process).ok());
  CHECK(h.exit_process(*q.process).ok());
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(count(h.audit(), "pool-leak") == 1);
}
