// SPDX-License-Identifier: MIT
// The report of what a driver left behind (leftovers.cpp), for the harness's unload and failed
// load.
#pragma once

#include "state.hpp"

namespace ntemu::wdk {

/// Reports the driver's notify routines still registered after `when` (`routine-after-unload`)
/// and, with `pool`, its devices, links, pending IRPs, initialized resources and pool blocks.
void report_leftovers(Harness::State& s, const char* when, bool pool);

}  // namespace ntemu::wdk
