/* SPDX-License-Identifier: MIT */
/* monitor_driver.h — a device driver for the wdk tests, in the shape of a process monitor: a
 * control device (\Device\NtemuMonitor, \??\NtemuMonitor) whose clients read the process
 * events its notify routine queued (an ERESOURCE-protected list of lookaside-allocated
 * records), and a configuration of deliberate mistakes. Shared by the driver and its tests, as
 * a driver's "common" header is shared with its user-mode client. */
#ifndef MONITOR_DRIVER_H
#define MONITOR_DRIVER_H

#include <ntddk.h>

#define MONITOR_DEVICE 0x8000
/* The queued events, as MONITOR_EVENT records (buffered). */
#define IOCTL_MONITOR_GET_EVENTS CTL_CODE(MONITOR_DEVICE, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS)
/* Echoes the input into the output, upper-cased (direct / neither I/O). */
#define IOCTL_MONITOR_ECHO_DIRECT \
  CTL_CODE(MONITOR_DEVICE, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)
#define IOCTL_MONITOR_ECHO_NEITHER CTL_CODE(MONITOR_DEVICE, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS)
/* Pends until the next process event, then completes with it. */
#define IOCTL_MONITOR_WAIT_EVENT CTL_CODE(MONITOR_DEVICE, 0x803, METHOD_BUFFERED, FILE_READ_ACCESS)
/* The requestor's process ID and the monitor's counters, formatted with RtlStringCbPrintfA. */
#define IOCTL_MONITOR_DESCRIBE CTL_CODE(MONITOR_DEVICE, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _MONITOR_EVENT {
  ULONG ProcessId;
  ULONG ParentId;
  BOOLEAN Create;
  UCHAR Reserved[3];
} MONITOR_EVENT, *PMONITOR_EVENT;

typedef struct _MONITOR_CONFIG {
  BOOLEAN KeepDevice;     /* unload deletes neither the device nor the link */
  BOOLEAN KeepResource;   /* unload does not delete the ERESOURCE */
  BOOLEAN KeepLookaside;  /* unload does not delete the lookaside list */
  BOOLEAN LeakRecords;    /* unload frees no queued record */
  BOOLEAN ForgetComplete; /* the DESCRIBE dispatch returns without completing */
  BOOLEAN CompleteTwice;  /* the DESCRIBE dispatch completes twice */
  BOOLEAN OverReport;     /* GET_EVENTS reports more bytes than the output buffer */
  BOOLEAN NoFunctions;    /* DriverEntry sets no MajorFunction entry */
} MONITOR_CONFIG;

typedef struct _MONITOR_STATS {
  LONG Opens;
  LONG Cleanups;
  LONG Closes;
  LONG Events;
  LONG Writes;
  ULONG LastRequestor; /* IoGetRequestorProcessId of the last create */
  ULONG LastCurrent;   /* PsGetCurrentProcessId in the last create */
  KPROCESSOR_MODE LastMode;
  BOOLEAN LeaveTaken; /* the __try / __leave path ran */
  NTSTATUS EntryStatus;
} MONITOR_STATS;

#ifdef __cplusplus
extern "C" {
#endif
extern MONITOR_CONFIG MonitorConfig;
extern MONITOR_STATS MonitorStats;
VOID MonitorReset(VOID);
DRIVER_INITIALIZE MonitorDriverEntry;
#ifdef __cplusplus
}
#endif

#endif /* MONITOR_DRIVER_H */
