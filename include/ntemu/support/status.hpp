// SPDX-License-Identifier: MIT
/// \file
/// `Status`: an NTSTATUS value. Modeled NT routines return it, and it cannot be dropped silently
/// (the type is `[[nodiscard]]`). Every status the model can return has a named constant and a
/// name, so traces and scenario files can spell them the way the DDK does.
///
/// \code
///   ntemu::Status s = ntemu::STATUS_INVALID_PARAMETER;
///   if (!NT_SUCCESS(s)) fmt::print("{}\n", s);  // STATUS_INVALID_PARAMETER (0xC000000D)
/// \endcode
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ntemu {

class [[nodiscard]] Status {
 public:
  constexpr Status() = default;  ///< STATUS_SUCCESS
  constexpr explicit Status(std::uint32_t value) : value_(value) {}

  constexpr std::uint32_t value() const { return value_; }
  /// NT_SUCCESS: severity success or informational (the value, read as signed, is ≥ 0).
  constexpr bool ok() const { return static_cast<std::int32_t>(value_) >= 0; }
  /// Severity bits 31..30 = 11.
  constexpr bool is_error() const { return (value_ >> 30) == 3U; }

  /// The DDK name ("STATUS_INVALID_PARAMETER"), or an empty view for a value ntemu does not name.
  std::string_view name() const;
  /// "0xC000000D": eight upper-case hex digits, as debuggers print NTSTATUS values.
  std::string hex() const;
  /// The status named `name` (the table of known names), or nullopt.
  static std::optional<Status> from_name(std::string_view name);
  /// Every status ntemu names, in ascending value order.
  static std::span<const Status> known();

  friend constexpr bool operator==(Status, Status) = default;
  friend constexpr auto operator<=>(Status, Status) = default;

 private:
  std::uint32_t value_ = 0;
};

/// The DDK's macro, as a function.
constexpr bool NT_SUCCESS(Status s) {
  return s.ok();
}

// The statuses the model returns. The list (value, name) lives in one place, status_list.inc.
#define NTEMU_STATUS(name, value) inline constexpr Status name{value};
#include "ntemu/support/status_list.inc"
#undef NTEMU_STATUS

}  // namespace ntemu

/// `{}` prints "NAME (0xVALUE)", or just "0xVALUE" for an unnamed status.
template <>
struct fmt::formatter<ntemu::Status> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(ntemu::Status s, Ctx& ctx) const {
    std::string text = s.name().empty() ? s.hex() : fmt::format("{} ({})", s.name(), s.hex());
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};
