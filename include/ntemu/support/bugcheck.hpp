// SPDX-License-Identifier: MIT
/// \file
/// `BugCheck`: what the model throws where the real kernel would stop the machine
/// (KeBugCheckEx). It carries the real bugcheck code, e.g. 0x17 CID_HANDLE_DELETION; the kernel
/// instance stays inspectable afterwards. The only exception that crosses the model's API.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ntemu {

inline constexpr std::uint32_t CID_HANDLE_DELETION = 0x17;
/// A notify routine faulted (a NULL routine was called, or it threw): P1 the exception code
/// (STATUS_ACCESS_VIOLATION, or 0xE06D7363 for a C++ exception), P2 the faulting address (0:
/// the model has no code addresses).
inline constexpr std::uint32_t KMODE_EXCEPTION_NOT_HANDLED = 0x1E;
/// A trap the kernel cannot handle; here always the kernel stack overflow a notify routine
/// re-entering itself without bound causes, which the processor reports as a double fault: P1
/// EXCEPTION_DOUBLE_FAULT (8), P2 the nesting depth reached (ps::HostContext::kMaxNestedCallouts).
inline constexpr std::uint32_t UNEXPECTED_KERNEL_MODE_TRAP = 0x7F;
inline constexpr std::uint64_t EXCEPTION_DOUBLE_FAULT = 8;

class BugCheck : public std::runtime_error {
 public:
  BugCheck(std::uint32_t code, std::string_view name, std::array<std::uint64_t, 4> parameters)
      : std::runtime_error(fmt::format("BugCheck {:#x} {} ({:#x}, {:#x}, {:#x}, {:#x})", code, name,
                                       parameters[0], parameters[1], parameters[2], parameters[3])),
        code_(code),
        name_(name),
        parameters_(parameters) {}
  std::uint32_t code() const { return code_; }
  /// The bugcheck's symbolic name, e.g. "CID_HANDLE_DELETION".
  const std::string& name() const { return name_; }
  const std::array<std::uint64_t, 4>& parameters() const { return parameters_; }

 private:
  std::uint32_t code_;
  std::string name_;
  std::array<std::uint64_t, 4> parameters_;
};

}  // namespace ntemu
