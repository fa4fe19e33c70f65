/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ps.h: processes and threads as a driver sees them — the opaque PEPROCESS and
 * PETHREAD, client IDs, the process and thread notify routines and their registration,
 * MmGetSystemRoutineAddress to probe what a version exports, the lookups and accessors
 * (PsLookup*, PsGet*) and object references (Ob*ReferenceObject). Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_PS_H
#define NTEMU_WDK_PS_H

#include "ntemu/wdk/ntdef.h"

typedef struct _CLIENT_ID {
  HANDLE UniqueProcess;
  HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

/* --- objects: opaque handles to the model's objects ------------------------------------------- */
typedef struct _EPROCESS* PEPROCESS;
typedef struct _ETHREAD* PETHREAD;
typedef struct _FILE_OBJECT* PFILE_OBJECT;

/* --- notify routines ------------------------------------------------------------------------- */
typedef VOID (*PCREATE_PROCESS_NOTIFY_ROUTINE)(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create);
typedef VOID (*PCREATE_THREAD_NOTIFY_ROUTINE)(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create);

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnested-anon-types"
#pragma clang diagnostic ignored "-Wgnu-anonymous-struct"
#endif
typedef struct _PS_CREATE_NOTIFY_INFO {
  SIZE_T Size;
#if defined(__GNUC__)
  __extension__
#endif
      union {
    ULONG Flags;
#if defined(__GNUC__)
    __extension__
#endif
        struct {
      ULONG FileOpenNameAvailable : 1;
      ULONG IsSubsystemProcess : 1;
      ULONG Reserved : 30;
    };
  };
  HANDLE ParentProcessId;
  CLIENT_ID CreatingThreadId;
  PFILE_OBJECT FileObject; /* NULL in ntemu: no file objects are modeled */
  PCUNICODE_STRING ImageFileName;
  PCUNICODE_STRING CommandLine; /* NULL in ntemu: "not available" */
  NTSTATUS CreationStatus;
} PS_CREATE_NOTIFY_INFO, *PPS_CREATE_NOTIFY_INFO;
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

typedef VOID (*PCREATE_PROCESS_NOTIFY_ROUTINE_EX)(PEPROCESS Process, HANDLE ProcessId,
                                                  PPS_CREATE_NOTIFY_INFO CreateInfo);

#ifdef __cplusplus
extern "C" {
#endif

/* --- notify registration --------------------------------------------------------------------- */
NTSTATUS PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE NotifyRoutine,
                                         BOOLEAN Remove);
/* Vista SP1 and later (STATUS_NOT_IMPLEMENTED on older profiles). */
NTSTATUS PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX NotifyRoutine,
                                           BOOLEAN Remove);
NTSTATUS PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine);
/* XP and later (STATUS_NOT_IMPLEMENTED on win2000, where a driver importing it would not load;
 * probe with MmGetSystemRoutineAddress). */
NTSTATUS PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine);
/* The routine named `SystemRoutineName` if the current profile exports it, else NULL: for the
 * functions of this header whose export depends on the version (the two above). */
PVOID MmGetSystemRoutineAddress(PUNICODE_STRING SystemRoutineName);

/* --- processes, threads, objects ------------------------------------------------------------- */
/* The work of the PsLookup* functions below, exported for them: each returns what it found (a
 * referenced object, or NULL) by value and the lookup's NTSTATUS in *Status. Want* says whether
 * the caller gave that out-pointer. STATUS_INVALID_DEVICE_STATE is returned only when there is
 * no current kernel, before anything else is checked or done. Drivers call the PsLookup*
 * functions, not these. */
PEPROCESS NtemuLookupProcessByProcessId(HANDLE ProcessId, BOOLEAN WantProcess, NTSTATUS* Status);
PETHREAD NtemuLookupThreadByThreadId(HANDLE ThreadId, BOOLEAN WantThread, NTSTATUS* Status);
typedef struct _NTEMU_CID_LOOKUP {
  PEPROCESS Process; /* NULL unless WantProcess and found */
  PETHREAD Thread;
} NTEMU_CID_LOOKUP;
NTEMU_CID_LOOKUP NtemuLookupProcessThreadByCid(PCLIENT_ID Cid, BOOLEAN WantProcess,
                                               BOOLEAN WantThread, NTSTATUS* Status);

/* The lookups. STATUS_INVALID_DEVICE_STATE with no current kernel; STATUS_INVALID_PARAMETER for
 * a NULL out-pointer (for the CID lookup: a NULL Cid or Thread; Process is optional). Every
 * out-pointer given is written: the object on success, NULL on any failure (so a driver that
 * reads it unchecked reads NULL, and no compiler sees an uninitialised path). On success each
 * object returned holds a reference: release it with ObDereferenceObject.
 *
 * Why inline: GCC 12 optimising (-O2, -O3) misjudges a driver function that passes the address of
 * its local PEPROCESS to an external lookup, returns early on another path (the end of scope there
 * clobbers the local) and makes a further call after using it: it reports a false
 * -Werror=dangling-pointer ("dangling pointer to 'process' may be used") on the
 * ObDereferenceObject(process) after `PsLookupProcessByProcessId(ProcessId, &process)`, its
 * analysis not being flow-sensitive enough to see that the clobber is on the other path. As
 * inline functions over exported ones that return the object by value, these lookups never let
 * the local's address leave the driver's function, and drivers build warning-free at -O2 and
 * -O3 -Werror. They behave as when they were exported functions, and MmGetSystemRoutineAddress
 * still returns a callable of the documented type for them. */
FORCEINLINE NTSTATUS PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS* Process) {
  NTSTATUS status;
  const PEPROCESS found =
      NtemuLookupProcessByProcessId(ProcessId, Process != NULL ? TRUE : FALSE, &status);
  if (Process != NULL) *Process = found;
  return status;
}
FORCEINLINE NTSTATUS PsLookupThreadByThreadId(HANDLE ThreadId, PETHREAD* Thread) {
  NTSTATUS status;
  const PETHREAD found =
      NtemuLookupThreadByThreadId(ThreadId, Thread != NULL ? TRUE : FALSE, &status);
  if (Thread != NULL) *Thread = found;
  return status;
}
FORCEINLINE NTSTATUS PsLookupProcessThreadByCid(PCLIENT_ID Cid, PEPROCESS* Process,
                                                PETHREAD* Thread) {
  NTSTATUS status;
  const NTEMU_CID_LOOKUP found = NtemuLookupProcessThreadByCid(
      Cid, Process != NULL ? TRUE : FALSE, Thread != NULL ? TRUE : FALSE, &status);
  if (Thread != NULL) *Thread = found.Thread;
  if (Process != NULL) *Process = found.Process;
  return status;
}

HANDLE PsGetCurrentProcessId(VOID);
HANDLE PsGetCurrentThreadId(VOID);
PEPROCESS PsGetCurrentProcess(VOID);
PETHREAD PsGetCurrentThread(VOID);
PEPROCESS IoGetCurrentProcess(VOID);
HANDLE PsGetProcessId(PEPROCESS Process);
HANDLE PsGetProcessInheritedFromUniqueProcessId(PEPROCESS Process);
HANDLE PsGetThreadId(PETHREAD Thread);
HANDLE PsGetThreadProcessId(PETHREAD Thread);
PEPROCESS PsGetThreadProcess(PETHREAD Thread);
LONG_PTR ObfReferenceObject(PVOID Object);
LONG_PTR ObfDereferenceObject(PVOID Object);
/* Functions here (macros over the Obf* forms in the WDK), so they do not collide with
 * ntemu::Kernel's members of the same names. */
VOID ObReferenceObject(PVOID Object);
VOID ObDereferenceObject(PVOID Object);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_PS_H */
