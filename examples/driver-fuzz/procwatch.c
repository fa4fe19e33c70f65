/* SPDX-License-Identifier: MIT */
/* procwatch.c — see procwatch.h. Ordinary WDK-style C. */
#include "procwatch.h"

#define PROCWATCH_TAG 0x68635750UL /* 'PWch' */

typedef struct _PROC_RECORD {
  LIST_ENTRY Link;
  HANDLE ProcessId;
  LONG Threads;
  LONG Images;
} PROC_RECORD, *PPROC_RECORD;

BOOLEAN ProcWatchSeededBug = FALSE;
static LIST_ENTRY Records;
static KSPIN_LOCK RecordsLock;
static ULONG RecordCount;
static BOOLEAN RemoveImageRoutine;

static DRIVER_UNLOAD ProcWatchUnload;

VOID ProcWatchReset(VOID) {
  RtlZeroMemory(&Records, sizeof(Records));
  RecordCount = 0;
  RemoveImageRoutine = FALSE;
}

ULONG ProcWatchCount(VOID) {
  return RecordCount;
}

/* The record of ProcessId, or NULL. Called with RecordsLock held. */
static PPROC_RECORD Find(HANDLE ProcessId) {
  PLIST_ENTRY e;
  for (e = Records.Flink; e != &Records; e = e->Flink) {
    PPROC_RECORD r = CONTAINING_RECORD(e, PROC_RECORD, Link);
    if (r->ProcessId == ProcessId) return r;
  }
  return NULL;
}

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create) {
  KIRQL irql;
  PPROC_RECORD r = NULL;
  UNREFERENCED_PARAMETER(ParentId);
  if (Create) {
    r = (PPROC_RECORD)ExAllocatePoolWithTag(NonPagedPool, sizeof(*r), PROCWATCH_TAG);
    if (r == NULL) return;
    RtlZeroMemory(r, sizeof(*r));
    r->ProcessId = ProcessId;
    KeAcquireSpinLock(&RecordsLock, &irql);
    InsertTailList(&Records, &r->Link);
    ++RecordCount;
    KeReleaseSpinLock(&RecordsLock, irql);
    return;
  }
  KeAcquireSpinLock(&RecordsLock, &irql);
  r = Find(ProcessId);
  if (r != NULL) {
    RemoveEntryList(&r->Link);
    --RecordCount;
  }
  KeReleaseSpinLock(&RecordsLock, irql);
  if (r != NULL) ExFreePoolWithTag(r, PROCWATCH_TAG);
}

static VOID OnThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create) {
  KIRQL irql;
  PPROC_RECORD r;
  UNREFERENCED_PARAMETER(ThreadId);
  KeAcquireSpinLock(&RecordsLock, &irql);
  r = Find(ProcessId);
  if (r != NULL) r->Threads += Create ? 1 : -1;
  KeReleaseSpinLock(&RecordsLock, irql);
}

static VOID OnImage(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo) {
  KIRQL irql;
  PPROC_RECORD r;
  UNREFERENCED_PARAMETER(FullImageName);
  if (ImageInfo == NULL || ImageInfo->SystemModeImage) return;
  KeAcquireSpinLock(&RecordsLock, &irql);
  r = Find(ProcessId);
  if (r != NULL) ++r->Images;
  KeReleaseSpinLock(&RecordsLock, irql);
}

static VOID ProcWatchUnload(PDRIVER_OBJECT DriverObject) {
  KIRQL irql;
  UNREFERENCED_PARAMETER(DriverObject);
  PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
  PsRemoveCreateThreadNotifyRoutine(OnThread);
  if (RemoveImageRoutine) PsRemoveLoadImageNotifyRoutine(OnImage);
  if (ProcWatchSeededBug) return; /* the mistake: records of running processes stay allocated */
  KeAcquireSpinLock(&RecordsLock, &irql);
  while (!IsListEmpty(&Records)) {
    PPROC_RECORD r = CONTAINING_RECORD(RemoveHeadList(&Records), PROC_RECORD, Link);
    --RecordCount;
    ExFreePoolWithTag(r, PROCWATCH_TAG);
  }
  KeReleaseSpinLock(&RecordsLock, irql);
}

NTSTATUS ProcWatchEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  NTSTATUS status;
  UNREFERENCED_PARAMETER(RegistryPath);
  InitializeListHead(&Records);
  KeInitializeSpinLock(&RecordsLock);
  RecordCount = 0;
  /* The thread routine's removal is XP's: on Windows 2000 this driver does not load. */
  {
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, L"PsRemoveCreateThreadNotifyRoutine");
    if (MmGetSystemRoutineAddress(&name) == NULL) return STATUS_NOT_SUPPORTED;
  }
  status = PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
  if (!NT_SUCCESS(status)) return status;
  status = PsSetCreateThreadNotifyRoutine(OnThread);
  if (!NT_SUCCESS(status)) {
    PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
    return status;
  }
  RemoveImageRoutine = NT_SUCCESS(PsSetLoadImageNotifyRoutine(OnImage));
  DriverObject->DriverUnload = ProcWatchUnload;
  return STATUS_SUCCESS;
}
