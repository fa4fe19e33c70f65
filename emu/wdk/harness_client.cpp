// SPDX-License-Identifier: MIT
// The driver-test harness as the driver's user-mode client (ntemu/harness.hpp): CreateFile on a
// device or its link, DeviceIoControl / ReadFile / WriteFile with the I/O manager's buffer
// handling for each method, CloseHandle, and the end of requests the driver pended. The IRPs
// themselves are built and dispatched by the I/O manager (irp.cpp).
#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "convert.hpp"
#include "dbgprint.hpp"
#include "io.hpp"
#include "ntemu/harness.hpp"
#include "state.hpp"

namespace ntemu {

// --- the driver's user-mode client -------------------------------------------------------------

namespace {

using File = Harness::State::File;
using Request = Harness::State::Request;

File* open_file(Harness::State& s, Harness::DeviceHandle h) {
  std::lock_guard hold(s.m);
  for (auto& f : s.files) {
    if (f->open && f->handle == h.value) return f.get();
  }
  return nullptr;
}

// Whether the driver's code may run for `file` (its device live, its driver loaded).
NTSTATUS usable(Harness::State& s, File& file) {
  if (s.code_unloaded.load(std::memory_order_acquire)) {
    s.report({verify::FindingKind::CallIntoUnloadedDriver,
              "a request was sent to a device of an unloaded driver (the real kernel would run "
              "unmapped code); it was refused",
              0, 0, s.current_step()});
    return ::STATUS_NO_SUCH_DEVICE;
  }
  std::lock_guard hold(s.m);
  return file.device->deleted ? ::STATUS_DELETE_PENDING : ::STATUS_SUCCESS;
}

// The end of a request whose dispatch routine returned `status`.
Harness::IoResult result_of(Request& r, NTSTATUS status, std::span<std::byte> out) {
  Harness::IoResult result;
  if (!r.completed) {
    result.status = status;
    result.request = status == ::STATUS_PENDING ? r.id : 0;
    return result;
  }
  result.status = status == ::STATUS_PENDING ? r.status : r.status;
  result.information = r.information;
  const std::size_t n = std::min(out.size(), r.output.size());
  if (n > 0) std::memcpy(out.data(), r.output.data(), n);
  return result;
}

}  // namespace

Harness::Opened Harness::open_device(std::string_view name, ACCESS_MASK desired_access,
                                     ps::Thread* thread) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  Opened opened;
  {
    std::lock_guard hold(s.m);
    if (!s.loaded && s.devices.empty()) return opened;  // no driver was ever loaded
  }
  std::wstring rest;
  State::Device* device = wdk::resolve_device(s, wdk::widen(name), &rest);
  if (device == nullptr) {
    opened.status = ::STATUS_OBJECT_NAME_NOT_FOUND;
    return opened;
  }
  if (s.code_unloaded.load(std::memory_order_acquire)) {
    s.report({verify::FindingKind::CallIntoUnloadedDriver,
              "a device of an unloaded driver was opened (the real kernel would run unmapped "
              "code); the open was refused",
              0, 0, s.current_step()});
    opened.status = ::STATUS_NO_SUCH_DEVICE;
    return opened;
  }
  if ((device->object()->Flags & DO_DEVICE_INITIALIZING) != 0) {
    opened.status = ::STATUS_NO_SUCH_DEVICE;
    return opened;
  }
  if ((device->object()->Flags & DO_EXCLUSIVE) != 0 && device->object()->ReferenceCount > 0) {
    opened.status = ::STATUS_ACCESS_DENIED;
    return opened;
  }
  if (thread == nullptr) {
    if (s.client_thread == nullptr) {
      const Started client = start_process("client.exe");
      if (!client.status.ok() || client.thread == nullptr) {
        opened.status = wdk::to_ntstatus(client.status);
        return opened;
      }
      s.client_thread = client.thread;
    }
    thread = s.client_thread;
  }
  auto file = std::make_unique<File>();
  file->device = device;
  file->thread = thread;
  file->file_name = rest;
  file->object.Type = IO_TYPE_FILE;
  file->object.Size = static_cast<CSHORT>(sizeof(FILE_OBJECT));
  file->object.DeviceObject = device->object();
  file->object.FileName.Buffer = file->file_name.empty() ? nullptr : file->file_name.data();
  file->object.FileName.Length = static_cast<USHORT>(file->file_name.size() * sizeof(WCHAR));
  file->object.FileName.MaximumLength = file->object.FileName.Length;
  file->object.ReadAccess = (desired_access & (GENERIC_READ | FILE_READ_DATA)) != 0 ? TRUE : FALSE;
  file->object.WriteAccess =
      (desired_access & (GENERIC_WRITE | FILE_WRITE_DATA)) != 0 ? TRUE : FALSE;
  file->security.DesiredAccess = desired_access;
  File& f = *file;
  {
    std::lock_guard hold(s.m);
    s.files.push_back(std::move(file));
  }
  if (const NTSTATUS st = usable(s, f); !::NT_SUCCESS(st)) {
    opened.status = st;
    return opened;
  }
  Request& r = wdk::new_request(s, f, IRP_MJ_CREATE);
  r.stack()->Parameters.Create.SecurityContext = &f.security;
  r.stack()->Parameters.Create.Options = static_cast<ULONG>(FILE_OPEN) << 24;
  r.stack()->Parameters.Create.ShareAccess = FILE_SHARE_READ | FILE_SHARE_WRITE;
  const NTSTATUS st = wdk::dispatch(s, f, r);
  const IoResult result = result_of(r, st, {});
  opened.status = result.status;
  if (!::NT_SUCCESS(result.status) || result.status == ::STATUS_PENDING) return opened;
  std::lock_guard hold(s.m);
  f.open = true;
  f.handle = s.next_file_handle;
  s.next_file_handle += 4;
  ++device->object()->ReferenceCount;
  opened.handle = DeviceHandle{f.handle};
  return opened;
}

Harness::IoResult Harness::device_io_control(DeviceHandle handle, ULONG code,
                                             std::span<const std::byte> in,
                                             std::span<std::byte> out) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  File* f = open_file(s, handle);
  if (f == nullptr) return {};
  if (const NTSTATUS st = usable(s, *f); !::NT_SUCCESS(st)) return {st, 0, 0};
  Request& r = wdk::new_request(s, *f, IRP_MJ_DEVICE_CONTROL);
  auto& p = r.stack()->Parameters.DeviceIoControl;
  p.IoControlCode = code;
  p.InputBufferLength = static_cast<ULONG>(in.size());
  p.OutputBufferLength = static_cast<ULONG>(out.size());
  const auto* in_bytes = reinterpret_cast<const unsigned char*>(in.data());
  r.input.assign(in_bytes, in_bytes + in.size());
  r.output.assign(reinterpret_cast<const unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(out.data()) + out.size());
  switch (code & 3U) {
    case METHOD_BUFFERED:
      r.system_buffer.assign(std::max(in.size(), out.size()), 0);
      std::copy(r.input.begin(), r.input.end(), r.system_buffer.begin());
      r.irp()->AssociatedIrp.SystemBuffer =
          r.system_buffer.empty() ? nullptr : r.system_buffer.data();
      r.buffered_output = true;
      break;
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT:
      r.system_buffer = r.input;
      r.irp()->AssociatedIrp.SystemBuffer =
          r.system_buffer.empty() ? nullptr : r.system_buffer.data();
      if (!r.output.empty()) {
        wdk::init_mdl(r.mdl, r.output.data(), r.output.size());
        r.irp()->MdlAddress = &r.mdl;
      }
      break;
    default:  // METHOD_NEITHER: the caller's own buffers
      p.Type3InputBuffer = r.input.empty() ? nullptr : r.input.data();
      r.irp()->UserBuffer = r.output.empty() ? nullptr : r.output.data();
      break;
  }
  const NTSTATUS st = wdk::dispatch(s, *f, r);
  return result_of(r, st, out);
}

namespace {
// IRP_MJ_READ / WRITE's buffers, by the device's flags.
void place_transfer(Harness::State::Request& r, const DEVICE_OBJECT* device,
                    std::vector<unsigned char>& caller, bool read) {
  if ((device->Flags & DO_BUFFERED_IO) != 0) {
    r.system_buffer = read ? std::vector<unsigned char>(caller.size(), 0) : caller;
    r.irp()->AssociatedIrp.SystemBuffer =
        r.system_buffer.empty() ? nullptr : r.system_buffer.data();
    r.buffered_output = read;
  } else if ((device->Flags & DO_DIRECT_IO) != 0) {
    if (!caller.empty()) {
      wdk::init_mdl(r.mdl, caller.data(), caller.size());
      r.irp()->MdlAddress = &r.mdl;
    }
  } else {
    r.irp()->UserBuffer = caller.empty() ? nullptr : caller.data();
  }
}
}  // namespace

Harness::IoResult Harness::read(DeviceHandle handle, std::span<std::byte> out,
                                std::uint64_t offset) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  File* f = open_file(s, handle);
  if (f == nullptr) return {};
  if (const NTSTATUS st = usable(s, *f); !::NT_SUCCESS(st)) return {st, 0, 0};
  Request& r = wdk::new_request(s, *f, IRP_MJ_READ);
  r.stack()->Parameters.Read.Length = static_cast<ULONG>(out.size());
  r.stack()->Parameters.Read.ByteOffset.QuadPart = static_cast<LONGLONG>(offset);
  r.output.assign(reinterpret_cast<const unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(out.data()) + out.size());
  place_transfer(r, f->device->object(), r.output, /*read=*/true);
  const NTSTATUS st = wdk::dispatch(s, *f, r);
  return result_of(r, st, out);
}

Harness::IoResult Harness::write(DeviceHandle handle, std::span<const std::byte> in,
                                 std::uint64_t offset) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  File* f = open_file(s, handle);
  if (f == nullptr) return {};
  if (const NTSTATUS st = usable(s, *f); !::NT_SUCCESS(st)) return {st, 0, 0};
  Request& r = wdk::new_request(s, *f, IRP_MJ_WRITE);
  r.stack()->Parameters.Write.Length = static_cast<ULONG>(in.size());
  r.stack()->Parameters.Write.ByteOffset.QuadPart = static_cast<LONGLONG>(offset);
  const auto* bytes = reinterpret_cast<const unsigned char*>(in.data());
  r.input.assign(bytes, bytes + in.size());
  place_transfer(r, f->device->object(), r.input, /*read=*/false);
  const NTSTATUS st = wdk::dispatch(s, *f, r);
  return result_of(r, st, {});
}

NTSTATUS Harness::close(DeviceHandle handle) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  File* f = open_file(s, handle);
  if (f == nullptr) return ::STATUS_INVALID_HANDLE;
  {
    std::lock_guard hold(s.m);
    f->open = false;
    --f->device->object()->ReferenceCount;
  }
  if (!::NT_SUCCESS(usable(s, *f))) return ::STATUS_SUCCESS;  // the handle is closed all the same
  for (const UCHAR major : {static_cast<UCHAR>(IRP_MJ_CLEANUP), static_cast<UCHAR>(IRP_MJ_CLOSE)}) {
    Request& r = wdk::new_request(s, *f, major);
    static_cast<void>(wdk::dispatch(s, *f, r));
  }
  return ::STATUS_SUCCESS;
}

std::optional<Harness::Completion> Harness::completion(std::uint64_t request) const {
  std::lock_guard hold(state_->m);
  for (const auto& r : state_->finished) {
    if (r->id != request) continue;
    if (!r->completed) return std::nullopt;
    Completion c;
    c.status = r->status;
    c.information = r->information;
    for (unsigned char b : r->output)
      c.output.push_back(static_cast<std::byte>(b));
    return c;
  }
  return std::nullopt;
}

DEVICE_OBJECT* Harness::device(std::string_view name) {
  State::Device* d = wdk::resolve_device(*state_, wdk::widen(name), nullptr);
  return d == nullptr ? nullptr : d->object();
}

std::optional<std::string> Harness::symbolic_link(std::string_view link) const {
  std::wstring name = wdk::widen(link);
  if (name.rfind(L"\\\\.\\", 0) == 0) name = L"\\??\\" + name.substr(4);
  for (std::wstring_view prefix :
       {std::wstring_view(L"\\DosDevices\\"), std::wstring_view(L"\\GLOBAL??\\")}) {
    if (wdk::upcase(name).rfind(wdk::upcase(prefix), 0) == 0)
      name = L"\\??\\" + name.substr(prefix.size());
  }
  std::lock_guard hold(state_->m);
  auto it = state_->links.find(wdk::upcase(name));
  if (it == state_->links.end()) return std::nullopt;
  return wdk::narrow_text(it->second.data(), it->second.size(), true);
}

}  // namespace ntemu
