// SPDX-License-Identifier: MIT
/// \file
/// `format_kb`: a shadow call stack in the shape of the kernel debugger's `kb` — frame number,
/// three arguments, call site, innermost first. ntemu keeps no frame pointers or return
/// addresses, so only the arguments a frame knows are shown; unknown ones print as dashes.
///
/// \code
///   std::string text = ntemu::dbg::format_kb(ntemu::dbg::call_stack(), ntemu::Arch::X86);
///   //  # Args to Child              Call Site
///   // 00 00000000 00000010 00000001 edr!ProcessNotifyRoutine
///   // 01 -------- -------- -------- nt!PspCreateThread
/// \endcode
#pragma once

#include <span>
#include <string>

#include "ntemu/dbg/frame.hpp"
#include "ntemu/support/arch.hpp"

namespace ntemu::dbg {

/// `frames` innermost first; arguments are as wide as a pointer of `arch`.
std::string format_kb(std::span<const Frame> frames, Arch arch);

}  // namespace ntemu::dbg
