/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ketime.h: time as a driver reads it — KeQuerySystemTime(Precise),
 * KeQueryInterruptTime, KeQueryTickCount, KeQueryTimeIncrement, KeQueryPerformanceCounter,
 * ExSystemTimeToLocalTime / ExLocalTimeToSystemTime, RtlTimeToTimeFields /
 * RtlTimeFieldsToTime. Every reading comes from the kernel's deterministic model clock
 * (include/ntemu/ke/clock.hpp): it starts at 2000-01-01 00:00:00 UTC at boot and moves only
 * when the test or scenario advances it (Harness::advance_clock), or by the interval of a
 * KeDelayExecutionThread; the model's time zone is UTC. Outside a kernel every reading is 0.
 * Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_KETIME_H
#define NTEMU_WDK_KETIME_H

#include "ntemu/wdk/ntdef.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _TIME_FIELDS {
  CSHORT Year; /* 1601 ... */
  CSHORT Month;
  CSHORT Day;
  CSHORT Hour;
  CSHORT Minute;
  CSHORT Second;
  CSHORT Milliseconds;
  CSHORT Weekday; /* 0 = Sunday */
} TIME_FIELDS, *PTIME_FIELDS;

/* The system time (100 ns units since 1601-01-01 UTC) at the last clock tick. */
VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime);
/* The system time now. Windows 8 and later only: on the profiles ntemu models it is an
 * `import-not-exported` finding (the driver would not load), and the time is still stored. */
VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime);
/* 100 ns units since boot, at the last clock tick. */
ULONGLONG KeQueryInterruptTime(VOID);
/* Clock ticks since boot (a function here; a macro over KeTickCount in some WDKs). */
VOID KeQueryTickCount(PLARGE_INTEGER TickCount);
/* 100 ns units per clock tick: 156250 (15.625 ms). */
ULONG KeQueryTimeIncrement(VOID);
/* Counts since boot; the frequency (3579545 Hz) in *PerformanceFrequency when given. */
LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency);
/* The model's time zone is UTC: both copy the time. */
VOID ExSystemTimeToLocalTime(PLARGE_INTEGER SystemTime, PLARGE_INTEGER LocalTime);
VOID ExLocalTimeToSystemTime(PLARGE_INTEGER LocalTime, PLARGE_INTEGER SystemTime);
/* The Gregorian calendar fields of a time (negative times: all fields 0). */
VOID RtlTimeToTimeFields(PLARGE_INTEGER Time, PTIME_FIELDS TimeFields);
/* The time of calendar fields; FALSE (Time unchanged) for fields out of range. */
BOOLEAN RtlTimeFieldsToTime(PTIME_FIELDS TimeFields, PLARGE_INTEGER Time);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_KETIME_H */
