// SPDX-License-Identifier: MIT
/// \file
/// `ke::Clock`: the machine's model clock, owned by the Kernel. It is deterministic: it starts
/// at a fixed epoch at boot and moves only when told (`advance`), never with host time, so the
/// same scenario or test reads the same times. What a driver reads from it (KeQuerySystemTime,
/// KeQueryTickCount, KeQueryPerformanceCounter, ...) is derived as on the machine:
///
/// - system time: 100 ns units since 1601-01-01 (a FILETIME), starting at kBootSystemTime
///   (2000-01-01 00:00:00 UTC); the coarse reading (KeQuerySystemTime) moves in whole clock
///   ticks, as the value the clock interrupt stores, the precise one (KeQuerySystemTimePrecise)
///   does not;
/// - interrupt time: 100 ns units since boot (starts at 0), coarse like the system time;
/// - tick count: the clock ticks since boot, one every kTimeIncrement (156250 × 100 ns =
///   15.625 ms, the default clock interval of the x86 and x64 HALs);
/// - performance counter: kPerformanceFrequency (3579545 Hz, the ACPI power-management timer
///   these versions' HALs count with) counts per second since boot.
///
/// Thread-safe: reads and `advance` may come from any host thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace ntemu::ke {

class Clock {
 public:
  /// 2000-01-01 00:00:00 UTC as a FILETIME (100 ns units since 1601-01-01).
  static constexpr std::uint64_t kBootSystemTime = 125911584000000000ULL;
  /// KeQueryTimeIncrement: 100 ns units per clock tick.
  static constexpr std::uint32_t kTimeIncrement = 156250;
  /// KeQueryPerformanceCounter's frequency, counts per second.
  static constexpr std::uint64_t kPerformanceFrequency = 3579545;
  static constexpr std::uint64_t kHundredNsPerSecond = 10000000;

  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  /// Moves the clock forward by `hundred_ns` (100 ns units); saturates instead of wrapping.
  /// Returns the interrupt time reached.
  std::uint64_t advance(std::uint64_t hundred_ns);
  /// 100 ns units since boot, exact (what KeQueryInterruptTimePrecise would read).
  std::uint64_t elapsed() const { return elapsed_.load(std::memory_order_acquire); }

  /// KeQuerySystemTime: the system time at the last clock tick.
  std::uint64_t system_time() const;
  /// KeQuerySystemTimePrecise: the system time now.
  std::uint64_t system_time_precise() const;
  /// KeQueryInterruptTime: 100 ns units since boot, at the last clock tick.
  std::uint64_t interrupt_time() const;
  /// KeQueryTickCount: clock ticks since boot.
  std::uint64_t tick_count() const;
  /// KeQueryPerformanceCounter: counts of kPerformanceFrequency since boot.
  std::uint64_t performance_counter() const;

 private:
  std::atomic<std::uint64_t> elapsed_{0};
};

}  // namespace ntemu::ke
