// SPDX-License-Identifier: MIT
/// \file
/// A libFuzzer / OSS-Fuzz target for a driver in one line:
///
/// \code
///   #include <ntemu/fuzz_target.hpp>
///   NTEMU_DRIVER_FUZZ_TARGET(DriverEntry)                    // or, with options:
///   NTEMU_DRIVER_FUZZ_TARGET_WITH(DriverEntry, my_options())  // an ntemu::fuzz::Options
/// \endcode
///
/// defines `LLVMFuzzerTestOneInput`: each input runs through ntemu::fuzz::run_driver; an input
/// with a finding prints the outcome's report (the findings and a replayable C++ test) to stderr
/// and aborts, so libFuzzer saves it as a crash. Build the file with `-fsanitize=fuzzer` (or
/// OSS-Fuzz's `$LIB_FUZZING_ENGINE`) and link it with ntemu-wdk (docs/driver-testing.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "ntemu/fuzz.hpp"

/// The target body: runs `entry` on the input with `options`; aborts on a finding.
inline int ntemu_fuzz_driver_input(PDRIVER_INITIALIZE entry, const std::uint8_t* data,
                                   std::size_t size, const ntemu::fuzz::Options& options) {
  const ntemu::fuzz::Outcome outcome = ntemu::fuzz::run_driver(entry, data, size, options);
  if (outcome.failed()) {
    std::fputs(outcome.report().c_str(), stderr);
    std::abort();
  }
  return 0;
}

#define NTEMU_DRIVER_FUZZ_TARGET_WITH(entry, options)                                 \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    static const ntemu::fuzz::Options ntemu_fuzz_options_ = (options);                \
    return ntemu_fuzz_driver_input(&(entry), data, size, ntemu_fuzz_options_);        \
  }
#define NTEMU_DRIVER_FUZZ_TARGET(entry) NTEMU_DRIVER_FUZZ_TARGET_WITH(entry, ntemu::fuzz::Options{})
