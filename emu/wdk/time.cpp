// SPDX-License-Identifier: MIT
// Time as a driver reads it (ntemu/wdk/ketime.h), from the current kernel's model clock
// (ntemu/ke/clock.hpp), and KeDelayExecutionThread, which moves that clock by its interval
// instead of sleeping: a driver that waits 100 ms sees 100 ms pass, and the host never waits.
// Calendar fields are computed with <chrono>'s proleptic Gregorian calendar.
#include <chrono>
#include <cstdint>
#include <limits>

#include "image.hpp"
#include "irql.hpp"
#include "ntemu/kernel.hpp"
#include "ntemu/wdk.h"

using ntemu::Kernel;

namespace {

// Days from 1601-01-01 (the FILETIME epoch) to 1970-01-01.
constexpr std::int64_t kDays1601To1970 = 134774;
constexpr std::int64_t kHundredNsPerDay = 864000000000LL;

LONGLONG signed_time(std::uint64_t t) {
  return t > static_cast<std::uint64_t>(std::numeric_limits<LONGLONG>::max())
             ? std::numeric_limits<LONGLONG>::max()
             : static_cast<LONGLONG>(t);
}

void store(PLARGE_INTEGER out, std::uint64_t value) {
  if (out != nullptr) out->QuadPart = signed_time(value);
}

}  // namespace

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime) {
  Kernel* k = Kernel::current();
  store(CurrentTime, k == nullptr ? 0 : k->clock().system_time());
}

VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime) {
  Kernel* k = Kernel::current();
  if (k != nullptr) ntemu::wdk::import_not_exported(*k, "KeQuerySystemTimePrecise");
  store(CurrentTime, k == nullptr ? 0 : k->clock().system_time_precise());
}

ULONGLONG KeQueryInterruptTime(VOID) {
  Kernel* k = Kernel::current();
  return k == nullptr ? 0 : k->clock().interrupt_time();
}

VOID KeQueryTickCount(PLARGE_INTEGER TickCount) {
  Kernel* k = Kernel::current();
  store(TickCount, k == nullptr ? 0 : k->clock().tick_count());
}

ULONG KeQueryTimeIncrement(VOID) {
  return ntemu::ke::Clock::kTimeIncrement;
}

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency) {
  Kernel* k = Kernel::current();
  store(PerformanceFrequency, ntemu::ke::Clock::kPerformanceFrequency);
  LARGE_INTEGER now;
  now.QuadPart = signed_time(k == nullptr ? 0 : k->clock().performance_counter());
  return now;
}

VOID ExSystemTimeToLocalTime(PLARGE_INTEGER SystemTime, PLARGE_INTEGER LocalTime) {
  if (SystemTime != nullptr && LocalTime != nullptr) *LocalTime = *SystemTime;
}

VOID ExLocalTimeToSystemTime(PLARGE_INTEGER LocalTime, PLARGE_INTEGER SystemTime) {
  if (SystemTime != nullptr && LocalTime != nullptr) *SystemTime = *LocalTime;
}

VOID RtlTimeToTimeFields(PLARGE_INTEGER Time, PTIME_FIELDS TimeFields) {
  if (Time == nullptr || TimeFields == nullptr) return;
  *TimeFields = TIME_FIELDS{};
  if (Time->QuadPart < 0) return;
  const std::int64_t t = Time->QuadPart;
  const std::int64_t days = t / kHundredNsPerDay;
  std::int64_t rest = t % kHundredNsPerDay;
  const std::chrono::sys_days day{std::chrono::days{days - kDays1601To1970}};
  const std::chrono::year_month_day ymd{day};
  TimeFields->Year = static_cast<CSHORT>(static_cast<int>(ymd.year()));
  TimeFields->Month = static_cast<CSHORT>(static_cast<unsigned>(ymd.month()));
  TimeFields->Day = static_cast<CSHORT>(static_cast<unsigned>(ymd.day()));
  TimeFields->Weekday = static_cast<CSHORT>(std::chrono::weekday{day}.c_encoding());
  TimeFields->Hour = static_cast<CSHORT>(rest / 36000000000LL);
  rest %= 36000000000LL;
  TimeFields->Minute = static_cast<CSHORT>(rest / 600000000LL);
  rest %= 600000000LL;
  TimeFields->Second = static_cast<CSHORT>(rest / 10000000LL);
  TimeFields->Milliseconds = static_cast<CSHORT>(rest % 10000000LL / 10000);
}

BOOLEAN RtlTimeFieldsToTime(PTIME_FIELDS TimeFields, PLARGE_INTEGER Time) {
  if (TimeFields == nullptr || Time == nullptr) return FALSE;
  const TIME_FIELDS& f = *TimeFields;
  if (f.Year < 1601 || f.Month < 1 || f.Month > 12 || f.Day < 1 || f.Hour < 0 || f.Hour > 23 ||
      f.Minute < 0 || f.Minute > 59 || f.Second < 0 || f.Second > 59 || f.Milliseconds < 0 ||
      f.Milliseconds > 999)
    return FALSE;
  const std::chrono::year_month_day ymd{std::chrono::year{f.Year},
                                        std::chrono::month{static_cast<unsigned>(f.Month)},
                                        std::chrono::day{static_cast<unsigned>(f.Day)}};
  if (!ymd.ok()) return FALSE;
  const std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count() + kDays1601To1970;
  Time->QuadPart = days * kHundredNsPerDay + f.Hour * 36000000000LL + f.Minute * 600000000LL +
                   f.Second * 10000000LL + f.Milliseconds * 10000LL;
  return TRUE;
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                PLARGE_INTEGER Interval) {
  static_cast<void>(WaitMode);
  static_cast<void>(Alertable);
  ntemu::wdk::irql_too_high(APC_LEVEL, "KeDelayExecutionThread");
  Kernel* k = Kernel::current();
  if (k == nullptr || Interval == nullptr) return ::STATUS_SUCCESS;
  ntemu::ke::Clock& clock = k->clock();
  const LONGLONG v = Interval->QuadPart;
  if (v < 0) {  // relative: that long from now
    clock.advance(v == std::numeric_limits<LONGLONG>::min() ? std::uint64_t{1} << 63
                                                            : static_cast<std::uint64_t>(-v));
  } else {  // absolute: until that system time, if it is still ahead
    const std::uint64_t now = clock.system_time_precise();
    const auto target = static_cast<std::uint64_t>(v);
    if (target > now) clock.advance(target - now);
  }
  return ::STATUS_SUCCESS;
}
