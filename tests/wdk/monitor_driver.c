/* SPDX-License-Identifier: MIT */
/* monitor_driver.c — see monitor_driver.h. Written as Windows driver code is: <ntddk.h>, SAL,
 * MSVC syntax (__try / __leave, __FUNCTION__ concatenated with literals), and valid as C and as
 * C++ (the tests build it both ways with ntemu_add_driver). */
#include "monitor_driver.h"

#include <ntstrsafe.h>

#define MONITOR_TAG 'noMN'

typedef struct _MONITOR_RECORD {
  LIST_ENTRY Link;
  MONITOR_EVENT Event;
} MONITOR_RECORD, *PMONITOR_RECORD;
C_ASSERT(FIELD_OFFSET(MONITOR_RECORD, Link) == 0);

typedef struct _MONITOR_EXTENSION {
  ULONG Magic;
  LONG Handles;
} MONITOR_EXTENSION, *PMONITOR_EXTENSION;

MONITOR_CONFIG MonitorConfig;
MONITOR_STATS MonitorStats;

static ERESOURCE MonitorLock;  /* guards MonitorList and MonitorWaiter */
static LIST_ENTRY MonitorList; /* MONITOR_RECORDs, oldest first */
static NPAGED_LOOKASIDE_LIST MonitorRecords;
static PIRP MonitorWaiter; /* a pending IOCTL_MONITOR_WAIT_EVENT */
static KSPIN_LOCK MonitorCounterLock;
static ULONG MonitorCounter;
static KGUARDED_MUTEX MonitorOpenMutex;
static PDEVICE_OBJECT MonitorDevice;
static UNICODE_STRING MonitorDeviceName = RTL_CONSTANT_STRING(L"\\Device\\NtemuMonitor");
static UNICODE_STRING MonitorLinkName = RTL_CONSTANT_STRING(L"\\??\\NtemuMonitor");

VOID MonitorReset(VOID) {
  RtlZeroMemory(&MonitorConfig, sizeof(MonitorConfig));
  RtlZeroMemory(&MonitorStats, sizeof(MonitorStats));
}

static VOID MonitorCount(VOID) {
  KLOCK_QUEUE_HANDLE handle;
  KeAcquireInStackQueuedSpinLock(&MonitorCounterLock, &handle);
  ++MonitorCounter;
  KeReleaseInStackQueuedSpinLock(&handle);
}

static VOID MonitorProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create) {
  PMONITOR_RECORD record = (PMONITOR_RECORD)ExAllocateFromNPagedLookasideList(&MonitorRecords);
  PIRP waiter;
  if (record == NULL) return;
  record->Event.ProcessId = HandleToULong(ProcessId);
  record->Event.ParentId = HandleToULong(ParentId);
  record->Event.Create = Create;
  InterlockedIncrement(&MonitorStats.Events);
  MonitorCount();
  ExEnterCriticalRegionAndAcquireResourceExclusive(&MonitorLock);
  waiter = MonitorWaiter;
  MonitorWaiter = NULL;
  if (waiter == NULL) InsertTailList(&MonitorList, &record->Link);
  ExReleaseResourceAndLeaveCriticalRegion(&MonitorLock);
  if (waiter != NULL) {
    /* The pended request gets this event. */
    RtlCopyMemory(waiter->AssociatedIrp.SystemBuffer, &record->Event, sizeof(MONITOR_EVENT));
    waiter->IoStatus.Status = STATUS_SUCCESS;
    waiter->IoStatus.Information = sizeof(MONITOR_EVENT);
    IoCompleteRequest(waiter, IO_NO_INCREMENT);
    ExFreeToNPagedLookasideList(&MonitorRecords, record);
  }
}

static NTSTATUS MonitorComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

_Dispatch_type_(IRP_MJ_CREATE) static DRIVER_DISPATCH MonitorCreate;
_Use_decl_annotations_ static NTSTATUS MonitorCreate(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PMONITOR_EXTENSION extension = (PMONITOR_EXTENSION)DeviceObject->DeviceExtension;
  KeAcquireGuardedMutex(&MonitorOpenMutex);
  ++extension->Handles;
  KeReleaseGuardedMutex(&MonitorOpenMutex);
  InterlockedIncrement(&MonitorStats.Opens);
  MonitorStats.LastRequestor = IoGetRequestorProcessId(Irp);
  MonitorStats.LastCurrent = HandleToULong(PsGetCurrentProcessId());
  MonitorStats.LastMode = ExGetPreviousMode();
  ASSERT(extension->Magic == 0x4D4F4E31UL);
  return MonitorComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS MonitorCleanupOrClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  PMONITOR_EXTENSION extension = (PMONITOR_EXTENSION)DeviceObject->DeviceExtension;
  if (stack->MajorFunction == IRP_MJ_CLEANUP) {
    InterlockedIncrement(&MonitorStats.Cleanups);
  } else {
    InterlockedIncrement(&MonitorStats.Closes);
    KeAcquireGuardedMutex(&MonitorOpenMutex);
    --extension->Handles;
    KeReleaseGuardedMutex(&MonitorOpenMutex);
  }
  return MonitorComplete(Irp, STATUS_SUCCESS, 0);
}

/* Copies whole queued events into the buffer, oldest first. */
static ULONG MonitorDrain(PUCHAR Buffer, ULONG Length) {
  ULONG copied = 0;
  ExEnterCriticalRegionAndAcquireResourceExclusive(&MonitorLock);
  while (!IsListEmpty(&MonitorList) && Length - copied >= sizeof(MONITOR_EVENT)) {
    PMONITOR_RECORD record = CONTAINING_RECORD(RemoveHeadList(&MonitorList), MONITOR_RECORD, Link);
    RtlCopyMemory(Buffer + copied, &record->Event, sizeof(MONITOR_EVENT));
    copied += (ULONG)sizeof(MONITOR_EVENT);
    ExFreeToNPagedLookasideList(&MonitorRecords, record);
  }
  ExReleaseResourceAndLeaveCriticalRegion(&MonitorLock);
  return copied;
}

static VOID MonitorUpcase(PUCHAR Out, const UCHAR* In, ULONG Length) {
  ULONG i;
  for (i = 0; i < Length; ++i) {
    UCHAR c = In[i];
    Out[i] = (UCHAR)((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
  }
}

_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) static DRIVER_DISPATCH MonitorControl;
_Use_decl_annotations_ static NTSTATUS MonitorControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  ULONG in = stack->Parameters.DeviceIoControl.InputBufferLength;
  ULONG out = stack->Parameters.DeviceIoControl.OutputBufferLength;
  NTSTATUS status = STATUS_SUCCESS;
  ULONG_PTR information = 0;
  UNREFERENCED_PARAMETER(DeviceObject);
  switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_MONITOR_GET_EVENTS:
      if (out < sizeof(MONITOR_EVENT)) {
        status = STATUS_BUFFER_TOO_SMALL;
        break;
      }
      information = MonitorDrain((PUCHAR)Irp->AssociatedIrp.SystemBuffer, out);
      if (MonitorConfig.OverReport) information = (ULONG_PTR)out + 16;
      break;
    case IOCTL_MONITOR_ECHO_DIRECT: {
      PUCHAR target;
      if (Irp->MdlAddress == NULL || out < in) {
        status = STATUS_BUFFER_TOO_SMALL;
        break;
      }
      target = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
      MonitorUpcase(target, (const UCHAR*)Irp->AssociatedIrp.SystemBuffer, in);
      information = in;
      break;
    }
    case IOCTL_MONITOR_ECHO_NEITHER:
      __try {
        ProbeForRead(stack->Parameters.DeviceIoControl.Type3InputBuffer, in, 1);
        ProbeForWrite(Irp->UserBuffer, out, 1);
        if (out < in) {
          status = STATUS_BUFFER_TOO_SMALL;
          MonitorStats.LeaveTaken = TRUE;
          __leave;
        }
        MonitorUpcase((PUCHAR)Irp->UserBuffer,
                      (const UCHAR*)stack->Parameters.DeviceIoControl.Type3InputBuffer, in);
        information = in;
      } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
      }
      break;
    case IOCTL_MONITOR_WAIT_EVENT:
      if (out < sizeof(MONITOR_EVENT)) {
        status = STATUS_BUFFER_TOO_SMALL;
        break;
      }
      ExEnterCriticalRegionAndAcquireResourceExclusive(&MonitorLock);
      if (MonitorWaiter != NULL) {
        status = STATUS_DEVICE_BUSY;
      } else {
        IoMarkIrpPending(Irp);
        MonitorWaiter = Irp;
        status = STATUS_PENDING;
      }
      ExReleaseResourceAndLeaveCriticalRegion(&MonitorLock);
      if (status == STATUS_PENDING) return status;
      break;
    case IOCTL_MONITOR_DESCRIBE: {
      size_t length = 0;
      status =
          RtlStringCbPrintfA((NTSTRSAFE_PSTR)Irp->AssociatedIrp.SystemBuffer, out,
                             "requestor %lu events %ld counter %lu", IoGetRequestorProcessId(Irp),
                             MonitorStats.Events, MonitorCounter);
      if (NT_SUCCESS(status)) {
        status = RtlStringCbLengthA((NTSTRSAFE_PCSTR)Irp->AssociatedIrp.SystemBuffer, out, &length);
        information = length + 1;
      }
      if (MonitorConfig.ForgetComplete) return status;
      if (MonitorConfig.CompleteTwice) {
        Irp->IoStatus.Status = status;
        Irp->IoStatus.Information = information;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
      }
      break;
    }
    default:
      status = STATUS_INVALID_DEVICE_REQUEST;
      break;
  }
  return MonitorComplete(Irp, status, information);
}

/* Reads drain the queue too; the device does buffered I/O. */
static NTSTATUS MonitorRead(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  UNREFERENCED_PARAMETER(DeviceObject);
  return MonitorComplete(
      Irp, STATUS_SUCCESS,
      MonitorDrain((PUCHAR)Irp->AssociatedIrp.SystemBuffer, stack->Parameters.Read.Length));
}

static NTSTATUS MonitorWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  UNREFERENCED_PARAMETER(DeviceObject);
  InterlockedExchangeAdd(&MonitorStats.Writes, (LONG)stack->Parameters.Write.Length);
  return MonitorComplete(Irp, STATUS_SUCCESS, stack->Parameters.Write.Length);
}

static DRIVER_UNLOAD MonitorUnload;
static VOID MonitorUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  PAGED_CODE();
  NT_VERIFY(NT_SUCCESS(PsSetCreateProcessNotifyRoutine(MonitorProcessNotify, TRUE)));
  if (!MonitorConfig.LeakRecords) {
    while (!IsListEmpty(&MonitorList)) {
      ExFreeToNPagedLookasideList(&MonitorRecords, RemoveHeadList(&MonitorList));
    }
  }
  if (!MonitorConfig.KeepLookaside) ExDeleteNPagedLookasideList(&MonitorRecords);
  if (!MonitorConfig.KeepResource) ExDeleteResourceLite(&MonitorLock);
  if (!MonitorConfig.KeepDevice) {
    IoDeleteSymbolicLink(&MonitorLinkName);
    IoDeleteDevice(MonitorDevice);
  }
  DbgPrint("monitor: " __FUNCTION__ ": unloaded\n");
}

NTSTATUS MonitorDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  NTSTATUS status;
  PMONITOR_EXTENSION extension;
  UNREFERENCED_PARAMETER(RegistryPath);
  InitializeListHead(&MonitorList);
  MonitorWaiter = NULL;
  MonitorCounter = 0;
  KeInitializeSpinLock(&MonitorCounterLock);
  KeInitializeGuardedMutex(&MonitorOpenMutex);
  status = IoCreateDevice(DriverObject, sizeof(MONITOR_EXTENSION), &MonitorDeviceName,
                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, FALSE, &MonitorDevice);
  if (!NT_SUCCESS(status)) return status;
  extension = (PMONITOR_EXTENSION)MonitorDevice->DeviceExtension;
  extension->Magic = 0x4D4F4E31UL;
  MonitorDevice->Flags |= DO_BUFFERED_IO;
  status = IoCreateSymbolicLink(&MonitorLinkName, &MonitorDeviceName);
  if (!NT_SUCCESS(status)) {
    IoDeleteDevice(MonitorDevice);
    return status;
  }
  ExInitializeResourceLite(&MonitorLock);
  ExInitializeNPagedLookasideList(&MonitorRecords, NULL, NULL, POOL_NX_ALLOCATION,
                                  sizeof(MONITOR_RECORD), MONITOR_TAG, 0);
  status = PsSetCreateProcessNotifyRoutine(MonitorProcessNotify, FALSE);
  MonitorStats.EntryStatus = status;
  if (!NT_SUCCESS(status)) {
    ExDeleteNPagedLookasideList(&MonitorRecords);
    ExDeleteResourceLite(&MonitorLock);
    IoDeleteSymbolicLink(&MonitorLinkName);
    IoDeleteDevice(MonitorDevice);
    return status;
  }
  if (!MonitorConfig.NoFunctions) {
    DriverObject->MajorFunction[IRP_MJ_CREATE] = MonitorCreate;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = MonitorCleanupOrClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = MonitorCleanupOrClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = MonitorControl;
    DriverObject->MajorFunction[IRP_MJ_READ] = MonitorRead;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = MonitorWrite;
  }
  DriverObject->DriverUnload = MonitorUnload;
  KdPrint(
      ("monitor: " __FUNCTION__ ": loaded, %wZ -> %wZ\n", &MonitorLinkName, &MonitorDeviceName));
  return STATUS_SUCCESS;
}
