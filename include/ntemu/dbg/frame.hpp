// SPDX-License-Identifier: MIT
/// \file
/// `Frame`: one frame of the model's shadow call stack — "module!function" and up to three
/// arguments, what the kernel debugger's `kb` shows of a frame.
#pragma once

#include <cstdint>
#include <string_view>

namespace ntemu::dbg {

struct Frame {
  std::string_view module;            ///< "nt", "ntdll", or a driver's name
  std::string_view function;          ///< "PspCreateThread", ...
  std::uint64_t args[3] = {0, 0, 0};  ///< the first arg_count are the frame's; the rest unspecified
  std::uint8_t arg_count = 0;
};

}  // namespace ntemu::dbg
