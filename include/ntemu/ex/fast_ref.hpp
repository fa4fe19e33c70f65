// SPDX-License-Identifier: MIT
/// \file
/// EX_FAST_REF geometry (semantics.md §5.1): an object address whose low bits cache references —
/// 3 bits (MAX_FAST_REFS = 7) on x86, 4 bits (15) on x64. 0 is an empty slot; a newly installed
/// object is address | MAX.
#pragma once

#include <cstdint>

#include "ntemu/support/arch.hpp"

namespace ntemu::ex {

struct FastRef {
  /// MAX_FAST_REFS for the architecture.
  static constexpr std::uint64_t max_refs(Arch a) { return a == Arch::X86 ? 7 : 15; }
  /// The object part of a fast-ref value.
  static constexpr std::uint64_t object(std::uint64_t v, Arch a) { return v & ~max_refs(a); }
  /// The cached-reference count of a fast-ref value.
  static constexpr std::uint64_t cached(std::uint64_t v, Arch a) { return v & max_refs(a); }
};

}  // namespace ntemu::ex
