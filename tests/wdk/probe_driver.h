/* SPDX-License-Identifier: MIT */
/* probe_driver.h — a C driver for the wdk tests: its routines record what the kernel passed them,
 * and a configuration selects deliberate mistakes. */
#ifndef PROBE_DRIVER_H
#define PROBE_DRIVER_H

#include <ntemu/wdk.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _PROBE_CONFIG {
  BOOLEAN RegisterProcess;   /* PsSetCreateProcessNotifyRoutine */
  BOOLEAN RegisterProcessEx; /* PsSetCreateProcessNotifyRoutineEx */
  BOOLEAN RegisterThread;    /* PsSetCreateThreadNotifyRoutine */
  BOOLEAN SetUnload;         /* DriverObject->DriverUnload */
  BOOLEAN ForgetRemove;      /* the unload routine removes nothing */
  BOOLEAN LeakReference;     /* the process routine's lookup is never dereferenced */
  BOOLEAN LeakPool;          /* the process routine allocates a block and never frees it */
  BOOLEAN HoldSpinLock;      /* the process routine returns holding a spin lock */
  NTSTATUS EntryStatus;      /* what DriverEntry returns after registering */
  NTSTATUS VetoStatus;       /* what the Ex routine sets in CreationStatus */
} PROBE_CONFIG;

typedef struct _PROBE_RECORD {
  ULONG ProcessCalls;
  ULONG ThreadCalls;
  ULONG ExCalls;
  HANDLE ParentId, ProcessId;
  BOOLEAN Create;
  HANDLE ThreadProcessId, ThreadId;
  BOOLEAN ThreadCreate;
  HANDLE CurrentProcessId, CurrentThreadId; /* read inside the process routine */
  NTSTATUS LookupStatus;                    /* PsLookupProcessByProcessId(ProcessId) */
  HANDLE LookedUpId, LookedUpParent;        /* PsGetProcessId / ...InheritedFrom... of it */
  PEPROCESS LookedUp;
  /* The Ex routine's view. */
  PEPROCESS ExProcess;
  HANDLE ExProcessId;
  BOOLEAN ExHadInfo;
  SIZE_T InfoSize;
  ULONG InfoFlags;
  HANDLE InfoParent;
  CLIENT_ID InfoCreator;
  BOOLEAN InfoFileObjectNull, InfoCommandLineNull;
  CHAR InfoImage[64];
  NTSTATUS EntryRegisterStatus[3];
  NTSTATUS UnloadRemoveStatus[3];
} PROBE_RECORD;

extern PROBE_CONFIG ProbeConfig;
extern PROBE_RECORD ProbeRecord;

VOID ProbeReset(VOID); /* default config (process + thread routines, unload set), empty record */
DRIVER_INITIALIZE ProbeDriverEntry;
VOID ProbeProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create);
VOID ProbeProcessNotifyEx(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo);
VOID ProbeThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create);

#ifdef __cplusplus
}
#endif

#endif /* PROBE_DRIVER_H */
