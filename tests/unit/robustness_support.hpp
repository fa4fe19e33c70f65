// SPDX-License-Identifier: MIT
// What the bad-input unit tests share (robustness_test.cpp, robustness_notify_test.cpp): every
// kernel version and arch, and a profile made for each (docs/robustness.md).
#pragma once

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

namespace ntemu::robustness_test {

inline constexpr auto& kAll = kKernelVersions;
inline constexpr Arch kArches[] = {Arch::X86, Arch::X64};

inline Profile profile_of(KernelVersion v, Arch a) {
  Result<Profile> p = Profile::make(v, a);
  REQUIRE(p);
  return *p;
}

}  // namespace ntemu::robustness_test
