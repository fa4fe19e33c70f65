/* SPDX-License-Identifier: MIT */
/* tracker.c — a small process-tracking driver, written as ordinary WDK-style C: a table of the
 * running processes, kept from the process and thread create-notify routines, under a fast
 * mutex, in tagged non-paged pool.
 *
 * It carries one deliberate bug, BUG(tracker-stale-pid), marked below. Ordinary start/exit
 * sequences never show it; the zero-PID path does (docs/driver-testing.md). */
#include "tracker.h"

#define TRACKER_TAG 0x6B725450UL /* 'krTP': shows as "PTrk" in pool dumps */

typedef struct _TRACKED_PROCESS {
  LIST_ENTRY Link;
  HANDLE ProcessId;
  HANDLE ParentId;
  LONG Threads;
} TRACKED_PROCESS, *PTRACKED_PROCESS;

static LIST_ENTRY TrackerList;
static FAST_MUTEX TrackerLock;
static ULONG TrackerEntries;
static BOOLEAN TrackerThreadRoutineSet;

static ULONG PidNumber(HANDLE Id) {
  return (ULONG)(ULONG_PTR)Id;
}

/* Caller holds TrackerLock. */
static PTRACKED_PROCESS TrackerFindLocked(HANDLE ProcessId) {
  PLIST_ENTRY entry;
  for (entry = TrackerList.Flink; entry != &TrackerList; entry = entry->Flink) {
    PTRACKED_PROCESS record = CONTAINING_RECORD(entry, TRACKED_PROCESS, Link);
    if (record->ProcessId == ProcessId) return record;
  }
  return NULL;
}

VOID TrackerProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create) {
  PTRACKED_PROCESS record;
  PAGED_CODE();

  if (Create) {
    record =
        (PTRACKED_PROCESS)ExAllocatePoolWithTag(NonPagedPool, sizeof(TRACKED_PROCESS), TRACKER_TAG);
    if (record == NULL) {
      DbgPrint("tracker: no memory to track process %lu\n", PidNumber(ProcessId));
      return;
    }
    RtlZeroMemory(record, sizeof(TRACKED_PROCESS));
    record->ProcessId = ProcessId;
    record->ParentId = ParentId;
    ExAcquireFastMutex(&TrackerLock);
    /* BUG(tracker-stale-pid): records are keyed by the PID alone, and a process is assumed to
     * be announced once, under one PID, with its exit announced under that same PID. When a
     * running process's UniqueProcessId is overwritten, neither holds: Windows 2000 announces
     * the process again under a new PID, and every version announces its exit under the
     * current value. The record of the first PID is then never removed. */
    InsertTailList(&TrackerList, &record->Link);
    ++TrackerEntries;
    ExReleaseFastMutex(&TrackerLock);
    DbgPrint("tracker: + process %lu (parent %lu)\n", PidNumber(ProcessId), PidNumber(ParentId));
    return;
  }

  ExAcquireFastMutex(&TrackerLock);
  record = TrackerFindLocked(ProcessId);
  if (record != NULL) {
    RemoveEntryList(&record->Link);
    --TrackerEntries;
  }
  ExReleaseFastMutex(&TrackerLock);
  if (record == NULL) {
    DbgPrint("tracker: exit of untracked process %lu\n", PidNumber(ProcessId));
    return;
  }
  ExFreePoolWithTag(record, TRACKER_TAG);
  DbgPrint("tracker: - process %lu\n", PidNumber(ProcessId));
}

VOID TrackerThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create) {
  PTRACKED_PROCESS record;
  UNREFERENCED_PARAMETER(ThreadId);

  ExAcquireFastMutex(&TrackerLock);
  record = TrackerFindLocked(ProcessId);
  if (record != NULL) record->Threads += Create ? 1 : -1;
  ExReleaseFastMutex(&TrackerLock);
}

ULONG TrackerCount(VOID) {
  ULONG count;
  ExAcquireFastMutex(&TrackerLock);
  count = TrackerEntries;
  ExReleaseFastMutex(&TrackerLock);
  return count;
}

BOOLEAN TrackerIsTracked(HANDLE ProcessId) {
  BOOLEAN tracked;
  ExAcquireFastMutex(&TrackerLock);
  tracked = TrackerFindLocked(ProcessId) != NULL;
  ExReleaseFastMutex(&TrackerLock);
  return tracked;
}

LONG TrackerThreadCount(HANDLE ProcessId) {
  PTRACKED_PROCESS record;
  LONG threads = -1;
  ExAcquireFastMutex(&TrackerLock);
  record = TrackerFindLocked(ProcessId);
  if (record != NULL) threads = record->Threads;
  ExReleaseFastMutex(&TrackerLock);
  return threads;
}

static VOID TrackerUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  PAGED_CODE();

  if (TrackerThreadRoutineSet) {
    (void)PsRemoveCreateThreadNotifyRoutine(TrackerThreadNotify);
  }
  (void)PsSetCreateProcessNotifyRoutine(TrackerProcessNotify, TRUE);

  /* No routine runs any more: free what is left. */
  while (!IsListEmpty(&TrackerList)) {
    PLIST_ENTRY entry = RemoveHeadList(&TrackerList);
    ExFreePoolWithTag(CONTAINING_RECORD(entry, TRACKED_PROCESS, Link), TRACKER_TAG);
  }
  TrackerEntries = 0;
  DbgPrint("tracker: unloaded\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  NTSTATUS status;
  UNICODE_STRING removeName;
  UNREFERENCED_PARAMETER(RegistryPath);

  InitializeListHead(&TrackerList);
  ExInitializeFastMutex(&TrackerLock);
  TrackerEntries = 0;
  TrackerThreadRoutineSet = FALSE;

  status = PsSetCreateProcessNotifyRoutine(TrackerProcessNotify, FALSE);
  if (!NT_SUCCESS(status)) {
    DbgPrint("tracker: PsSetCreateProcessNotifyRoutine failed 0x%08X\n", (unsigned)status);
    return status;
  }

  /* A thread routine can only be removed where PsRemoveCreateThreadNotifyRoutine exists (not
   * on Windows 2000); register one only there, so the driver stays unloadable. */
  RtlInitUnicodeString(&removeName, L"PsRemoveCreateThreadNotifyRoutine");
  if (MmGetSystemRoutineAddress(&removeName) != NULL) {
    status = PsSetCreateThreadNotifyRoutine(TrackerThreadNotify);
    if (!NT_SUCCESS(status)) {
      (void)PsSetCreateProcessNotifyRoutine(TrackerProcessNotify, TRUE);
      return status;
    }
    TrackerThreadRoutineSet = TRUE;
  }

  DriverObject->DriverUnload = TrackerUnload;
  DbgPrint("tracker: loaded (thread routine: %s)\n", TrackerThreadRoutineSet ? "yes" : "no");
  return STATUS_SUCCESS;
}
