// SPDX-License-Identifier: MIT
// The I/O manager and the harness as a driver's user-mode client: the monitor driver
// (monitor_driver.c, built as C and as C++ with ntemu_add_driver) creates its device and link,
// and the tests open it, send it IOCTLs, reads and writes, and check the bytes moved as the
// I/O manager moves them, the statuses a client sees, and the findings its mistakes raise.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "finding_count.hpp"
#include "monitor_driver.h"
#include "ntemu/harness.hpp"

namespace {

using ntemu::Harness;
using ntemu::test::count;

std::vector<MONITOR_EVENT> events_of(std::span<const std::byte> bytes, std::size_t n) {
  std::vector<MONITOR_EVENT> out(n / sizeof(MONITOR_EVENT));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(MONITOR_EVENT));
  return out;
}

template <class T>
std::span<const std::byte> bytes_of(const T& value) {
  return std::as_bytes(std::span(&value, 1));
}

std::span<const std::byte> text(const char* s) {
  return std::as_bytes(std::span(s, std::strlen(s)));
}

constexpr const char* kLink = "\\\\.\\NtemuMonitor";

}  // namespace

TEST_CASE("device: a client opens the monitor by its link and reads the events it queued") {
  for (auto profile : {ntemu::Profile::xp(ntemu::Arch::X86), ntemu::Profile::vista()}) {
    MonitorReset();
    Harness h(profile);
    REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
    auto notepad = h.start_process("notepad.exe");
    REQUIRE(notepad.status.ok());
    const Harness::Opened opened = h.open_device(kLink);  // starts client.exe
    REQUIRE(opened.status == STATUS_SUCCESS);
    CHECK(MonitorStats.Opens == 1);
    CHECK(MonitorStats.LastMode == UserMode);
    CHECK(MonitorStats.LastRequestor == MonitorStats.LastCurrent);
    CHECK(MonitorStats.LastRequestor != notepad.process->pid().value());

    std::array<std::byte, 4 * sizeof(MONITOR_EVENT)> out{};
    const Harness::IoResult r =
        h.device_io_control(opened.handle, IOCTL_MONITOR_GET_EVENTS, {}, out);
    CHECK(r.status == STATUS_SUCCESS);
    REQUIRE(r.information == 2 * sizeof(MONITOR_EVENT));
    const auto events = events_of(out, r.information);
    CHECK(events[0].ProcessId == notepad.process->pid().value());
    CHECK(events[0].Create == TRUE);
    CHECK(events[1].ProcessId == MonitorStats.LastRequestor);  // the client's own start

    CHECK(h.exit_process(*notepad.process).ok());
    const Harness::IoResult again =
        h.device_io_control(opened.handle, IOCTL_MONITOR_GET_EVENTS, {}, out);
    REQUIRE(again.information == sizeof(MONITOR_EVENT));
    CHECK(events_of(out, again.information)[0].Create == FALSE);

    CHECK(h.close(opened.handle) == STATUS_SUCCESS);
    CHECK(MonitorStats.Cleanups == 1);
    CHECK(MonitorStats.Closes == 1);
    CHECK(h.close(opened.handle) == STATUS_INVALID_HANDLE);
    CHECK(NT_SUCCESS(h.unload()));
    CHECK(h.audit().empty());  // a correct driver raises nothing
    CHECK(h.debug_output().back().find("monitor_driver.c:") != std::string::npos);
  }
}

TEST_CASE("device: buffered reads copy Information bytes, writes reach the driver") {
  MonitorReset();
  Harness h(ntemu::Profile::server2003());
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  const auto opened = h.open_device("\\??\\NtemuMonitor");
  REQUIRE(opened.status == STATUS_SUCCESS);
  std::array<std::byte, 3 * sizeof(MONITOR_EVENT) + 5> out{};
  out.fill(std::byte{0xEE});
  const auto r = h.read(opened.handle, out);
  CHECK(r.status == STATUS_SUCCESS);
  CHECK(r.information == sizeof(MONITOR_EVENT));         // the client's start
  CHECK(out[sizeof(MONITOR_EVENT)] == std::byte{0xEE});  // only Information bytes are copied
  const auto w = h.write(opened.handle, text("hello"));
  CHECK(w.status == STATUS_SUCCESS);
  CHECK(w.information == 5);
  CHECK(MonitorStats.Writes == 5);
  CHECK(h.close(opened.handle) == STATUS_SUCCESS);
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(h.audit().empty());
}

TEST_CASE("device: direct and neither I/O hand the driver the caller's buffers") {
  MonitorReset();
  Harness h(ntemu::Profile::vista(ntemu::Arch::X86));
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  const auto opened = h.open_device("\\DosDevices\\NtemuMonitor");
  REQUIRE(opened.status == STATUS_SUCCESS);
  std::array<std::byte, 8> out{};
  auto r = h.device_io_control(opened.handle, IOCTL_MONITOR_ECHO_DIRECT, text("abc1"), out);
  CHECK(r.status == STATUS_SUCCESS);
  CHECK(r.information == 4);
  CHECK(std::memcmp(out.data(), "ABC1", 4) == 0);
  out.fill(std::byte{0});
  r = h.device_io_control(opened.handle, IOCTL_MONITOR_ECHO_NEITHER, text("xyz"), out);
  CHECK(r.status == STATUS_SUCCESS);
  CHECK(std::memcmp(out.data(), "XYZ", 3) == 0);
  CHECK(MonitorStats.LeaveTaken == FALSE);
  std::array<std::byte, 2> small{};
  r = h.device_io_control(opened.handle, IOCTL_MONITOR_ECHO_NEITHER, text("xyz"), small);
  CHECK(r.status == STATUS_BUFFER_TOO_SMALL);
  CHECK(MonitorStats.LeaveTaken == TRUE);  // __leave left the __try block
  r = h.device_io_control(opened.handle, 0x1234, {}, {});
  CHECK(r.status == STATUS_INVALID_DEVICE_REQUEST);
  CHECK(h.close(opened.handle) == STATUS_SUCCESS);
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(h.audit().empty());
}

TEST_CASE("device: a pended IOCTL completes when the next process event arrives") {
  MonitorReset();
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  const auto opened = h.open_device(kLink);
  REQUIRE(opened.status == STATUS_SUCCESS);
  std::array<std::byte, sizeof(MONITOR_EVENT)> drain{};
  static_cast<void>(h.device_io_control(opened.handle, IOCTL_MONITOR_GET_EVENTS, {}, drain));
  std::array<std::byte, sizeof(MONITOR_EVENT)> out{};
  const auto r = h.device_io_control(opened.handle, IOCTL_MONITOR_WAIT_EVENT, {}, out);
  CHECK(r.status == STATUS_PENDING);
  REQUIRE(r.request != 0);
  CHECK_FALSE(h.completion(r.request).has_value());
  auto started = h.start_process("late.exe");
  REQUIRE(started.status.ok());
  const auto done = h.completion(r.request);
  REQUIRE(done.has_value());
  CHECK(done->status == STATUS_SUCCESS);
  CHECK(done->information == sizeof(MONITOR_EVENT));
  CHECK(events_of(done->output, done->information)[0].ProcessId == started.process->pid().value());
  CHECK(h.close(opened.handle) == STATUS_SUCCESS);
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(h.audit().empty());
}

TEST_CASE("device: names, handles and unset dispatch entries get the I/O manager's statuses") {
  MonitorReset();
  Harness h(ntemu::Profile::vista());
  CHECK(h.open_device(kLink).status == STATUS_INVALID_DEVICE_STATE);  // nothing loaded
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  CHECK(h.symbolic_link("\\??\\NtemuMonitor") == std::string("\\Device\\NtemuMonitor"));
  CHECK(h.symbolic_link("\\\\.\\ntemumonitor") == std::string("\\Device\\NtemuMonitor"));
  CHECK(h.device(kLink) == h.driver_object().DeviceObject);
  CHECK(h.device("\\Device\\NtemuMonitor") != nullptr);
  CHECK(h.open_device("\\\\.\\NoSuchDevice").status == STATUS_OBJECT_NAME_NOT_FOUND);
  const Harness::DeviceHandle bogus{12345};
  std::array<std::byte, 4> out{};
  CHECK(h.device_io_control(bogus, IOCTL_MONITOR_GET_EVENTS, {}, out).status ==
        STATUS_INVALID_HANDLE);
  CHECK(h.read(bogus, out).status == STATUS_INVALID_HANDLE);
  const auto opened = h.open_device("\\Device\\NtemuMonitor");
  REQUIRE(opened.status == STATUS_SUCCESS);
  CHECK(h.close(opened.handle) == STATUS_SUCCESS);
  CHECK(h.device_io_control(opened.handle, IOCTL_MONITOR_GET_EVENTS, {}, out).status ==
        STATUS_INVALID_HANDLE);
  CHECK(NT_SUCCESS(h.unload()));
  CHECK_FALSE(h.symbolic_link("\\??\\NtemuMonitor").has_value());
  CHECK(h.audit().empty());

  // Entries a driver leaves unset complete with STATUS_INVALID_DEVICE_REQUEST.
  MonitorReset();
  MonitorConfig.NoFunctions = TRUE;
  Harness bare(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(bare.load(&MonitorDriverEntry, "monitor")));
  const bool defaulted = bare.driver_object().MajorFunction[IRP_MJ_READ] == &IoInvalidDeviceRequest;
  CHECK(defaulted);
  CHECK(bare.open_device(kLink).status == STATUS_INVALID_DEVICE_REQUEST);
  CHECK(NT_SUCCESS(bare.unload()));
  CHECK(bare.audit().empty());
}

TEST_CASE("device: what the driver leaves at unload is reported: devices, links, resources") {
  MonitorReset();
  MonitorConfig.KeepDevice = TRUE;
  MonitorConfig.KeepResource = TRUE;
  MonitorConfig.KeepLookaside = TRUE;
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  CHECK(NT_SUCCESS(h.unload()));
  const auto findings = h.audit();
  CHECK(count(findings, "device-leak") == 2);    // the device and its link
  CHECK(count(findings, "resource-leak") == 2);  // the ERESOURCE and the lookaside list
  // The link still names the device, whose driver is gone: the open is refused and reported.
  CHECK(h.open_device(kLink).status == STATUS_NO_SUCH_DEVICE);
  CHECK(count(h.audit(), "call-into-unloaded-driver") == 1);
}

TEST_CASE("device: queued records never freed are pool leaks of the lookaside tag") {
  MonitorReset();
  MonitorConfig.LeakRecords = TRUE;
  Harness h(ntemu::Profile::vista());
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  REQUIRE(h.start_process("a.exe").status.ok());
  CHECK(NT_SUCCESS(h.unload()));
  const auto findings = h.audit();
  REQUIRE(count(findings, "pool-leak") == 1);
  CHECK(findings.back().detail.find("'NMon'") != std::string::npos);
}

TEST_CASE("device: an IRP neither completed nor pended, or completed twice, is reported") {
  MonitorReset();
  MonitorConfig.ForgetComplete = TRUE;
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  const auto opened = h.open_device(kLink);
  REQUIRE(opened.status == STATUS_SUCCESS);
  std::array<std::byte, 64> out{};
  const auto r = h.device_io_control(opened.handle, IOCTL_MONITOR_DESCRIBE, {}, out);
  CHECK(r.status == STATUS_SUCCESS);  // what the dispatch routine returned
  CHECK(count(h.audit(), "irp-not-completed") == 1);

  MonitorConfig.ForgetComplete = FALSE;
  MonitorConfig.CompleteTwice = TRUE;
  const auto twice = h.device_io_control(opened.handle, IOCTL_MONITOR_DESCRIBE, {}, out);
  CHECK(twice.status == STATUS_SUCCESS);
  CHECK(std::string(reinterpret_cast<const char*>(out.data())).rfind("requestor ", 0) == 0);
  CHECK(count(h.audit(), "irp-completion-error") == 1);

  MonitorConfig.CompleteTwice = FALSE;
  MonitorConfig.OverReport = TRUE;
  std::array<std::byte, sizeof(MONITOR_EVENT)> one{};
  const auto over = h.device_io_control(opened.handle, IOCTL_MONITOR_GET_EVENTS, {}, one);
  CHECK(over.information == sizeof(MONITOR_EVENT));  // clamped to the caller's buffer
  CHECK(count(h.audit(), "irp-completion-error") == 2);
  CHECK(h.close(opened.handle) == STATUS_SUCCESS);
  CHECK(NT_SUCCESS(h.unload()));
}

TEST_CASE("device: an IRP still pending at unload is reported") {
  MonitorReset();
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&MonitorDriverEntry, "monitor")));
  const auto opened = h.open_device(kLink);
  std::array<std::byte, 2 * sizeof(MONITOR_EVENT)> drain{};
  static_cast<void>(h.device_io_control(opened.handle, IOCTL_MONITOR_GET_EVENTS, {}, drain));
  std::array<std::byte, sizeof(MONITOR_EVENT)> out{};
  CHECK(h.device_io_control(opened.handle, IOCTL_MONITOR_WAIT_EVENT, {}, out).status ==
        STATUS_PENDING);
  CHECK(h.close(opened.handle) == STATUS_SUCCESS);
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(count(h.audit(), "irp-not-completed") == 1);
}
