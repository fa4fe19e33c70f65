// SPDX-License-Identifier: MIT
// The monitor's user-mode client, played by the harness of the installed ntemu::wdk: it opens
// \\.\ProcWatch and reads the events the driver queued, as the real client would.
#include <ntemu/harness.hpp>

#include <array>
#include <cstdio>
#include <cstring>

#include "driver.h"

int main() {
  ntemu::Harness h(ntemu::Profile::xp());
  if (!NT_SUCCESS(h.load(&DriverEntry, "procwatch"))) return 1;
  auto notepad = h.start_process("notepad.exe");
  if (!notepad.status.ok() || !h.exit_process(*notepad.process).ok()) return 2;
  const auto opened = h.open_device("\\\\.\\ProcWatch");
  if (opened.status != STATUS_SUCCESS) return 3;
  std::array<PROCWATCH_EVENT, 16> events{};
  const auto r = h.device_io_control(opened.handle, IOCTL_PROCWATCH_READ_EVENTS, {},
                                     std::as_writable_bytes(std::span(events)));
  if (r.status != STATUS_SUCCESS) return 4;
  const std::size_t n = r.information / sizeof(PROCWATCH_EVENT);
  // notepad: process start, thread start, thread exit, process exit; then the client's starts.
  if (n < 6 || events[0].Kind != ProcessStarted || events[3].Kind != ProcessExited ||
      events[0].ProcessId != notepad.process->pid().value())
    return 5;
  if (h.close(opened.handle) != STATUS_SUCCESS) return 6;
  if (!NT_SUCCESS(h.unload()) || !h.audit().empty()) return 7;
  std::printf("procwatch consumer: %zu events, first %lu of process %lu\n", n,
              static_cast<unsigned long>(events[0].Sequence),
              static_cast<unsigned long>(events[0].ProcessId));
  return 0;
}
