// SPDX-License-Identifier: MIT
// The report of what a driver left behind (leftovers.cpp), for the harness's unload and failed
// load, and the records of what it initialized and must delete first (ERESOURCEs, lookaside
// lists).
#pragma once

#include "state.hpp"

namespace ntemu::wdk {

/// Records `object` (of `kind`, e.g. "ERESOURCE") as initialized by the current harness's
/// driver, with the current step; nothing outside a harness.
void remember_initialized(const void* object, const char* kind);
/// Forgets `object` (deleted); nothing outside a harness.
void forget_initialized(const void* object);

/// Reports the driver's notify routines still registered after `when` (`routine-after-unload`)
/// and, with `pool`, its devices, links, pending IRPs, initialized resources and pool blocks.
void report_leftovers(Harness::State& s, const char* when, bool pool);

}  // namespace ntemu::wdk
