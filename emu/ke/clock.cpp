// SPDX-License-Identifier: MIT
// The model clock (ntemu/ke/clock.hpp): every reading is arithmetic on the one count of 100 ns
// units since boot, so the readings agree with each other at every instant.
#include "ntemu/ke/clock.hpp"

#include <limits>

namespace ntemu::ke {

std::uint64_t Clock::advance(std::uint64_t hundred_ns) {
  std::uint64_t now = elapsed_.load(std::memory_order_relaxed);
  std::uint64_t next = 0;
  do {
    // The system time must stay representable: saturate where it would wrap.
    const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - kBootSystemTime - now;
    next = now + (hundred_ns < room ? hundred_ns : room);
  } while (!elapsed_.compare_exchange_weak(now, next, std::memory_order_acq_rel,
                                           std::memory_order_relaxed));
  return next;
}

std::uint64_t Clock::system_time() const {
  return kBootSystemTime + interrupt_time();
}

std::uint64_t Clock::system_time_precise() const {
  return kBootSystemTime + elapsed();
}

std::uint64_t Clock::interrupt_time() const {
  return tick_count() * kTimeIncrement;
}

std::uint64_t Clock::tick_count() const {
  return elapsed() / kTimeIncrement;
}

std::uint64_t Clock::performance_counter() const {
  // Whole seconds and the rest apart, so that the product cannot overflow.
  const std::uint64_t e = elapsed();
  return e / kHundredNsPerSecond * kPerformanceFrequency +
         e % kHundredNsPerSecond * kPerformanceFrequency / kHundredNsPerSecond;
}

}  // namespace ntemu::ke
