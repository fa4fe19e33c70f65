// SPDX-License-Identifier: MIT
// ke::Clock, the model clock: its epoch, the readings derived from one count, saturation, and
// a kernel's clock starting at the epoch whatever the host's time.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "ntemu/ke/clock.hpp"
#include "ntemu/kernel.hpp"

using ntemu::ke::Clock;

TEST_CASE("clock: it starts at the documented epoch and moves only when advanced") {
  Clock c;
  CHECK(c.elapsed() == 0);
  CHECK(c.system_time() == 125911584000000000ULL);  // 2000-01-01 00:00:00 UTC
  CHECK(c.system_time_precise() == c.system_time());
  CHECK(c.tick_count() == 0);
  CHECK(c.performance_counter() == 0);
  CHECK(c.advance(10) == 10);
  CHECK(c.elapsed() == 10);
}

TEST_CASE("clock: coarse readings move in whole ticks, precise ones do not") {
  Clock c;
  c.advance(Clock::kTimeIncrement - 1);
  CHECK(c.tick_count() == 0);
  CHECK(c.interrupt_time() == 0);
  CHECK(c.system_time() == Clock::kBootSystemTime);
  CHECK(c.system_time_precise() == Clock::kBootSystemTime + Clock::kTimeIncrement - 1);
  c.advance(1);
  CHECK(c.tick_count() == 1);
  CHECK(c.interrupt_time() == Clock::kTimeIncrement);
  CHECK(c.system_time() == Clock::kBootSystemTime + Clock::kTimeIncrement);
}

TEST_CASE("clock: the performance counter counts its frequency per second") {
  Clock c;
  c.advance(Clock::kHundredNsPerSecond);  // one second
  CHECK(c.performance_counter() == Clock::kPerformanceFrequency);
  c.advance(Clock::kHundredNsPerSecond / 2);
  CHECK(c.performance_counter() == Clock::kPerformanceFrequency * 3 / 2);
  CHECK(c.tick_count() == 96);  // 1.5 s / 15.625 ms
}

TEST_CASE("clock: advancing saturates instead of wrapping") {
  Clock c;
  c.advance(std::numeric_limits<std::uint64_t>::max());
  c.advance(std::numeric_limits<std::uint64_t>::max());
  CHECK(c.system_time_precise() == std::numeric_limits<std::uint64_t>::max());
  CHECK(c.performance_counter() > 0);
}

TEST_CASE("clock: every kernel boots at the same time") {
  ntemu::Kernel a(ntemu::Profile::xp());
  a.clock().advance(12345);
  ntemu::Kernel b(ntemu::Profile::vista());
  CHECK(b.clock().elapsed() == 0);
  CHECK(a.clock().elapsed() == 12345);
}
