// SPDX-License-Identifier: MIT
// The I/O manager's devices and names (ntemu/wdk/io.h): device objects with their extensions
// (IoCreateDevice, IoDeleteDevice), the symbolic-link table (\??\, \DosDevices\, \GLOBAL??\)
// and the resolution of a client's name to a device, and wdmsec.h's SDDL strings. Every device
// record belongs to its harness and outlives its deletion until the harness goes, so a driver's
// stale device pointer passed back in is a `bad-object-pointer` finding, never host undefined
// behaviour. IRPs are in irp.cpp, MDLs in mdl.cpp.
#include <algorithm>
#include <cwctype>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

}  // namespace

std::wstring upcase(std::wstring_view s) {
  std::wstring out(s);
  for (wchar_t& c : out)
    c = static_cast<wchar_t>(std::towupper(static_cast<std::wint_t>(c)));
  return out;
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
