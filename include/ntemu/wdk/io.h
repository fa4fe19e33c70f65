/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/io.h: the I/O manager's driver object — DRIVER_OBJECT and the DriverEntry,
 * DriverUnload and dispatch routine types. The harness (ntemu/harness.hpp) builds the object
 * and calls DriverEntry with it. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_IO_H
#define NTEMU_WDK_IO_H

#include "ntemu/wdk/ntdef.h"

struct _DEVICE_OBJECT;
struct _IRP;
struct _DRIVER_OBJECT;
typedef NTSTATUS DRIVER_INITIALIZE(struct _DRIVER_OBJECT* DriverObject,
                                   PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE* PDRIVER_INITIALIZE;
typedef VOID DRIVER_UNLOAD(struct _DRIVER_OBJECT* DriverObject);
typedef DRIVER_UNLOAD* PDRIVER_UNLOAD;
typedef NTSTATUS DRIVER_DISPATCH(struct _DEVICE_OBJECT* DeviceObject, struct _IRP* Irp);
typedef DRIVER_DISPATCH* PDRIVER_DISPATCH;

#define IRP_MJ_MAXIMUM_FUNCTION 0x1b

/* The documented members; ntemu fills DriverName, DriverInit and HardwareDatabase and reads
 * DriverUnload. DriverExtension, FastIoDispatch and DriverStartIo stay NULL. */
typedef struct _DRIVER_OBJECT {
  SHORT Type;
  SHORT Size;
  struct _DEVICE_OBJECT* DeviceObject;
  ULONG Flags;
  PVOID DriverStart;
  ULONG DriverSize;
  PVOID DriverSection;
  PVOID DriverExtension;
  UNICODE_STRING DriverName;
  PUNICODE_STRING HardwareDatabase;
  PVOID FastIoDispatch;
  PDRIVER_INITIALIZE DriverInit;
  PVOID DriverStartIo;
  PDRIVER_UNLOAD DriverUnload;
  PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
} DRIVER_OBJECT, *PDRIVER_OBJECT;

#endif /* NTEMU_WDK_IO_H */
