// SPDX-License-Identifier: MIT
// Time as a driver reads it: KeQuerySystemTime and friends from the model clock, which the
// test advances (Harness::advance_clock) and KeDelayExecutionThread moves; the same steps give
// the same readings in every run.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "finding_count.hpp"
#include "ntemu/harness.hpp"

namespace {

using ntemu::Harness;
using ntemu::test::count;

}  // namespace

TEST_CASE("time: the readings start at 2000-01-01 and follow the harness's clock") {
  Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  LARGE_INTEGER now;
  KeQuerySystemTime(&now);
  TIME_FIELDS f;
  RtlTimeToTimeFields(&now, &f);
  CHECK(f.Year == 2000);
  CHECK(f.Month == 1);
  CHECK(f.Day == 1);
  CHECK(f.Hour == 0);
  CHECK(f.Weekday == 6);  // a Saturday
  CHECK(KeQueryTimeIncrement() == 156250);
  LARGE_INTEGER ticks;
  KeQueryTickCount(&ticks);
  CHECK(ticks.QuadPart == 0);
  LARGE_INTEGER frequency;
  CHECK(KeQueryPerformanceCounter(&frequency).QuadPart == 0);
  CHECK(frequency.QuadPart == 3579545);

  // 1 h 2 min 3.008 s later.
  CHECK(h.advance_clock(37230040000ULL + 40000ULL) == 37230080000ULL);
  LARGE_INTEGER later;
  KeQuerySystemTime(&later);
  RtlTimeToTimeFields(&later, &f);
  CHECK(f.Hour == 1);
  CHECK(f.Minute == 2);
  CHECK(f.Second == 3);
  CHECK(later.QuadPart - now.QuadPart == 37230000000LL);  // the last whole tick
  CHECK(KeQueryInterruptTime() == 37230000000ULL);
  KeQueryTickCount(&ticks);
  CHECK(ticks.QuadPart == 238272);
  CHECK(KeQueryPerformanceCounter(nullptr).QuadPart == 3723LL * 3579545 + 28636);
  LARGE_INTEGER back;
  CHECK(RtlTimeFieldsToTime(&f, &back) == TRUE);
  CHECK(back.QuadPart == later.QuadPart);
  LARGE_INTEGER local;
  ExSystemTimeToLocalTime(&later, &local);
  CHECK(local.QuadPart == later.QuadPart);  // the model's time zone is UTC
  CHECK(h.audit().empty());
}

TEST_CASE("time: KeDelayExecutionThread moves the clock instead of sleeping") {
  Harness h(ntemu::Profile::vista());
  auto scope = h.enter();
  LARGE_INTEGER interval;
  interval.QuadPart = -1000000;  // 100 ms, relative
  CHECK(KeDelayExecutionThread(KernelMode, FALSE, &interval) == STATUS_SUCCESS);
  CHECK(h.kernel().clock().elapsed() == 1000000);
  LARGE_INTEGER until;
  until.QuadPart = 125911584000000000LL + 5000000;  // absolute, 0.5 s after boot
  CHECK(KeDelayExecutionThread(KernelMode, FALSE, &until) == STATUS_SUCCESS);
  CHECK(h.kernel().clock().elapsed() == 5000000);
  CHECK(KeDelayExecutionThread(KernelMode, FALSE, &until) == STATUS_SUCCESS);  // in the past
  CHECK(h.kernel().clock().elapsed() == 5000000);
}

TEST_CASE("time: KeQuerySystemTimePrecise is Windows 8's: an import-not-exported finding") {
  Harness h(ntemu::Profile::vista());
  auto scope = h.enter();
  h.advance_clock(7);
  LARGE_INTEGER now;
  KeQuerySystemTimePrecise(&now);
  CHECK(now.QuadPart == 125911584000000000LL + 7);  // still answered
  CHECK(count(h.audit(), "import-not-exported") == 1);
}

TEST_CASE("time: calendar fields out of range are refused") {
  TIME_FIELDS f{2001, 2, 29, 0, 0, 0, 0, 0};  // 2001 is no leap year
  LARGE_INTEGER t;
  t.QuadPart = 42;
  CHECK(RtlTimeFieldsToTime(&f, &t) == FALSE);
  CHECK(t.QuadPart == 42);
  f.Year = 2004;
  CHECK(RtlTimeFieldsToTime(&f, &t) == TRUE);
  TIME_FIELDS back;
  RtlTimeToTimeFields(&t, &back);
  CHECK(back.Month == 2);
  CHECK(back.Day == 29);
}
