/* SPDX-License-Identifier: MIT */
/* driver.c — a process and thread monitor, as Windows driver code is written: it queues an
 * event record (from a lookaside list) for every process and thread start and exit, under an
 * ERESOURCE, and hands them to its client through IOCTL_PROCWATCH_READ_EVENTS on
 * \\.\ProcWatch. Built unchanged as C and as C++ against an installed ntemu. */
#include "driver.h"

#define PROCWATCH_TAG 'hcWP'

typedef struct _PROCWATCH_ENTRY {
  LIST_ENTRY Link;
  PROCWATCH_EVENT Event;
} PROCWATCH_ENTRY, *PPROCWATCH_ENTRY;

static ERESOURCE g_Lock;
static LIST_ENTRY g_Events;
static NPAGED_LOOKASIDE_LIST g_Entries;
static LONG g_Sequence;
static PDEVICE_OBJECT g_Device;
static BOOLEAN g_ThreadRoutine;
static UNICODE_STRING g_DeviceName = RTL_CONSTANT_STRING(L"\\Device\\ProcWatch");
static UNICODE_STRING g_LinkName = RTL_CONSTANT_STRING(L"\\??\\ProcWatch");

static VOID Queue(PROCWATCH_KIND Kind, HANDLE ProcessId, HANDLE ThreadId) {
  PPROCWATCH_ENTRY entry = (PPROCWATCH_ENTRY)ExAllocateFromNPagedLookasideList(&g_Entries);
  if (entry == NULL) {
    KdPrint(("procwatch: " __FUNCTION__ ": out of memory\n"));
    return;
  }
  entry->Event.Kind = (ULONG)Kind;
  entry->Event.ProcessId = HandleToULong(ProcessId);
  entry->Event.ThreadId = HandleToULong(ThreadId);
  entry->Event.Sequence = (ULONG)InterlockedIncrement(&g_Sequence);
  ExEnterCriticalRegionAndAcquireResourceExclusive(&g_Lock);
  InsertTailList(&g_Events, &entry->Link);
  ExReleaseResourceAndLeaveCriticalRegion(&g_Lock);
}

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create) {
  UNREFERENCED_PARAMETER(ParentId);
  Queue(Create ? ProcessStarted : ProcessExited, ProcessId, NULL);
}

static VOID OnThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create) {
  Queue(Create ? ThreadStarted : ThreadExited, ProcessId, ThreadId);
}

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) static DRIVER_DISPATCH CreateClose;
static NTSTATUS CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  return Complete(Irp, STATUS_SUCCESS, 0);
}

_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) static DRIVER_DISPATCH Control;
static NTSTATUS Control(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  ULONG length = stack->Parameters.DeviceIoControl.OutputBufferLength;
  PUCHAR out = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
  ULONG copied = 0;
  UNREFERENCED_PARAMETER(DeviceObject);
  if (stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_PROCWATCH_READ_EVENTS)
    return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  if (length < sizeof(PROCWATCH_EVENT)) return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
  ExEnterCriticalRegionAndAcquireResourceExclusive(&g_Lock);
  while (!IsListEmpty(&g_Events) && length - copied >= sizeof(PROCWATCH_EVENT)) {
    PPROCWATCH_ENTRY entry = CONTAINING_RECORD(RemoveHeadList(&g_Events), PROCWATCH_ENTRY, Link);
    RtlCopyMemory(out + copied, &entry->Event, sizeof(PROCWATCH_EVENT));
    copied += (ULONG)sizeof(PROCWATCH_EVENT);
    ExFreeToNPagedLookasideList(&g_Entries, entry);
  }
  ExReleaseResourceAndLeaveCriticalRegion(&g_Lock);
  return Complete(Irp, STATUS_SUCCESS, copied);
}

static DRIVER_UNLOAD Unload;
static VOID Unload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
  if (g_ThreadRoutine) PsRemoveCreateThreadNotifyRoutine(OnThread);
  while (!IsListEmpty(&g_Events))
    ExFreeToNPagedLookasideList(&g_Entries, RemoveHeadList(&g_Events));
  ExDeleteNPagedLookasideList(&g_Entries);
  ExDeleteResourceLite(&g_Lock);
  IoDeleteSymbolicLink(&g_LinkName);
  IoDeleteDevice(g_Device);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  NTSTATUS status;
  UNREFERENCED_PARAMETER(RegistryPath);
  InitializeListHead(&g_Events);
  g_Sequence = 0;
  status = IoCreateDevice(DriverObject, 0, &g_DeviceName, FILE_DEVICE_UNKNOWN,
                          FILE_DEVICE_SECURE_OPEN, FALSE, &g_Device);
  if (!NT_SUCCESS(status)) return status;
  g_Device->Flags |= DO_BUFFERED_IO;
  status = IoCreateSymbolicLink(&g_LinkName, &g_DeviceName);
  if (!NT_SUCCESS(status)) {
    IoDeleteDevice(g_Device);
    return status;
  }
  ExInitializeResourceLite(&g_Lock);
  ExInitializeNPagedLookasideList(&g_Entries, NULL, NULL, 0, sizeof(PROCWATCH_ENTRY), PROCWATCH_TAG,
                                  0);
  status = PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
  if (NT_SUCCESS(status)) {
    /* Removable only where PsRemoveCreateThreadNotifyRoutine exists (XP and later). */
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"PsRemoveCreateThreadNotifyRoutine");
    g_ThreadRoutine = MmGetSystemRoutineAddress(&name) != NULL &&
                      NT_SUCCESS(PsSetCreateThreadNotifyRoutine(OnThread));
  }
  if (!NT_SUCCESS(status)) {
    ExDeleteNPagedLookasideList(&g_Entries);
    ExDeleteResourceLite(&g_Lock);
    IoDeleteSymbolicLink(&g_LinkName);
    IoDeleteDevice(g_Device);
    return status;
  }
  DriverObject->MajorFunction[IRP_MJ_CREATE] = CreateClose;
  DriverObject->MajorFunction[IRP_MJ_CLOSE] = CreateClose;
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Control;
  DriverObject->DriverUnload = Unload;
  return STATUS_SUCCESS;
}
