/* SPDX-License-Identifier: MIT */
/* tracker.h — the example process-tracking driver's interface to its tests. A real driver would
 * answer these queries through an IOCTL; the test suite calls them directly. */
#ifndef TRACKER_H
#define TRACKER_H

#include <ntemu/wdk.h> /* on a real build: <ntddk.h> */

#ifdef __cplusplus
extern "C" {
#endif

DRIVER_INITIALIZE DriverEntry;
VOID TrackerProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create);
VOID TrackerThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create);

/* How many processes the table holds. */
ULONG TrackerCount(VOID);
/* Whether the table holds a record for ProcessId. */
BOOLEAN TrackerIsTracked(HANDLE ProcessId);
/* The live-thread count of ProcessId's record (only kept where the thread routine can be
 * removed again, XP and later), or -1 if there is no record. */
LONG TrackerThreadCount(HANDLE ProcessId);

#ifdef __cplusplus
}
#endif

#endif /* TRACKER_H */
