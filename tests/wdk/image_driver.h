/* SPDX-License-Identifier: MIT */
/* image_driver.h — an image-load monitor written as a real driver is: a load-image routine that
 * logs each image (name, process, base, size, kernel or user), and a process routine that reads
 * the new process's short name (PsGetProcessImageFileName) and, where the version exports it,
 * its full path (SeLocateProcessImageName). Routines the version may lack are probed with
 * MmGetSystemRoutineAddress, as a driver that loads on several versions must. */
#ifndef IMAGE_DRIVER_H
#define IMAGE_DRIVER_H

#include <ntemu/wdk.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IMAGE_LOG_SIZE 16
#define IMAGE_NAME_CHARS 96

typedef struct _IMAGE_LOG_ENTRY {
  HANDLE ProcessId;
  CHAR Name[IMAGE_NAME_CHARS]; /* FullImageName, narrowed */
  ULONG SystemModeImage;
  ULONG AddressingMode;
  PVOID Base;
  SIZE_T Size;
  HANDLE CurrentProcessId; /* whose context the routine ran in */
} IMAGE_LOG_ENTRY;

typedef struct _IMAGE_MONITOR {
  BOOLEAN UseEx;     /* register with PsSetLoadImageNotifyRoutineEx when exported */
  BOOLEAN FreeNames; /* free SeLocateProcessImageName's block (FALSE: a pool leak) */
  NTSTATUS RegisterStatus;
  NTSTATUS RemoveStatus; /* at unload; STATUS_NOT_IMPLEMENTED when not exported */
  ULONG Count;           /* images seen (the log keeps the first IMAGE_LOG_SIZE) */
  IMAGE_LOG_ENTRY Log[IMAGE_LOG_SIZE];
  ULONG ProcessCreates;
  CHAR ShortName[16];    /* PsGetProcessImageFileName of the last process created */
  NTSTATUS LocateStatus; /* SeLocateProcessImageName's status (NOT_IMPLEMENTED: not exported) */
  CHAR FullName[IMAGE_NAME_CHARS];
} IMAGE_MONITOR;

extern IMAGE_MONITOR ImageMonitor;

VOID ImageMonitorReset(VOID);
DRIVER_INITIALIZE ImageMonitorEntry;
VOID ImageMonitorLoadImage(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo);
VOID ImageMonitorProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create);

#ifdef __cplusplus
}
#endif

#endif /* IMAGE_DRIVER_H */
