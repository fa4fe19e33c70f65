// SPDX-License-Identifier: MIT
// The trampolines (trampolines.cpp): the kernel routines that stand for a driver's C routines.
// The kernel's notify routines take the model's types (ProcessId, ps::Process*, bool); a
// driver's take the WDK's (HANDLE, PEPROCESS, BOOLEAN). A driver routine gets one trampoline
// on its first registration or naming and keeps it for the life of the host process, so one C
// routine is one kernel routine in every kernel (duplicate and removal rules stay the
// kernel's).
#pragma once

#include <cstddef>

#include "ntemu/ps/notify_routine.hpp"
#include "ntemu/wdk.h"

namespace ntemu::wdk {

/// Trampolines per routine kind.
inline constexpr std::size_t kTrampolinePoolSize = 64;
/// The trampoline of `routine`, assigning the next free one; nullptr when the pool is full.
ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE process_trampoline(::PCREATE_PROCESS_NOTIFY_ROUTINE routine);
ntemu::PCREATE_PROCESS_NOTIFY_ROUTINE_EX process_ex_trampoline(
    ::PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine);
ntemu::PCREATE_THREAD_NOTIFY_ROUTINE thread_trampoline(::PCREATE_THREAD_NOTIFY_ROUTINE routine);
/// True when `routine` (as stored in a notify slot) is one of the trampolines.
bool is_trampoline(const void* routine);

}  // namespace ntemu::wdk
