// SPDX-License-Identifier: MIT
/// \file
/// The host process's memory use, for benchmarks and soaks that report what the model costs:
/// the C heap's bytes in use and the resident set size. Each is `std::nullopt` where the host
/// does not tell (implemented for glibc and Linux; elsewhere, e.g. on Windows, unknown), so
/// callers report "unknown" rather than a number that means nothing.
///
/// \code
///   const auto before = ntemu::host::heap_in_use_bytes();
///   build_population();
///   if (const auto after = ntemu::host::heap_in_use_bytes(); before && after)
///     fmt::print("{} bytes\n", *after - *before);
/// \endcode
#pragma once

#include <cstdint>
#include <optional>

namespace ntemu::host {

/// Bytes of the C heap handed out and not yet freed (glibc: mallinfo2's `uordblks + hblkhd`,
/// the small-block and the mmap'ed bytes), or nullopt where unknown.
std::optional<std::uint64_t> heap_in_use_bytes();

/// The process's resident set size in bytes (Linux: /proc/self/statm), or nullopt where
/// unknown.
std::optional<std::uint64_t> resident_bytes();

}  // namespace ntemu::host
