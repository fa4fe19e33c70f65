// SPDX-License-Identifier: MIT
// The I/O manager's IRPs (ntemu/wdk/io.h): building an IRP for a client's request, its dispatch
// to the driver's MajorFunction routine in the client's thread, its completion
// (IoCompleteRequest, with what buffered I/O copies back), the requestor's identity and the
// cancel spin lock. Every IRP record belongs to its harness and outlives its completion until
// the harness goes, so a driver's stale IRP pointer passed back in is a finding
// (`bad-object-pointer`, or for a second completion `irp-completion-error`), never host
// undefined behaviour.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "io.hpp"
#include "irql.hpp"

using ntemu::verify::FindingKind;
using ntemu::wdk::non_null;
using State = ntemu::Harness::State;

namespace ntemu::wdk {
namespace {

// Every IRP the harnesses sent, by address, until its harness goes (lookup only).
std::mutex g_requests_lock;
std::map<const IRP*, State::Request*>& all_requests() {
  static std::map<const IRP*, State::Request*> map;
  return map;
}

// At completion: what the I/O manager copies back to the caller (buffered I/O: Information
// bytes of SystemBuffer), with Information checked against the caller's buffer.
void finish(State::Request& r) {
  const std::size_t out = r.output.size();
  std::size_t info = r.information;
  if (info > out && (r.buffered_output || !r.output.empty()) && !::NT_ERROR(r.status)) {
    report(FindingKind::IrpCompletionError,
           fmt::format("an IRP was completed with Information {} for a {}-byte output buffer "
                       "(the I/O manager would copy past the caller's buffer); {} bytes copied",
                       info, out, out));
    info = out;
    r.information = out;
  }
  if (r.buffered_output && !::NT_ERROR(r.status)) {
    std::copy_n(r.system_buffer.begin(), std::min(info, r.system_buffer.size()), r.output.begin());
  }
}

}  // namespace

void forget_requests(State& state) {
  std::lock_guard hold(g_requests_lock);
  auto& map = all_requests();
  for (auto it = map.begin(); it != map.end();) {
    it = it->second->state == &state ? map.erase(it) : std::next(it);
  }
}

State::Request& new_request(State& s, State::File& file, UCHAR major) {
  auto r = std::make_unique<State::Request>();
  r->state = &s;
  const std::size_t bytes = sizeof(IRP) + sizeof(IO_STACK_LOCATION);
  r->memory.resize((bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
  IRP* irp = r->irp();
  *irp = IRP{};
  auto* stack = reinterpret_cast<IO_STACK_LOCATION*>(irp + 1);
  *stack = IO_STACK_LOCATION{};
  irp->Type = IO_TYPE_IRP;
  irp->Size = static_cast<USHORT>(bytes);
  irp->StackCount = 1;
  irp->CurrentLocation = 1;
  irp->RequestorMode = UserMode;
  irp->IoStatus.Status = ::STATUS_SUCCESS;
  InitializeListHead(&irp->ThreadListEntry);
  irp->Tail.Overlay.CurrentStackLocation = stack;
  irp->Tail.Overlay.Thread = file.thread != nullptr ? to_pethread(*file.thread) : nullptr;
  irp->Tail.Overlay.OriginalFileObject = &file.object;
  stack->MajorFunction = major;
  stack->DeviceObject = file.device->object();
  stack->FileObject = &file.object;
  State::Request& ref = *r;
  {
    std::lock_guard hold(s.m);
    r->id = s.next_request++;
    s.finished.push_back(std::move(r));
  }
  std::lock_guard hold(g_requests_lock);
  all_requests()[ref.irp()] = &ref;
  return ref;
}

NTSTATUS dispatch(State& s, State::File& file, State::Request& r) {
  DEVICE_OBJECT* device = file.device->object();
  const UCHAR major = r.stack()->MajorFunction;
  PDRIVER_DISPATCH routine = s.driver.MajorFunction[major];
  if (routine == nullptr) routine = &IoInvalidDeviceRequest;
  NTSTATUS status = ::STATUS_SUCCESS;
  {
    Kernel::ContextScope scope(
        s.kernel, file.thread != nullptr ? *file.thread : s.kernel.first_system_thread());
    const KPROCESSOR_MODE mode = previous_mode();
    set_previous_mode(UserMode);
    const KIRQL entry = current_irql();
    status = routine(device, r.irp());
    check_irql_restored(entry, &s.kernel, reinterpret_cast<const void*>(routine));
    set_previous_mode(mode);
  }
  bool completed = false;
  {
    std::lock_guard hold(g_requests_lock);
    r.returned = true;
    completed = r.completed;
  }
  if (completed) return status;
  if (status == ::STATUS_PENDING) {
    if ((r.stack()->Control & SL_PENDING_RETURNED) == 0) {
      s.report({FindingKind::IrpCompletionError,
                fmt::format("the IRP_MJ {:#x} dispatch routine returned STATUS_PENDING without "
                            "IoMarkIrpPending (the I/O manager would never finish the request)",
                            major),
                0, 0, s.current_step()});
    }
    return status;
  }
  s.report({FindingKind::IrpNotCompleted,
            fmt::format("the IRP_MJ {:#x} dispatch routine returned {:#x} without completing the "
                        "IRP or marking it pending: the caller would wait forever",
                        major, static_cast<std::uint32_t>(status)),
            0, 0, s.current_step()});
  {
    std::lock_guard hold(g_requests_lock);
    r.completed = true;  // the harness gives up on it; a later completion is reported
    r.status = status;
  }
  return status;
}

}  // namespace ntemu::wdk

namespace wdk = ntemu::wdk;

NTSTATUS IoInvalidDeviceRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  static_cast<void>(DeviceObject);
  if (Irp == nullptr) return ::STATUS_INVALID_DEVICE_REQUEST;
  Irp->IoStatus.Status = ::STATUS_INVALID_DEVICE_REQUEST;
  Irp->IoStatus.Information = 0;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return ::STATUS_INVALID_DEVICE_REQUEST;
}

VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost) {
  static_cast<void>(PriorityBoost);
  if (!non_null(Irp, "IoCompleteRequest", "IRP")) return;
  wdk::irql_too_high(DISPATCH_LEVEL, "IoCompleteRequest");
  std::lock_guard hold(wdk::g_requests_lock);
  auto it = wdk::all_requests().find(Irp);
  if (it == wdk::all_requests().end()) {
    wdk::report(FindingKind::BadObjectPointer,
                fmt::format("IoCompleteRequest was given {:#x}, which is no IRP the I/O manager "
                            "sent",
                            wdk::address_of(Irp)));
    return;
  }
  State::Request& r = *it->second;
  if (r.completed) {
    wdk::report(FindingKind::IrpCompletionError,
                "IoCompleteRequest on an IRP already completed (MULTIPLE_IRP_COMPLETE_REQUESTS, "
                "bugcheck 0x44, on the machine); nothing changed");
    return;
  }
  r.completed = true;
  r.status = Irp->IoStatus.Status;
  r.information = Irp->IoStatus.Information;
  if (r.returned) Irp->PendingReturned = TRUE;
  wdk::finish(r);
}

VOID IoCompleteRequest(PIRP Irp, CCHAR PriorityBoost) {
  IofCompleteRequest(Irp, PriorityBoost);
}

ULONG IoGetRequestorProcessId(PIRP Irp) {
  if (!non_null(Irp, "IoGetRequestorProcessId", "IRP")) return 0;
  return HandleToULong(PsGetThreadProcessId(Irp->Tail.Overlay.Thread));
}

PEPROCESS IoGetRequestorProcess(PIRP Irp) {
  if (!non_null(Irp, "IoGetRequestorProcess", "IRP")) return nullptr;
  return Irp->Tail.Overlay.Thread == nullptr ? nullptr
                                             : PsGetThreadProcess(Irp->Tail.Overlay.Thread);
}

BOOLEAN IoIsOperationSynchronous(PIRP Irp) {
  static_cast<void>(Irp);
  return TRUE;
}

namespace {
KSPIN_LOCK g_cancel_lock = 0;
}

VOID IoAcquireCancelSpinLock(PKIRQL Irql) {
  KeAcquireSpinLock(&g_cancel_lock, Irql);
}

VOID IoReleaseCancelSpinLock(KIRQL Irql) {
  KeReleaseSpinLock(&g_cancel_lock, Irql);
}
