// SPDX-License-Identifier: MIT
// The eight profiles the driver is tested on: every kernel version, x86 and x64.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "ntemu/profile.hpp"

namespace tracker_test {

struct NamedProfile {
  std::string name;  // "win2000 x86"
  ntemu::Profile profile;
};

inline std::vector<NamedProfile> every_profile() {
  std::vector<NamedProfile> out;
  for (auto version : {ntemu::KernelVersion::Win2000, ntemu::KernelVersion::Xp,
                       ntemu::KernelVersion::Server2003, ntemu::KernelVersion::Vista}) {
    for (auto arch : {ntemu::Arch::X86, ntemu::Arch::X64}) {
      auto profile = ntemu::Profile::make(version, arch);
      if (!profile) continue;
      out.push_back({fmt::format("{} {}", ntemu::to_string(version),
                                 arch == ntemu::Arch::X86 ? "x86" : "x64"),
                     *profile});
    }
  }
  return out;
}

}  // namespace tracker_test
