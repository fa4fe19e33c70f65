// SPDX-License-Identifier: MIT
// The example's fuzz target: procwatch.c with its seeded bug, under libFuzzer. Built by
// build.sh (OSS-Fuzz style) or by the `fuzz` preset (tests/fuzz); docs/driver-testing.md.
#include <ntemu/fuzz_target.hpp>

#include "procwatch.h"

namespace {
void fresh_driver() {
  ProcWatchReset();
  ProcWatchSeededBug = TRUE;
}
ntemu::fuzz::Options procwatch_options() {
  ntemu::fuzz::Options o;
  o.driver_name = "procwatch";
  o.reset = &fresh_driver;
  return o;
}
}  // namespace

NTEMU_DRIVER_FUZZ_TARGET_WITH(ProcWatchEntry, procwatch_options())
