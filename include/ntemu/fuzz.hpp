// SPDX-License-Identifier: MIT
/// \file
/// `ntemu::fuzz`: fuzz a driver's notify logic. `run_driver` turns fuzz bytes into a sequence of
/// kernel events around a driver loaded in a fresh `Harness` — processes started (nested or
/// not), threads created and terminated, processes terminated, handles closed in any order, DLLs
/// and driver images loaded, the driver unloaded and loaded again — on the profile the input's
/// first byte picks, then ends every process, unloads the driver and audits. Any finding (the
/// kernel verifier's and the harness's: `pool-leak`, `routine-after-unload`, IRQL findings,
/// bad object pointers, a bugcheck…) fails the input, and the outcome's report is a replayable
/// C++ test of the failing sequence. Part of the `ntemu::wdk` library; `ntemu/fuzz_target.hpp`
/// turns it into a libFuzzer / OSS-Fuzz target in one line (docs/driver-testing.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ntemu/kernel.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/wdk.h"

namespace ntemu::fuzz {

struct Options {
  /// The name given to Harness::load (the driver's module name in findings and stacks).
  std::string driver_name = "driver";
  /// Steps decoded from one input at most (the load and the final teardown not counted).
  std::size_t max_steps = 64;
  /// Called before every DriverEntry, the first one included. A real load maps a fresh image,
  /// so a reloaded driver starts with zeroed globals; a driver compiled into the fuzzer keeps
  /// its globals across loads and inputs unless this resets them.
  void (*reset)() = nullptr;
  /// The profiles an input may pick (its first byte, modulo the count); empty: every modeled
  /// version on x86 and x64.
  std::vector<Profile> profiles;
};

/// What one input did.
struct Outcome {
  Profile profile;
  /// The steps as harness calls, in order: with `replay_preamble` before them they form the body
  /// of a test that replays the input (`h` is the harness).
  std::vector<std::string> steps;
  /// Everything the audit reported at the end (and a bugcheck, if the machine crashed: the
  /// sequence stops there). Each names the step that caused it.
  std::vector<Kernel::Finding> findings;
  bool failed() const { return !findings.empty(); }
  /// The harness's construction for `profile`, the replay's first line.
  std::string replay_preamble() const;
  /// A human-readable account: the findings, then the replay.
  std::string report() const;
};

/// Decodes `data` into events and runs them against `entry`, loaded as a driver. Never throws
/// for any input (a bugcheck is a finding); the same bytes always give the same outcome.
Outcome run_driver(PDRIVER_INITIALIZE entry, const std::uint8_t* data, std::size_t size,
                   const Options& options = {});

}  // namespace ntemu::fuzz
