// SPDX-License-Identifier: MIT
// Drives the consumer's C driver through the harness of the installed ntemu::wdk.
#include <ntemu/harness.hpp>

#include <cstdio>

extern "C" {
extern ULONG ConsumerCreates;
extern ULONG ConsumerExits;
extern ULONG ConsumerThreads;
DRIVER_INITIALIZE DriverEntry;
}

int main() {
  ntemu::Harness h(ntemu::Profile::xp());
  if (!NT_SUCCESS(h.load(&DriverEntry, "consumer"))) return 1;
  auto started = h.start_process("notepad.exe");
  if (!started.status.ok() || !h.exit_process(*started.process).ok()) return 2;
  if (!NT_SUCCESS(h.unload()) || !h.audit().empty()) return 3;
  std::printf("wdk consumer: creates %u exits %u threads %u, %zu DbgPrint line(s)\n",
              ConsumerCreates, ConsumerExits, ConsumerThreads, h.debug_output().size());
  return ConsumerCreates == 1 && ConsumerExits == 1 && ConsumerThreads == 1 ? 0 : 4;
}
