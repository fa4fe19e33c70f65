// SPDX-License-Identifier: MIT
// The I/O manager's records (device.cpp, irp.cpp, mdl.cpp), shared with the harness's client side
// (harness.cpp): devices, open files and IRPs, each owned by its harness for the harness's life,
// and the operations the harness performs as a user-mode client — resolve a name, send an IRP and
// collect what it returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ntemu/wdk.h"
#include "state.hpp"

namespace ntemu {

struct Harness::State::Device {
  std::vector<std::max_align_t> memory;  // the DEVICE_OBJECT, then its extension
  std::wstring name;                     // \Device\Name as given ("" for none)
  bool deleted = false;
  DEVICE_OBJECT* object() { return reinterpret_cast<DEVICE_OBJECT*>(memory.data()); }
};

struct Harness::State::File {
  std::uint64_t handle = 0;
  FILE_OBJECT object{};
  std::wstring file_name;  // what followed the device's name
  Device* device = nullptr;
  ps::Thread* thread = nullptr;  // the client thread the IRPs run in
  IO_SECURITY_CONTEXT security{};
  bool open = false;
};

struct Harness::State::Request {
  Harness::State* state = nullptr;
  std::uint64_t id = 0;
  std::vector<std::max_align_t> memory;  // the IRP, then its one stack location
  std::vector<unsigned char> system_buffer;
  std::vector<unsigned char> input;   // the caller's input, as the driver may read it
  std::vector<unsigned char> output;  // the caller's output buffer, as the driver writes it
  MDL mdl{};
  bool buffered_output = false;  // copy Information bytes of SystemBuffer back at completion
  bool completed = false;
  bool returned = false;  // the dispatch routine has returned
  NTSTATUS status = 0;
  std::size_t information = 0;
  IRP* irp() { return reinterpret_cast<IRP*>(memory.data()); }
  IO_STACK_LOCATION* stack() { return IoGetCurrentIrpStackLocation(irp()); }
};

namespace wdk {

/// Forgets every IRP of `state` in the process-wide IRP registry (at the harness's end).
void forget_requests(Harness::State& state);
/// The device `name` names (\\.\X, \??\X, \DosDevices\X, \GLOBAL??\X through a symbolic
/// link, or \Device\X), with what followed the device's name; nullptr if none.
Harness::State::Device* resolve_device(Harness::State& s, const std::wstring& name,
                                       std::wstring* rest);
/// A new IRP for `file`'s device, registered as outstanding; the caller fills its stack.
Harness::State::Request& new_request(Harness::State& s, Harness::State::File& file, UCHAR major);
/// Runs the driver's dispatch routine for `r` in the file's client thread (UserMode), and
/// reports an IRP it neither completed nor pended. Returns the dispatch routine's status.
NTSTATUS dispatch(Harness::State& s, Harness::State::File& file, Harness::State::Request& r);
/// An MDL describing [va, va + length), locked and mapped (as the I/O manager builds one for
/// direct I/O, and IoAllocateMdl before MmProbeAndLockPages).
void init_mdl(MDL& mdl, void* va, std::size_t length);
/// The address an MDL describes (MmGetMdlVirtualAddress).
void* mdl_address(const MDL& mdl);
/// Upper-cased, for the case-insensitive name tables.
std::wstring upcase(std::wstring_view s);

}  // namespace wdk
}  // namespace ntemu
