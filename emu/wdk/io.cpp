// SPDX-License-Identifier: MIT
// The I/O manager (ntemu/wdk/io.h): device objects with their extensions, the symbolic-link
// table, IRPs and their completion, MDLs over caller buffers, and the dispatch of an IRP to a
// driver's MajorFunction routine in the client's thread. Every device and IRP record belongs
// to its harness and outlives its deletion or completion until the harness goes, so a driver's
// stale pointer passed back in is a finding (`bad-object-pointer`, or for a second completion
// `irp-completion-error`), never host undefined behaviour.
#include "io.hpp"

#include <algorithm>
#include <cstring>
#include <cwctype>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "convert.hpp"
#include "dbgprint.hpp"
#include "guard.hpp"
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

std::wstring text_of(PCUNICODE_STRING s) {
  if (s == nullptr || s->Buffer == nullptr) return {};
  return std::wstring(s->Buffer, s->Length / sizeof(WCHAR));
}

bool starts_with_folded(const std::wstring& s, std::wstring_view prefix) {
  return s.size() >= prefix.size() &&
         upcase(std::wstring_view(s).substr(0, prefix.size())) == upcase(prefix);
}

// \??\X, \DosDevices\X and \GLOBAL??\X are one name: the key \??\X, upper-cased.
std::optional<std::wstring> link_key(const std::wstring& name) {
  for (std::wstring_view prefix :
       {std::wstring_view(L"\\??\\"), std::wstring_view(L"\\DosDevices\\"),
        std::wstring_view(L"\\GLOBAL??\\")}) {
    if (starts_with_folded(name, prefix)) return upcase(L"\\??\\" + name.substr(prefix.size()));
  }
  return std::nullopt;
}

State::Device* live_device(State& s, const void* object) {
  for (auto& d : s.devices) {
    if (!d->deleted && d->object() == object) return d.get();
  }
  return nullptr;
}

NTSTATUS create_device(PDRIVER_OBJECT driver, ULONG extension_size, PUNICODE_STRING name,
                       DEVICE_TYPE type, ULONG characteristics, BOOLEAN exclusive,
                       PDEVICE_OBJECT* out, const char* function) {
  if (out != nullptr) *out = nullptr;
  const Current c = current();
  if (c.kernel == nullptr || c.state == nullptr) return ::STATUS_INVALID_DEVICE_STATE;
  if (out == nullptr || driver == nullptr) return ::STATUS_INVALID_PARAMETER;
  irql_too_high(PASSIVE_LEVEL, function);
  State& s = *c.state;
  if (driver != &s.driver) {
    report(FindingKind::BadObjectPointer,
           fmt::format("{} was given {:#x}, which is not the loaded driver's DRIVER_OBJECT",
                       function, address_of(driver)));
    return ::STATUS_INVALID_PARAMETER;
  }
  const std::wstring device_name = text_of(name);
  std::lock_guard hold(s.m);
  if (!device_name.empty()) {
    for (const auto& d : s.devices) {
      if (!d->deleted && upcase(d->name) == upcase(device_name))
        return ::STATUS_OBJECT_NAME_COLLISION;
    }
  }
  auto record = std::make_unique<State::Device>();
  constexpr std::size_t kHeader = (sizeof(DEVICE_OBJECT) + alignof(std::max_align_t) - 1) /
                                  alignof(std::max_align_t) * alignof(std::max_align_t);
  record->memory.resize(
      (kHeader + extension_size + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t) + 1);
  record->name = device_name;
  DEVICE_OBJECT* d = record->object();
  *d = DEVICE_OBJECT{};
  d->Type = IO_TYPE_DEVICE;
  d->Size = static_cast<USHORT>(sizeof(DEVICE_OBJECT) + std::min<ULONG>(extension_size, 0xFFFF));
  d->DriverObject = driver;
  d->NextDevice = driver->DeviceObject;
  d->Flags = DO_DEVICE_INITIALIZING | (exclusive != FALSE ? DO_EXCLUSIVE : 0U) |
             (device_name.empty() ? 0U : DO_DEVICE_HAS_NAME);
  d->Characteristics = characteristics;
  d->DeviceType = type;
  d->StackSize = 1;
  d->DeviceExtension = extension_size == 0
                           ? nullptr
                           : reinterpret_cast<unsigned char*>(record->memory.data()) + kHeader;
  KeInitializeEvent(&d->DeviceLock, SynchronizationEvent, TRUE);
  driver->DeviceObject = d;
  *out = d;
  s.opaque.emplace(address_of(d), "device object");  // ObReferenceObject works on it
  s.devices.push_back(std::move(record));
  return ::STATUS_SUCCESS;
}

void finish(State::Request& r);

}  // namespace

void* mdl_address(const MDL& mdl) {
  return reinterpret_cast<void*>(reinterpret_cast<ULONG_PTR>(mdl.StartVa) + mdl.ByteOffset);
}

void init_mdl(MDL& mdl, void* va, std::size_t length) {
  mdl = MDL{};
  mdl.Size = static_cast<CSHORT>(sizeof(MDL));
  mdl.MdlFlags = MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA;
  const auto address = reinterpret_cast<ULONG_PTR>(va);
  mdl.StartVa = reinterpret_cast<PVOID>(address & ~static_cast<ULONG_PTR>(PAGE_SIZE - 1));
  mdl.ByteOffset = static_cast<ULONG>(address & (PAGE_SIZE - 1));
  mdl.ByteCount = static_cast<ULONG>(length);
  mdl.MappedSystemVa = va;
}

std::wstring upcase(std::wstring_view s) {
  std::wstring out(s);
  for (wchar_t& c : out)
    c = static_cast<wchar_t>(std::towupper(static_cast<std::wint_t>(c)));
  return out;
}

void forget_requests(State& state) {
  std::lock_guard hold(g_requests_lock);
  auto& map = all_requests();
  for (auto it = map.begin(); it != map.end();) {
    it = it->second->state == &state ? map.erase(it) : std::next(it);
  }
}

State::Device* resolve_device(State& s, const std::wstring& given, std::wstring* rest) {
  std::wstring name = given;
  if (name.rfind(L"\\\\.\\", 0) == 0) name = L"\\??\\" + name.substr(4);
  std::wstring device_name;
  std::wstring tail;
  if (auto key = link_key(name)) {
    // The link is the name up to the next backslash after its prefix.
    const std::size_t cut = key->find(L'\\', 4);
    const std::wstring link = cut == std::wstring::npos ? *key : key->substr(0, cut);
    const std::size_t given_cut = name.size() - (key->size() - link.size());
    tail = name.substr(given_cut);
    std::lock_guard hold(s.m);
    auto it = s.links.find(link);
    if (it == s.links.end()) return nullptr;
    device_name = it->second;
  } else {
    device_name = name;
  }
  std::lock_guard hold(s.m);
  State::Device* best = nullptr;
  for (auto& d : s.devices) {
    if (d->deleted || d->name.empty()) continue;
    const std::wstring n = upcase(d->name);
    const std::wstring want = upcase(device_name);
    if (want == n || (want.size() > n.size() && want.rfind(n, 0) == 0 && want[n.size()] == L'\\')) {
      best = d.get();
      if (rest != nullptr) *rest = device_name.substr(n.size()) + tail;
    }
  }
  return best;
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

namespace {

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
}  // namespace ntemu::wdk

namespace wdk = ntemu::wdk;

NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                        PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                        ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT* DeviceObject) {
  return wdk::create_device(DriverObject, DeviceExtensionSize, DeviceName, DeviceType,
                            DeviceCharacteristics, Exclusive, DeviceObject, "IoCreateDevice");
}

NTSTATUS IoCreateDeviceSecure(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                              PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                              ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                              PCUNICODE_STRING DefaultSDDLString, LPCGUID DeviceClassGuid,
                              PDEVICE_OBJECT* DeviceObject) {
  static_cast<void>(DeviceClassGuid);
  if (DefaultSDDLString == nullptr) {
    if (DeviceObject != nullptr) *DeviceObject = nullptr;
    return ::STATUS_INVALID_PARAMETER;
  }
  return wdk::create_device(DriverObject, DeviceExtensionSize, DeviceName, DeviceType,
                            DeviceCharacteristics, Exclusive, DeviceObject, "IoCreateDeviceSecure");
}

VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject) {
  const wdk::Current c = wdk::current();
  if (c.state == nullptr || !non_null(DeviceObject, "IoDeleteDevice", "device object")) return;
  State& s = *c.state;
  std::lock_guard hold(s.m);
  State::Device* d = wdk::live_device(s, DeviceObject);
  if (d == nullptr) {
    wdk::report(FindingKind::BadObjectPointer,
                fmt::format("IoDeleteDevice was given {:#x}, which is no live device object "
                            "(deleted twice?)",
                            wdk::address_of(DeviceObject)));
    return;
  }
  for (PDEVICE_OBJECT* link = &s.driver.DeviceObject; *link != nullptr;
       link = &(*link)->NextDevice) {
    if (*link == DeviceObject) {
      *link = DeviceObject->NextDevice;
      break;
    }
  }
  d->deleted = true;
}

namespace {
NTSTATUS create_link(PUNICODE_STRING link, PUNICODE_STRING device, const char* function) {
  const wdk::Current c = wdk::current();
  if (c.state == nullptr) return ::STATUS_INVALID_DEVICE_STATE;
  if (!non_null(link, function, "link name") || !non_null(device, function, "device name"))
    return ::STATUS_INVALID_PARAMETER;
  wdk::irql_too_high(PASSIVE_LEVEL, function);
  const auto key = wdk::link_key(wdk::text_of(link));
  if (!key) return ::STATUS_OBJECT_PATH_SYNTAX_BAD;
  std::lock_guard hold(c.state->m);
  if (c.state->links.count(*key) != 0) return ::STATUS_OBJECT_NAME_COLLISION;
  c.state->links[*key] = wdk::text_of(device);
  return ::STATUS_SUCCESS;
}
}  // namespace

NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName) {
  return create_link(SymbolicLinkName, DeviceName, "IoCreateSymbolicLink");
}

NTSTATUS IoCreateUnprotectedSymbolicLink(PUNICODE_STRING SymbolicLinkName,
                                         PUNICODE_STRING DeviceName) {
  return create_link(SymbolicLinkName, DeviceName, "IoCreateUnprotectedSymbolicLink");
}

NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName) {
  const wdk::Current c = wdk::current();
  if (c.state == nullptr) return ::STATUS_INVALID_DEVICE_STATE;
  if (!non_null(SymbolicLinkName, "IoDeleteSymbolicLink", "link name"))
    return ::STATUS_INVALID_PARAMETER;
  const auto key = wdk::link_key(wdk::text_of(SymbolicLinkName));
  std::lock_guard hold(c.state->m);
  if (!key || c.state->links.erase(*key) == 0) return ::STATUS_OBJECT_NAME_NOT_FOUND;
  return ::STATUS_SUCCESS;
}

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

VOID ProbeForRead(volatile VOID* Address, SIZE_T Length, ULONG Alignment) {
  static_cast<void>(Address);
  static_cast<void>(Length);
  static_cast<void>(Alignment);
}

VOID ProbeForWrite(volatile VOID* Address, SIZE_T Length, ULONG Alignment) {
  static_cast<void>(Address);
  static_cast<void>(Length);
  static_cast<void>(Alignment);
}

// --- MDLs ----------------------------------------------------------------------------------------
PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                   PIRP Irp) {
  static_cast<void>(SecondaryBuffer);
  static_cast<void>(ChargeQuota);
  static_cast<void>(Irp);
  auto* mdl = static_cast<PMDL>(ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(MDL), 0x206C644DU));
  if (mdl == nullptr) return nullptr;  // 'Mdl '
  wdk::init_mdl(*mdl, VirtualAddress, Length);
  mdl->MdlFlags = 0;
  mdl->MappedSystemVa = nullptr;
  return mdl;
}

VOID IoFreeMdl(PMDL Mdl) {
  if (Mdl != nullptr) ExFreePoolWithTag(Mdl, 0x206C644DU);
}

VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                         LOCK_OPERATION Operation) {
  static_cast<void>(AccessMode);
  static_cast<void>(Operation);
  if (!non_null(MemoryDescriptorList, "MmProbeAndLockPages", "MDL")) return;
  MemoryDescriptorList->MdlFlags |= MDL_PAGES_LOCKED;
}

VOID MmUnlockPages(PMDL MemoryDescriptorList) {
  if (!non_null(MemoryDescriptorList, "MmUnlockPages", "MDL")) return;
  MemoryDescriptorList->MdlFlags = static_cast<CSHORT>(
      MemoryDescriptorList->MdlFlags & ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA));
}

VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList) {
  if (!non_null(MemoryDescriptorList, "MmBuildMdlForNonPagedPool", "MDL")) return;
  MemoryDescriptorList->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
  MemoryDescriptorList->MappedSystemVa = wdk::mdl_address(*MemoryDescriptorList);
}

PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority) {
  static_cast<void>(AccessMode);
  static_cast<void>(CacheType);
  static_cast<void>(RequestedAddress);
  static_cast<void>(BugCheckOnFailure);
  static_cast<void>(Priority);
  if (!non_null(MemoryDescriptorList, "MmMapLockedPagesSpecifyCache", "MDL")) return nullptr;
  PVOID va = wdk::mdl_address(*MemoryDescriptorList);
  MemoryDescriptorList->MappedSystemVa = va;
  MemoryDescriptorList->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
  return va;
}

PVOID MmMapLockedPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode) {
  return MmMapLockedPagesSpecifyCache(MemoryDescriptorList, AccessMode, MmCached, nullptr, 0,
                                      NormalPagePriority);
}

VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList) {
  static_cast<void>(BaseAddress);
  if (!non_null(MemoryDescriptorList, "MmUnmapLockedPages", "MDL")) return;
  MemoryDescriptorList->MdlFlags =
      static_cast<CSHORT>(MemoryDescriptorList->MdlFlags & ~MDL_MAPPED_TO_SYSTEM_VA);
}

PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority) {
  static_cast<void>(Priority);
  if (Mdl == nullptr) return nullptr;
  if ((Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) != 0 && Mdl->MappedSystemVa != nullptr)
    return Mdl->MappedSystemVa;
  return MmMapLockedPagesSpecifyCache(Mdl, KernelMode, MmCached, nullptr, 0, Priority);
}

BOOLEAN MmIsAddressValid(PVOID VirtualAddress) {
  return VirtualAddress != nullptr ? TRUE : FALSE;
}

// wdmsec.h's descriptors: their SDDL text (not enforced).
#define NTEMU_SDDL(name, text) const UNICODE_STRING name = RTL_CONSTANT_STRING(text);
NTEMU_SDDL(SDDL_DEVOBJ_KERNEL_ONLY, L"D:P")
NTEMU_SDDL(SDDL_DEVOBJ_SYS_ALL, L"D:P(A;;GA;;;SY)")
NTEMU_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_ALL, L"D:P(A;;GA;;;SY)(A;;GA;;;BA)")
NTEMU_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RX, L"D:P(A;;GA;;;SY)(A;;GRGX;;;BA)")
NTEMU_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R, L"D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)")
NTEMU_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R,
           L"D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)")
NTEMU_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX,
           L"D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGWGX;;;WD)(A;;GRGWGX;;;RC)")
#undef NTEMU_SDDL
