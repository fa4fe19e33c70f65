// SPDX-License-Identifier: MIT
// What the kernel CRT's bounded functions (crt.cpp: strcpy_s, strncat_s, ...) and ntstrsafe's
// (strsafe.cpp: RtlStringCchCopy, RtlStringCchCat, ...) are built on, once for both character
// widths: a string's length within a bound, and the copy into a destination of a given room
// that always terminates and says whether it truncated. Each family keeps its own preconditions
// and status codes.
#pragma once

#include <algorithm>
#include <cstddef>

namespace ntemu::wdk {

/// The number of characters of `s` before its terminator, reading at most `max` of them.
template <class C>
std::size_t bounded_length(const C* s, std::size_t max) {
  std::size_t n = 0;
  while (n < max && s[n] != 0)
    ++n;
  return n;
}

/// Copies at most `count` characters of `src` into `dest[0, room)` (room >= 1), as many as fit
/// before a terminator, and terminates. True if characters of `src` were left out.
template <class C>
bool copy_truncating(C* dest, std::size_t room, const C* src, std::size_t count) {
  const std::size_t n = bounded_length(src, count);
  const std::size_t take = std::min(n, room - 1);
  std::copy_n(src, take, dest);
  dest[take] = 0;
  return take < n;
}

}  // namespace ntemu::wdk
