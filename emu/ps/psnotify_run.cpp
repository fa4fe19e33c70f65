// SPDX-License-Identifier: MIT
// The notify dispatchers (semantics.md §4, §5, §10.10): PspRunCreateProcessNotifyRoutines,
// PspRunCreateThreadNotifyRoutines and PsCallImageNotifyRoutines walk their array in slot order and
// call each routine, with the executive's observers told before and after every call; callouts
// nested past HostContext::kMaxNestedCallouts are a kernel stack overflow (bugcheck 0x7F). Under
// EX_CALLBACK storage the array holds a block reference around the call, so a removal waits for it;
// plain arrays hold nothing (the Windows 2000 hazard).
#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::ps {
namespace {
// Exception codes a faulting routine reports in KMODE_EXCEPTION_NOT_HANDLED's first parameter.
constexpr std::uint64_t kAccessViolation = 0xC0000005;
constexpr std::uint64_t kCxxException = 0xE06D7363;  // the code MSVC gives C++ exceptions
}  // namespace

NotifyRoutine& Executive::slot_routine(const void* routine, void* context) {
  auto* record = static_cast<NotifyRoutine*>(context);
  return record != nullptr && record->function == routine ? *record
                                                          : routines_.get(routine, symbols_);
}

void Executive::routine_faulted(std::uint64_t code) {
  bug_check(KMODE_EXCEPTION_NOT_HANDLED, "KMODE_EXCEPTION_NOT_HANDLED", code, 0);
}

template <class Body>
void Executive::call_notify_routine(const NotifyCall& call, const std::uint64_t (&args)[3],
                                    Body&& body) {
  if (t_host_context.running() >= HostContext::kMaxNestedCallouts) {
    bug_check(UNEXPECTED_KERNEL_MODE_TRAP, "UNEXPECTED_KERNEL_MODE_TRAP", EXCEPTION_DOUBLE_FAULT,
              t_host_context.running());
  }
  sched::point(sched::Access::Call, call.routine, "notify routine call", call.slot);
  // Running on this host thread before the observers hear of the call (HostContext's order
  // for a removal counting it), until after they heard of its return.
  struct Pushed {
    explicit Pushed(const NotifyRoutine* r) { t_host_context.push_routine(r); }
    ~Pushed() { t_host_context.pop_routine(); }
    Pushed(const Pushed&) = delete;
    Pushed& operator=(const Pushed&) = delete;
  } pushed(call.routine);
  observe(&KernelObserver::routine_calling, call);
  const dbg::Symbol& symbol = call.routine->symbol_or_unknown();
  dbg::FrameScope frame(symbol.module, symbol.function, args[0], args[1], args[2]);
  struct Returning {  // on every way out, a faulting routine included
    ~Returning() {
      sched::point(sched::Access::Return, call.routine, "notify routine return", call.slot);
      executive.observers_.returned(call);
    }
    Executive& executive;
    const NotifyCall& call;
  } returning{*this, call};
  // A NULL routine (registrations do not check) is a call through address 0; a routine that
  // throws is an unhandled exception in kernel mode. Either stops the machine.
  if (call.routine->function == nullptr) routine_faulted(kAccessViolation);
  try {
    body();
  } catch (const BugCheck&) {
    throw;  // the machine already stopped inside the routine's own kernel call
  } catch (const sched::Aborted&) {
    throw;  // a controlled scheduler abandons the schedule: not the routine's fault
  } catch (...) {
    routine_faulted(kCxxException);
  }
}

Status Executive::PspRunCreateProcessNotifyRoutines(Process& process, bool create) {
  Status veto = STATUS_SUCCESS;
  if (process_notify_.count() == 0) return veto;  // the counter is only the fast "any?" test
  NotifyCall call(NotifyKind::Process, &process_notify_, create, process.pid(),
                  process.InheritedFromUniqueProcessId, ThreadId{}, current_thread().Cid(),
                  &process, ++t_host_context.walks);
  const std::uint64_t args[3] = {call.parent.value(), call.pid.value(), create ? 1U : 0U};
  process_notify_.for_each(
      [&](std::uint32_t slot, PCREATE_PROCESS_NOTIFY_ROUTINE routine, void* context) {
        call.slot = slot;
        call.routine = &slot_routine(routine_address(routine), context);
        if (!call.routine->ex.load(std::memory_order_relaxed)) {
          call_notify_routine(call, args, [&] { routine(call.parent, call.pid, create); });
          return;
        }
        // An Ex routine: the process, its PID, and the creation info (NULL on exit).
        PS_CREATE_NOTIFY_INFO info;
        info.ParentProcessId = call.parent;
        info.CreatingThreadId = call.context;
        info.ImageFileName = process.ImagePath.c_str();
        info.CommandLine = process.CommandLine.c_str();
        info.FileOpenNameAvailable = true;
        const auto ex_routine = routine_cast<PCREATE_PROCESS_NOTIFY_ROUTINE_EX>(routine);
        call_notify_routine(call, args,
                            [&] { ex_routine(&process, call.pid, create ? &info : nullptr); });
        if (create && !info.CreationStatus.ok() && veto.ok()) veto = info.CreationStatus;
      });
  return veto;
}

void Executive::PspRunCreateThreadNotifyRoutines(Thread& thread, ProcessId pid, bool create) {
  if (thread_notify_.count() == 0) return;
  NotifyCall call(NotifyKind::Thread, &thread_notify_, create, pid, ProcessId{}, thread.tid(),
                  current_thread().Cid(), &thread, ++t_host_context.walks);
  const std::uint64_t args[3] = {pid.value(), call.tid.value(), create ? 1U : 0U};
  thread_notify_.for_each(
      [&](std::uint32_t slot, PCREATE_THREAD_NOTIFY_ROUTINE routine, void* context) {
        call.slot = slot;
        call.routine = &slot_routine(routine_address(routine), context);
        if (!call.routine->non_system.load(std::memory_order_relaxed)) {
          call_notify_routine(call, args, [&] { routine(pid, call.tid, create); });
          return;
        }
        // PsCreateThreadNotifyNonSystem (Windows 10, MSDOC): not told of system threads; told
        // of a creation on the new thread itself (an exit runs on the exiting thread anyway).
        if (thread.is_system()) return;
        Executive::ContextScope on_new_thread(*this, create ? thread : current_thread());
        NotifyCall on_thread = call;
        on_thread.context = current_thread().Cid();
        call_notify_routine(on_thread, args, [&] { routine(pid, call.tid, create); });
      });
}

void Executive::PsCallImageNotifyRoutines(const std::string& name, ProcessId pid,
                                          const IMAGE_INFO& info, const Process* process) {
  if (image_notify_.count() == 0) return;
  dbg::FrameScope frame("nt", "PsCallImageNotifyRoutines");
  NotifyCall call(NotifyKind::Image, &image_notify_, true, pid, ProcessId{}, ThreadId{},
                  current_thread().Cid(), process, ++t_host_context.walks);
  call.image_name = &name;
  call.image = &info;
  const std::uint64_t args[3] = {0, pid.value(), info.ImageBase};
  image_notify_.for_each([&](std::uint32_t slot, PLOAD_IMAGE_NOTIFY_ROUTINE routine,
                             void* context) {
    call.slot = slot;
    call.routine = &slot_routine(routine_address(routine), context);
    IMAGE_INFO copy = info;  // each routine gets its own; what one writes, the next does not see
    call_notify_routine(call, args, [&] { routine(&name, pid, &copy); });
  });
}

}  // namespace ntemu::ps
