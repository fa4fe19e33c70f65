// SPDX-License-Identifier: MIT
#include "ntemu/support/status.hpp"

#include <algorithm>
#include <array>

namespace ntemu {
namespace {

struct NamedStatus {
  Status status;
  std::string_view name;
};

constexpr std::array kNamed = {
#define NTEMU_STATUS(name, value) NamedStatus{Status{value}, #name},
#include "ntemu/support/status_list.inc"
#undef NTEMU_STATUS
};

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < kNamed.size(); ++i) {
    if (!(kNamed[i - 1].status < kNamed[i].status)) return false;
  }
  return true;
}
static_assert(sorted_and_unique(), "status_list.inc must be ascending by value, no repeats");

constexpr std::array<Status, kNamed.size()> kKnown = [] {
  std::array<Status, kNamed.size()> out{};
  for (std::size_t i = 0; i < kNamed.size(); ++i)
    out[i] = kNamed[i].status;
  return out;
}();

}  // namespace

std::string_view Status::name() const {
  // Binary search: the table is sorted by value (checked above).
  auto it = std::lower_bound(kNamed.begin(), kNamed.end(), *this,
                             [](const NamedStatus& n, Status s) { return n.status < s; });
  return (it != kNamed.end() && it->status == *this) ? it->name : std::string_view{};
}

std::string Status::hex() const {
  return fmt::format("0x{:08X}", value_);
}

std::optional<Status> Status::from_name(std::string_view name) {
  for (const auto& n : kNamed) {
    if (n.name == name) return n.status;
  }
  return std::nullopt;
}

std::span<const Status> Status::known() {
  return kKnown;
}

}  // namespace ntemu
