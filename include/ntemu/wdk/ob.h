/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/ob.h: the object manager as a driver reaches it beyond ObReferenceObject — the
 * exported object-type variables (*PsProcessType, *PsThreadType, and the types of objects
 * ntemu does not model, which name them for declarations only), PsInitialSystemProcess,
 * ObReferenceObjectByHandle and ObReferenceObjectByPointer. Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_OB_H
#define NTEMU_WDK_OB_H

#include "ntemu/wdk/ntdef.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, as in the WDK. */
typedef struct _OBJECT_TYPE* POBJECT_TYPE;
typedef struct _EPROCESS* PEPROCESS;

typedef struct _OBJECT_HANDLE_INFORMATION {
  ULONG HandleAttributes;
  ACCESS_MASK GrantedAccess;
} OBJECT_HANDLE_INFORMATION, *POBJECT_HANDLE_INFORMATION;

/* The object types the kernel exports, used as `*PsProcessType`. Only the process and thread
 * types name objects ntemu models; a handle of any other type does not exist in the model. */
extern POBJECT_TYPE* PsProcessType;
extern POBJECT_TYPE* PsThreadType;
extern POBJECT_TYPE* ExEventObjectType;
extern POBJECT_TYPE* ExSemaphoreObjectType;
extern POBJECT_TYPE* IoFileObjectType;
extern POBJECT_TYPE* IoDeviceObjectType;
extern POBJECT_TYPE* IoDriverObjectType;
extern POBJECT_TYPE* SeTokenObjectType;
extern POBJECT_TYPE* CmKeyObjectType;

/* The System process of the kernel the harness runs (its value is set whenever the harness
 * runs driver code: load, unload, its events, its client's requests, enter()). With several
 * harnesses of different architectures on several host threads at once it names one of them. */
extern PEPROCESS PsInitialSystemProcess;

/* NtCurrentProcess() / NtCurrentThread(): the pseudo-handles ObReferenceObjectByHandle
 * accepts for the current process and thread. */
#ifdef __cplusplus
#define NtCurrentProcess() (reinterpret_cast<HANDLE>(static_cast<LONG_PTR>(-1)))
#define NtCurrentThread() (reinterpret_cast<HANDLE>(static_cast<LONG_PTR>(-2)))
#else
#define NtCurrentProcess() ((HANDLE)(LONG_PTR)-1)
#define NtCurrentThread() ((HANDLE)(LONG_PTR)-2)
#endif
#define ZwCurrentProcess() NtCurrentProcess()
#define ZwCurrentThread() NtCurrentThread()

/* The object `Handle` names in the current process's handle table (the kernel handle table
 * for a kernel handle in KernelMode), referenced. STATUS_INVALID_HANDLE for a handle not open
 * (or a kernel handle from UserMode), STATUS_OBJECT_TYPE_MISMATCH when ObjectType is given and
 * is not the object's, STATUS_ACCESS_DENIED in UserMode for access the handle does not grant
 * (KernelMode checks none). Release the object with ObDereferenceObject: a reference never
 * released is a `reference-leak` at unload. IRQL <= APC_LEVEL (a check only). */
NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                   PVOID* Object, POBJECT_HANDLE_INFORMATION HandleInformation);
/* A reference on a process or thread (or an opaque object) the caller already holds:
 * STATUS_OBJECT_TYPE_MISMATCH when ObjectType is given and is not the object's. */
NTSTATUS ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess,
                                    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_OB_H */
