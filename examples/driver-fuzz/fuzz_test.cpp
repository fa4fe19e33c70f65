// SPDX-License-Identifier: MIT
// ntemu::fuzz::run_driver (ntemu/fuzz.hpp) on the example drivers: the seeded bug of
// procwatch.c is found, reported with the step that caused it and a replay that reproduces it;
// the correct drivers (procwatch without its bug, the tracker example) stay silent over many
// inputs; the same bytes give the same outcome; arbitrary bytes never escape as exceptions.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ntemu/fuzz.hpp"
#include "ntemu/harness.hpp"
#include "procwatch.h"
#include "tracker.h"

namespace {

void buggy_driver() {
  ProcWatchReset();
  ProcWatchSeededBug = TRUE;
}
void fixed_driver() {
  ProcWatchReset();
  ProcWatchSeededBug = FALSE;
}

ntemu::fuzz::Options procwatch(void (*reset)()) {
  ntemu::fuzz::Options o;
  o.driver_name = "procwatch";
  o.reset = reset;
  return o;
}

int count(const std::vector<ntemu::Kernel::Finding>& findings, const std::string& kind) {
  int n = 0;
  for (const auto& f : findings)
    n += ntemu::verify::to_string(f.kind) == kind ? 1 : 0;
  return n;
}

// A deterministic stream of inputs of 1–40 bytes.
std::vector<std::vector<std::uint8_t>> inputs(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<std::uint8_t>> out(n);
  for (auto& in : out) {
    in.resize(1 + rng() % 40);
    for (auto& b : in)
      b = static_cast<std::uint8_t>(rng());
  }
  return out;
}

// Profile bytes: the default list is every version in order, each on x86 then x64.
constexpr std::uint8_t kXpX86 = 2;

}  // namespace

TEST_CASE("fuzz: an unload with a process still running finds procwatch's seeded pool leak") {
  // xp x86; start_process(notepad); unload (op 8) — then the teardown ends the process.
  const std::vector<std::uint8_t> bytes = {kXpX86, 0, 0, 0, 8, 0};
  const auto out = ntemu::fuzz::run_driver(&ProcWatchEntry, bytes.data(), bytes.size(),
                                           procwatch(&buggy_driver));
  INFO(out.report());
  REQUIRE(out.failed());
  CHECK(out.profile.version == ntemu::KernelVersion::Xp);
  REQUIRE(count(out.findings, "pool-leak") == 1);
  CHECK(out.findings[0].step == "h.unload();");
  CHECK(out.steps == std::vector<std::string>{"h.load(&DriverEntry, \"procwatch\");",
                                              "auto p1 = h.start_process(\"notepad.exe\");",
                                              "h.unload();", "h.exit_process(*p1.process);"});
  const std::string report = out.report();
  CHECK(report.find("pool-leak at `h.unload();`") != std::string::npos);
  CHECK(report.find("ntemu::Harness h(ntemu::Profile::xp(ntemu::Arch::X86));") !=
        std::string::npos);

  // The replay, run by hand, gives the same finding.
  buggy_driver();
  ntemu::Harness h(ntemu::Profile::xp(ntemu::Arch::X86));
  REQUIRE(NT_SUCCESS(h.load(&ProcWatchEntry, "procwatch")));
  auto p1 = h.start_process("notepad.exe");
  CHECK(NT_SUCCESS(h.unload()));
  CHECK(h.exit_process(*p1.process).ok());
  CHECK(count(h.audit(), "pool-leak") == 1);

  // Without the bug the same input is clean.
  const auto fixed = ntemu::fuzz::run_driver(&ProcWatchEntry, bytes.data(), bytes.size(),
                                             procwatch(&fixed_driver));
  CHECK_FALSE(fixed.failed());
}

TEST_CASE("fuzz: random inputs find the seeded bug and pass the fixed driver and the tracker") {
  const auto all = inputs(400, 2026);
  std::size_t first_failure = all.size();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& in = all[i];
    const auto buggy =
        ntemu::fuzz::run_driver(&ProcWatchEntry, in.data(), in.size(), procwatch(&buggy_driver));
    if (buggy.failed() && first_failure == all.size()) {
      first_failure = i;
      CHECK(count(buggy.findings, "pool-leak") >= 1);
    }
    const auto fixed =
        ntemu::fuzz::run_driver(&ProcWatchEntry, in.data(), in.size(), procwatch(&fixed_driver));
    INFO(fixed.report());
    CHECK_FALSE(fixed.failed());
    ntemu::fuzz::Options tracker;
    tracker.driver_name = "tracker";
    const auto t = ntemu::fuzz::run_driver(&DriverEntry, in.data(), in.size(), tracker);
    INFO(t.report());
    CHECK_FALSE(t.failed());
  }
  CHECK(first_failure < 100);  // the bug is shallow: found in the first hundred random inputs
}

TEST_CASE("fuzz: the same bytes give the same outcome, and no input escapes") {
  for (const auto& in : inputs(100, 7)) {
    const auto a =
        ntemu::fuzz::run_driver(&ProcWatchEntry, in.data(), in.size(), procwatch(&buggy_driver));
    const auto b =
        ntemu::fuzz::run_driver(&ProcWatchEntry, in.data(), in.size(), procwatch(&buggy_driver));
    CHECK(a.steps == b.steps);
    CHECK(a.findings == b.findings);
    CHECK(a.report() == b.report());
  }
  // No bytes at all: the first profile, a load, nothing else.
  const auto empty = ntemu::fuzz::run_driver(&ProcWatchEntry, nullptr, 0, procwatch(&fixed_driver));
  CHECK(empty.profile.version == ntemu::KernelVersion::Win2000);
  CHECK(empty.steps.size() == 1);
  CHECK_FALSE(empty.failed());
  // A profile list of one pins every input to it.
  ntemu::fuzz::Options only = procwatch(&fixed_driver);
  only.profiles = {ntemu::Profile::vista(ntemu::Arch::X64)};
  const std::vector<std::uint8_t> bytes = {5, 0, 1, 0, 6, 0, 2};
  const auto v = ntemu::fuzz::run_driver(&ProcWatchEntry, bytes.data(), bytes.size(), only);
  CHECK(v.profile.version == ntemu::KernelVersion::Vista);
  CHECK(v.steps.at(1) == "auto p1 = h.start_process(\"cmd.exe\");");
  CHECK(v.steps.at(2) == "h.load_image(*p1.process, \"ws2_32.dll\");");
  CHECK_FALSE(v.failed());
}
