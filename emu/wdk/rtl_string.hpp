// SPDX-License-Identifier: MIT
// What the run-time library's string routines share (rtl.cpp, rtl_integer.cpp): the check that
// a counted string may be read, and the store of characters into a counted string, in the
// caller's buffer or a tracked pool block tagged 'Strg' (freed by RtlFree*String).
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>

#include <fmt/format.h>

#include "guard.hpp"
#include "ntemu/wdk.h"

namespace ntemu::wdk {

inline constexpr ULONG kStringTag = 0x67727453U;  // 'Strg'

// Whether `s` may be read: a NULL buffer with a non-zero length is a finding.
template <class S>
bool readable(const S* s, const char* function) {
  if (s == nullptr) return false;
  if (s->Buffer == nullptr && s->Length != 0) {
    report({verify::FindingKind::NullArgument,
            fmt::format("{} was given a string of {} bytes with a NULL Buffer (the "
                        "machine would fault)",
                        function, s->Length),
            0, 0, context_step()});
    return false;
  }
  return true;
}

// Copies `n` characters into dest (allocating when asked), terminated when there is room.
template <class S, class C>
NTSTATUS store(S* dest, const C* text, std::size_t n, BOOLEAN allocate) {
  using T = std::remove_pointer_t<decltype(dest->Buffer)>;
  const std::size_t bytes = n * sizeof(T);
  if (bytes + sizeof(T) > std::numeric_limits<USHORT>::max()) return ::STATUS_INVALID_PARAMETER_2;
  if (allocate) {
    auto* buffer = static_cast<T*>(ExAllocatePoolWithTag(PagedPool, bytes + sizeof(T), kStringTag));
    if (buffer == nullptr) return ::STATUS_NO_MEMORY;
    dest->Buffer = buffer;
    dest->MaximumLength = static_cast<USHORT>(bytes + sizeof(T));
  } else if (dest->Buffer == nullptr || dest->MaximumLength < bytes) {
    return ::STATUS_BUFFER_OVERFLOW;
  }
  for (std::size_t i = 0; i < n; ++i)
    dest->Buffer[i] = static_cast<T>(text[i]);
  dest->Length = static_cast<USHORT>(bytes);
  if (dest->MaximumLength >= bytes + sizeof(T)) dest->Buffer[n] = 0;
  return ::STATUS_SUCCESS;
}

}  // namespace ntemu::wdk
