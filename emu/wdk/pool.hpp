// SPDX-License-Identifier: MIT
// The pool (pool.cpp) as the harness sees it: releasing what a driver still holds when its
// harness goes, and a pool tag as text for findings.
#pragma once

#include <string>

#include "ntemu/wdk.h"
#include "state.hpp"

namespace ntemu::wdk {

/// Frees every pool block `state` still holds and forgets them.
void release_pool(Harness::State& state);
/// "ABCD" for a pool tag as the WDK writes it ('DCBA' in source, bytes in memory order).
std::string tag_text(ULONG tag);

}  // namespace ntemu::wdk
