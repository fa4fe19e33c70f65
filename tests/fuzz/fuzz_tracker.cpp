// SPDX-License-Identifier: MIT
// The example tracker driver (examples/driver) under libFuzzer through ntemu/fuzz_target.hpp:
// a correct driver, so any input that fails is a bug in the driver, the harness or the model.
#include "ntemu/fuzz_target.hpp"
#include "tracker.h"

namespace {
ntemu::fuzz::Options tracker_options() {
  ntemu::fuzz::Options o;
  o.driver_name = "tracker";
  return o;
}
}  // namespace

NTEMU_DRIVER_FUZZ_TARGET_WITH(DriverEntry, tracker_options())
