// SPDX-License-Identifier: MIT
// What the WDK tests ask of a harness's findings: how many are of one kind.
#pragma once

#include <string>
#include <vector>

#include "ntemu/harness.hpp"

namespace ntemu::test {

/// The number of `findings` whose kind is spelled `kind` ("pool-leak", "debug-break", ...).
inline int count(const std::vector<Kernel::Finding>& findings, const std::string& kind) {
  int n = 0;
  for (const auto& f : findings)
    n += verify::to_string(f.kind) == kind ? 1 : 0;
  return n;
}

}  // namespace ntemu::test
