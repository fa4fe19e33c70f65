/* SPDX-License-Identifier: MIT */
/* A WDK-style driver in C, written to the documented signatures, built against the installed
 * <ntemu/wdk.h>. */
#include <ntemu/wdk.h>

ULONG ConsumerCreates;
ULONG ConsumerExits;
ULONG ConsumerThreads;
NTSTATUS DriverEntry(_In_ PDRIVER_OBJECT DriverObject, _In_ PUNICODE_STRING RegistryPath);

static VOID ProcessRoutine(_In_ HANDLE ParentId, _In_ HANDLE ProcessId, _In_ BOOLEAN Create) {
  PEPROCESS process;
  UNREFERENCED_PARAMETER(ParentId);
  if (!Create) {
    ++ConsumerExits;
    return;
  }
  if (NT_SUCCESS(PsLookupProcessByProcessId(ProcessId, &process))) {
    if (PsGetProcessId(process) == ProcessId) ++ConsumerCreates;
    ObDereferenceObject(process);
  }
  DbgPrint("consumer: process %Iu %s\n", (ULONG_PTR)ProcessId, Create ? "created" : "exited");
}

static VOID ThreadRoutine(_In_ HANDLE ProcessId, _In_ HANDLE ThreadId, _In_ BOOLEAN Create) {
  UNREFERENCED_PARAMETER(ProcessId);
  UNREFERENCED_PARAMETER(ThreadId);
  if (Create) ++ConsumerThreads;
}

static VOID Unload(_In_ PDRIVER_OBJECT DriverObject) {
  UNREFERENCED_PARAMETER(DriverObject);
  PAGED_CODE();
  PsSetCreateProcessNotifyRoutine(ProcessRoutine, TRUE);
  PsRemoveCreateThreadNotifyRoutine(ThreadRoutine);
}

NTSTATUS DriverEntry(_In_ PDRIVER_OBJECT DriverObject, _In_ PUNICODE_STRING RegistryPath) {
  NTSTATUS status;
  UNREFERENCED_PARAMETER(RegistryPath);
  status = PsSetCreateProcessNotifyRoutine(ProcessRoutine, FALSE);
  if (!NT_SUCCESS(status)) return status;
  status = PsSetCreateThreadNotifyRoutine(ThreadRoutine);
  if (!NT_SUCCESS(status)) {
    PsSetCreateProcessNotifyRoutine(ProcessRoutine, TRUE);
    return status;
  }
  DriverObject->DriverUnload = Unload;
  return STATUS_SUCCESS;
}
