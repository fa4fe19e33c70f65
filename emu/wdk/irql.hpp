// SPDX-License-Identifier: MIT
// The IRQL of each host thread (irql.cpp): what KeGetCurrentIrql returns, raised by spin locks
// and fast mutexes, and the two checks made with it — a call above the IRQL its documentation
// allows, and a driver routine that returns at another IRQL than it was called at.
#pragma once

#include "ntemu/kernel.hpp"
#include "ntemu/wdk.h"

namespace ntemu::wdk {

/// This host thread's IRQL (PASSIVE_LEVEL until raised).
KIRQL current_irql();
void set_irql(KIRQL irql);

/// The previous mode of this host thread's current call: UserMode while the harness runs a
/// dispatch routine for its user-mode client (irp.cpp), else KernelMode.
KPROCESSOR_MODE previous_mode();
void set_previous_mode(KPROCESSOR_MODE mode);
/// The token naming this host thread as a lock owner (locks.cpp; never dereferenced).
ULONG_PTR owner_token();

/// Reports a call made above the IRQL its documentation allows (`irql-too-high`); true if it
/// was. The call goes on: only the real machine would fault.
bool irql_too_high(KIRQL max, const char* function);

/// After a driver routine called at `entry` returns: if the IRQL is another now (a spin lock or
/// fast mutex left held), reports `irql-not-restored` naming `routine` as `kernel` knows it,
/// and restores `entry`.
void check_irql_restored(KIRQL entry, Kernel* kernel, const void* routine);

}  // namespace ntemu::wdk
