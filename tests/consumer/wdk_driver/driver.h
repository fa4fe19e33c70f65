/* SPDX-License-Identifier: MIT */
/* driver.h — what the monitor driver and its user-mode client share: the device's name, its
 * control codes and the event record, as a driver's common header does. */
#ifndef PROCWATCH_DRIVER_H
#define PROCWATCH_DRIVER_H

#include <ntddk.h>

#define PROCWATCH_DEVICE_TYPE 0x8337
#define IOCTL_PROCWATCH_READ_EVENTS \
  CTL_CODE(PROCWATCH_DEVICE_TYPE, 0x900, METHOD_BUFFERED, FILE_READ_ACCESS)

typedef enum _PROCWATCH_KIND {
  ProcessStarted = 1,
  ProcessExited,
  ThreadStarted,
  ThreadExited
} PROCWATCH_KIND;

typedef struct _PROCWATCH_EVENT {
  ULONG Kind;
  ULONG ProcessId;
  ULONG ThreadId; /* 0 for process events */
  ULONG Sequence;
} PROCWATCH_EVENT;

#ifdef __cplusplus
extern "C" {
#endif
DRIVER_INITIALIZE DriverEntry;
#ifdef __cplusplus
}
#endif

#endif
