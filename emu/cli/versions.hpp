// SPDX-License-Identifier: MIT
/// \file
/// The kernel versions the command knows and supports, found through the profile API
/// (profile.hpp: `KernelVersion`, `to_string`, `Profile::make`) rather than listed here, so a
/// version that gains a profile appears in `--help`, in error messages and in `ntemu compare`
/// without a change to the command.
///
/// \code
///   for (ntemu::KernelVersion v : ntemu::cli::supported_kernel_versions(ntemu::Arch::X86))
///     std::puts(std::string(ntemu::to_string(v)).c_str());   // win2000, xp, server2003, vista
/// \endcode
#pragma once

#include <string>
#include <vector>

#include "ntemu/profile.hpp"

namespace ntemu::cli {

/// Every version `to_string` names, in enumeration order (oldest first).
std::vector<KernelVersion> known_kernel_versions();
/// The known versions that have a profile on `arch` (Profile::make succeeds).
std::vector<KernelVersion> supported_kernel_versions(Arch arch);
/// "win2000, xp, server2003 or vista": `versions` joined for a sentence (`last` before the
/// final one: "or", "and").
std::string join_versions(const std::vector<KernelVersion>& versions, std::string_view last);

}  // namespace ntemu::cli
