// SPDX-License-Identifier: MIT
// The founding article's experiment, run on the Windows 2000 model: a driver registers a
// process notify routine whose body is a breakpoint; a user process (explorer) starts notepad;
// the "debugger" shows where the routine was called from and with what.
#include <fmt/format.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

void ProcessNotifyRoutine(ProcessId ParentId, ProcessId ProcessId, bool Create) {
  Kernel& k = *Kernel::current();
  fmt::print("Break instruction exception - code 80000003 (first chance)\n");
  fmt::print("driver!ProcessNotifyRoutine: ParentId {:#x}, ProcessId {:#x}, Create {}\n",
             ParentId.value(), ProcessId.value(), Create ? "TRUE" : "FALSE");
  fmt::print("running on Cid {}\n", ClientId{k.PsGetCurrentProcessId(), k.PsGetCurrentThreadId()});
  fmt::print("kd> kb\n{}", k.format_stack_kb());
}

void ThreadNotifyRoutine(ProcessId ProcessId, ThreadId ThreadId, bool Create) {
  fmt::print("driver!ThreadNotifyRoutine: ProcessId {:#x}, ThreadId {:#x}, Create {}\n",
             ProcessId.value(), ThreadId.value(), Create ? "TRUE" : "FALSE");
}

}  // namespace

int main() {
  Kernel k(Profile::win2000());
  fmt::print("win2000 booted: first system thread TID {:#x}, System PID {:#x}\n\n",
             k.first_system_thread().tid().value(), k.system_process().pid().value());

  // The user's shell, started before the driver loads.
  auto explorer = k.NtCreateProcess("explorer.exe");
  auto explorer_thread = k.NtCreateThread(*explorer.process, CreateSuspended::No, "explorer");

  // The driver loads and registers its routines.
  k.name_routine(reinterpret_cast<const void*>(&ProcessNotifyRoutine), "driver",
                 "ProcessNotifyRoutine");
  k.name_routine(reinterpret_cast<const void*>(&ThreadNotifyRoutine), "driver",
                 "ThreadNotifyRoutine");
  fmt::print("PsSetCreateProcessNotifyRoutine -> {}\n",
             k.PsSetCreateProcessNotifyRoutine(&ProcessNotifyRoutine, false));
  fmt::print("PsSetCreateThreadNotifyRoutine  -> {}\n\n",
             k.PsSetCreateThreadNotifyRoutine(&ThreadNotifyRoutine));

  // explorer calls CreateProcess("notepad.exe"): NtCreateProcess, then NtCreateThread.
  Kernel::ContextScope as_explorer(k, *explorer_thread.thread);
  auto notepad = k.NtCreateProcess("notepad.exe");
  fmt::print("NtCreateProcess(notepad.exe) -> {}; UniqueProcessId is still {:#x}\n\n",
             notepad.status, notepad.process->pid().value());
  auto first = k.NtCreateThread(*notepad.process, CreateSuspended::No, "notepad");
  fmt::print("\nNtCreateThread -> {}; Cid {} (the TID came first, then the PID)\n", first.status,
             first.cid);
  auto second = k.NtCreateThread(*notepad.process, CreateSuspended::No, "notepad_2");
  fmt::print("second NtCreateThread -> {}; Cid {} (no process notify this time)\n", second.status,
             second.cid);
  return 0;
}
