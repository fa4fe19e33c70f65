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
/* On success *Process holds a reference: release it with ObDereferenceObject. */
NTSTATUS PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS* Process);
NTSTATUS PsLookupThreadByThreadId(HANDLE ThreadId, PETHREAD* Thread);
NTSTATUS PsLookupProcessThreadByCid(PCLIENT_ID Cid, PEPROCESS* Process, PETHREAD* Thread);
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
