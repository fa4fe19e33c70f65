// SPDX-License-Identifier: MIT
// The kernel versions the command supports (versions.hpp).
#include "versions.hpp"

namespace ntemu::cli {

std::vector<KernelVersion> supported_kernel_versions(Arch arch) {
  std::vector<KernelVersion> out;
  for (KernelVersion v : kKernelVersions) {
    if (Profile::make(v, arch)) out.push_back(v);
  }
  return out;
}

}  // namespace ntemu::cli
