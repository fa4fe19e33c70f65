// SPDX-License-Identifier: MIT
// The output docs/driver-fuzzing.md shows: the report ntemu::fuzz::run_driver gives for the input
// the example's fuzzer stops on (procwatch.c with its seeded bug), then the same input against
// the fixed driver.
#include <cstdint>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "ntemu/fuzz.hpp"
#include "procwatch.h"

namespace {
void buggy() {
  ProcWatchReset();
  ProcWatchSeededBug = TRUE;
}
void fixed() {
  ProcWatchReset();
  ProcWatchSeededBug = FALSE;
}
}  // namespace

int main() {
  // Profile byte 2 (xp x86), start_process, unload: what libFuzzer saves as crash-<sha1>.
  const std::vector<std::uint8_t> input = {0x02, 0x00, 0x00, 0x00, 0x08, 0x00};
  ntemu::fuzz::Options options;
  options.driver_name = "procwatch";
  options.reset = &buggy;
  std::string bytes;
  for (std::uint8_t b : input)
    bytes += fmt::format(" {:02x}", b);
  fmt::print("input:{}\n", bytes);
  const auto out = ntemu::fuzz::run_driver(&ProcWatchEntry, input.data(), input.size(), options);
  fmt::print("{}", out.report());
  options.reset = &fixed;
  const auto clean = ntemu::fuzz::run_driver(&ProcWatchEntry, input.data(), input.size(), options);
  fmt::print("fixed driver: {} finding(s) after {} steps\n", clean.findings.size(),
             clean.steps.size());
  return out.failed() && !clean.failed() ? 0 : 1;
}
