// SPDX-License-Identifier: MIT
/// \file
/// The kernel versions the command supports, found through the profile API (profile.hpp:
/// `kKernelVersions`, `Profile::make`, `join_kernel_versions`) rather than listed here, so a
/// version that gains a profile appears in `--help`, in error messages and in `ntemu compare`
/// without a change to the command.
///
/// \code
///   for (ntemu::KernelVersion v : ntemu::cli::supported_kernel_versions(ntemu::Arch::X86))
///     std::puts(std::string(ntemu::to_string(v)).c_str());   // win2000, xp, server2003, vista
/// \endcode
#pragma once

#include <vector>

#include "ntemu/profile.hpp"

namespace ntemu::cli {

/// The versions of kKernelVersions that have a profile on `arch` (Profile::make succeeds),
/// oldest first.
std::vector<KernelVersion> supported_kernel_versions(Arch arch);

}  // namespace ntemu::cli
