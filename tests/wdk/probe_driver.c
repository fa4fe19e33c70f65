/* SPDX-License-Identifier: MIT */
/* probe_driver.c — see probe_driver.h. Written against the WDK's documented signatures. */
#include "probe_driver.h"

PROBE_CONFIG ProbeConfig;
PROBE_RECORD ProbeRecord;
static KSPIN_LOCK ProbeSpinLock;

VOID ProbeReset(VOID) {
  RtlZeroMemory(&ProbeConfig, sizeof(ProbeConfig));
  RtlZeroMemory(&ProbeRecord, sizeof(ProbeRecord));
  ProbeConfig.RegisterProcess = TRUE;
  ProbeConfig.RegisterThread = TRUE;
  ProbeConfig.SetUnload = TRUE;
  ProbeConfig.EntryStatus = STATUS_SUCCESS;
  ProbeConfig.VetoStatus = STATUS_SUCCESS;
}

_Use_decl_annotations_ VOID ProbeProcessNotify(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create) {
  PEPROCESS process = NULL;
  ++ProbeRecord.ProcessCalls;
  ProbeRecord.ParentId = ParentId;
  ProbeRecord.ProcessId = ProcessId;
  ProbeRecord.Create = Create;
  ProbeRecord.CurrentProcessId = PsGetCurrentProcessId();
  ProbeRecord.CurrentThreadId = PsGetCurrentThreadId();
  if (!Create) return;
  ProbeRecord.LookupStatus = PsLookupProcessByProcessId(ProcessId, &process);
  if (NT_SUCCESS(ProbeRecord.LookupStatus)) {
    ProbeRecord.LookedUp = process;
    ProbeRecord.LookedUpId = PsGetProcessId(process);
    ProbeRecord.LookedUpParent = PsGetProcessInheritedFromUniqueProcessId(process);
    if (!ProbeConfig.LeakReference) ObDereferenceObject(process);
  }
  if (ProbeConfig.LeakPool) {
    PVOID block = ExAllocatePoolWithTag(PagedPool, 32, 0x626F7250UL); /* 'Prob' */
    UNREFERENCED_PARAMETER(block);
  }
  if (ProbeConfig.HoldSpinLock) {
    KIRQL old;
    KeInitializeSpinLock(&ProbeSpinLock);
    KeAcquireSpinLock(&ProbeSpinLock, &old);
    UNREFERENCED_PARAMETER(old);
  }
}

VOID ProbeProcessNotifyEx(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo) {
  ++ProbeRecord.ExCalls;
  ProbeRecord.ExProcess = Process;
  ProbeRecord.ExProcessId = ProcessId;
  ProbeRecord.ExHadInfo = CreateInfo != NULL;
  if (CreateInfo == NULL) return;
  ProbeRecord.InfoSize = CreateInfo->Size;
  ProbeRecord.InfoFlags = CreateInfo->Flags;
  ProbeRecord.InfoParent = CreateInfo->ParentProcessId;
  ProbeRecord.InfoCreator = CreateInfo->CreatingThreadId;
  ProbeRecord.InfoFileObjectNull = CreateInfo->FileObject == NULL;
  ProbeRecord.InfoCommandLineNull = CreateInfo->CommandLine == NULL;
  if (CreateInfo->ImageFileName != NULL) {
    USHORT i;
    USHORT chars = (USHORT)(CreateInfo->ImageFileName->Length / sizeof(WCHAR));
    for (i = 0; i < chars && (SIZE_T)i + 1 < sizeof(ProbeRecord.InfoImage); ++i) {
      ProbeRecord.InfoImage[i] = (CHAR)CreateInfo->ImageFileName->Buffer[i];
    }
    ProbeRecord.InfoImage[i] = 0;
  }
  if (!NT_SUCCESS(ProbeConfig.VetoStatus)) CreateInfo->CreationStatus = ProbeConfig.VetoStatus;
}

VOID ProbeThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create) {
  ++ProbeRecord.ThreadCalls;
  ProbeRecord.ThreadProcessId = ProcessId;
  ProbeRecord.ThreadId = ThreadId;
  ProbeRecord.ThreadCreate = Create;
}

static DRIVER_UNLOAD ProbeUnload;

static VOID ProbeUnload(PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  if (ProbeConfig.ForgetRemove) return;
  if (ProbeConfig.RegisterProcess)
    ProbeRecord.UnloadRemoveStatus[0] = PsSetCreateProcessNotifyRoutine(ProbeProcessNotify, TRUE);
  if (ProbeConfig.RegisterProcessEx)
    ProbeRecord.UnloadRemoveStatus[1] =
        PsSetCreateProcessNotifyRoutineEx(ProbeProcessNotifyEx, TRUE);
  if (ProbeConfig.RegisterThread)
    ProbeRecord.UnloadRemoveStatus[2] = PsRemoveCreateThreadNotifyRoutine(ProbeThreadNotify);
}

NTSTATUS ProbeDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNREFERENCED_PARAMETER(RegistryPath);
  if (ProbeConfig.RegisterProcess)
    ProbeRecord.EntryRegisterStatus[0] = PsSetCreateProcessNotifyRoutine(ProbeProcessNotify, FALSE);
  if (ProbeConfig.RegisterProcessEx)
    ProbeRecord.EntryRegisterStatus[1] =
        PsSetCreateProcessNotifyRoutineEx(ProbeProcessNotifyEx, FALSE);
  if (ProbeConfig.RegisterThread)
    ProbeRecord.EntryRegisterStatus[2] = PsSetCreateThreadNotifyRoutine(ProbeThreadNotify);
  if (ProbeConfig.SetUnload) DriverObject->DriverUnload = ProbeUnload;
  DbgPrint("probe: entry %wZ at %wZ, %lu 0x%08lX %I64u %p\n", &DriverObject->DriverName,
           RegistryPath, (ULONG)42, (ULONG)0xBEEF, (ULONG64)1 << 40,
           (PVOID)(ULONG_PTR)0x89A01000UL);
  return ProbeConfig.EntryStatus;
}
