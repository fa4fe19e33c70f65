// SPDX-License-Identifier: MIT
/// \file
/// The modeled processor architecture. It decides pointer width, and through it the size of
/// handle-table entries (two pointers), the entries per handle-table page and the number of
/// cached references in an `EX_FAST_REF` (semantics.md §5.1, §6.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ntemu {

enum class Arch : std::uint8_t { X86, X64 };

/// "x86" / "x64".
constexpr std::string_view to_string(Arch a) {
  return a == Arch::X86 ? "x86" : "x64";
}

/// Parses "x86" / "x64"; anything else is nullopt.
constexpr std::optional<Arch> parse_arch(std::string_view s) {
  if (s == "x86") return Arch::X86;
  if (s == "x64") return Arch::X64;
  return std::nullopt;
}

/// Width-dependent facts of an architecture.
template <Arch A>
struct ArchTraits;

template <>
struct ArchTraits<Arch::X86> {
  using Word = std::uint32_t;  ///< a kernel pointer / ULONG_PTR
};

template <>
struct ArchTraits<Arch::X64> {
  using Word = std::uint64_t;
};

}  // namespace ntemu
