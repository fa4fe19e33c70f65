// SPDX-License-Identifier: MIT
#include "versions.hpp"

#include <limits>
#include <type_traits>

namespace ntemu::cli {

std::vector<KernelVersion> known_kernel_versions() {
  // Every value of the enumeration's underlying type that to_string names: the enumeration
  // itself is the list, whatever versions it has.
  using Underlying = std::underlying_type_t<KernelVersion>;
  std::vector<KernelVersion> out;
  for (unsigned i = 0; i <= std::numeric_limits<Underlying>::max(); ++i) {
    const auto v = static_cast<KernelVersion>(static_cast<Underlying>(i));
    if (to_string(v) != "?") out.push_back(v);
  }
  return out;
}

std::vector<KernelVersion> supported_kernel_versions(Arch arch) {
  std::vector<KernelVersion> out;
  for (KernelVersion v : known_kernel_versions()) {
    if (Profile::make(v, arch)) out.push_back(v);
  }
  return out;
}

std::string join_versions(const std::vector<KernelVersion>& versions, std::string_view last) {
  std::string out;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    if (i > 0) out += i + 1 == versions.size() ? " " + std::string(last) + " " : ", ";
    out += to_string(versions[i]);
  }
  return out;
}

}  // namespace ntemu::cli
