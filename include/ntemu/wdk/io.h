/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/io.h: the I/O manager as a driver sees it — the driver object and its dispatch
 * table, device objects (IoCreateDevice, IoDeleteDevice) and symbolic links, file objects,
 * IRPs and their stack locations, IoCompleteRequest, control codes (CTL_CODE), MDLs for direct
 * I/O, the requestor of an IRP and the cancel spin lock. The harness (ntemu/harness.hpp) is the
 * driver's user-mode client: it opens a device by its link name, sends it IRP_MJ_CREATE,
 * DEVICE_CONTROL, READ, WRITE, CLEANUP and CLOSE, and moves the bytes as the I/O manager does
 * for buffered, direct and neither I/O. Part of <ntemu/wdk.h>. Its constants are in iodefs.h,
 * the MDL and the Mm routines on it in mdl.h.
 *
 * Limits: each device has one stack location (no IoCallDriver, no filters); a pending IRP
 * (IoMarkIrpPending + STATUS_PENDING) is completed whenever the driver calls IoCompleteRequest,
 * and the harness reports one still pending at unload; IRPs are never cancelled by the harness.
 */
#ifndef NTEMU_WDK_IO_H
#define NTEMU_WDK_IO_H

#include "ntemu/wdk/iodefs.h"
#include "ntemu/wdk/ke.h"
#include "ntemu/wdk/lists.h"
#include "ntemu/wdk/mdl.h"
#include "ntemu/wdk/ntdef.h"

struct _DEVICE_OBJECT;
struct _IRP;
struct _DRIVER_OBJECT;
typedef struct _EPROCESS* PEPROCESS;
typedef struct _ETHREAD* PETHREAD;
typedef struct _FILE_OBJECT* PFILE_OBJECT;

typedef NTSTATUS DRIVER_INITIALIZE(struct _DRIVER_OBJECT* DriverObject,
                                   PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE* PDRIVER_INITIALIZE;
typedef VOID DRIVER_UNLOAD(struct _DRIVER_OBJECT* DriverObject);
typedef DRIVER_UNLOAD* PDRIVER_UNLOAD;
typedef NTSTATUS DRIVER_DISPATCH(struct _DEVICE_OBJECT* DeviceObject, struct _IRP* Irp);
typedef DRIVER_DISPATCH* PDRIVER_DISPATCH;
typedef DRIVER_DISPATCH DRIVER_DISPATCH_RAISED;
typedef DRIVER_DISPATCH DRIVER_DISPATCH_PAGED;
typedef VOID DRIVER_STARTIO(struct _DEVICE_OBJECT* DeviceObject, struct _IRP* Irp);
typedef DRIVER_STARTIO* PDRIVER_STARTIO;
typedef NTSTATUS DRIVER_ADD_DEVICE(struct _DRIVER_OBJECT* DriverObject,
                                   struct _DEVICE_OBJECT* PhysicalDeviceObject);
typedef DRIVER_ADD_DEVICE* PDRIVER_ADD_DEVICE;
typedef VOID DRIVER_CANCEL(struct _DEVICE_OBJECT* DeviceObject, struct _IRP* Irp);
typedef DRIVER_CANCEL* PDRIVER_CANCEL;
typedef NTSTATUS IO_COMPLETION_ROUTINE(struct _DEVICE_OBJECT* DeviceObject, struct _IRP* Irp,
                                       PVOID Context);
typedef IO_COMPLETION_ROUTINE* PIO_COMPLETION_ROUTINE;

/* --- file, device and driver objects --------------------------------------------------------- */
typedef struct _IO_SECURITY_CONTEXT {
  PVOID SecurityQos;
  PVOID AccessState; /* NULL in ntemu */
  ACCESS_MASK DesiredAccess;
  ULONG FullCreateOptions;
} IO_SECURITY_CONTEXT, *PIO_SECURITY_CONTEXT;

/* The documented members; the harness fills DeviceObject, FileName, the access flags and
 * CurrentByteOffset, and leaves FsContext and FsContext2 to the driver. */
typedef struct _FILE_OBJECT {
  CSHORT Type;
  CSHORT Size;
  struct _DEVICE_OBJECT* DeviceObject;
  PVOID Vpb;
  PVOID FsContext;
  PVOID FsContext2;
  PVOID SectionObjectPointer;
  PVOID PrivateCacheMap;
  NTSTATUS FinalStatus;
  struct _FILE_OBJECT* RelatedFileObject;
  BOOLEAN LockOperation;
  BOOLEAN DeletePending;
  BOOLEAN ReadAccess;
  BOOLEAN WriteAccess;
  BOOLEAN DeleteAccess;
  BOOLEAN SharedRead;
  BOOLEAN SharedWrite;
  BOOLEAN SharedDelete;
  ULONG Flags;
  UNICODE_STRING FileName;
  LARGE_INTEGER CurrentByteOffset;
  volatile ULONG Waiters;
  volatile ULONG Busy;
  PVOID LastLock;
  KEVENT Lock;
  KEVENT Event;
  PVOID CompletionContext;
  KSPIN_LOCK IrpListLock;
  LIST_ENTRY IrpList;
  PVOID FileObjectExtension;
} FILE_OBJECT;

typedef struct _KDEVICE_QUEUE_ENTRY {
  LIST_ENTRY DeviceListEntry;
  ULONG SortKey;
  BOOLEAN Inserted;
} KDEVICE_QUEUE_ENTRY, *PKDEVICE_QUEUE_ENTRY;

/* The documented members; the device queue, DPC and timer are not modeled (opaque space). */
typedef struct _DEVICE_OBJECT {
  CSHORT Type;
  USHORT Size;
  LONG ReferenceCount; /* open handles */
  struct _DRIVER_OBJECT* DriverObject;
  struct _DEVICE_OBJECT* NextDevice;
  struct _DEVICE_OBJECT* AttachedDevice;
  struct _IRP* CurrentIrp;
  PVOID Timer;
  ULONG Flags;
  ULONG Characteristics;
  PVOID Vpb;
  PVOID DeviceExtension;
  DEVICE_TYPE DeviceType;
  CCHAR StackSize;
  union {
    LIST_ENTRY ListEntry;
    PVOID Wcb[10];
  } Queue;
  ULONG AlignmentRequirement;
  PVOID DeviceQueue[5];
  PVOID Dpc[8];
  ULONG ActiveThreadCount;
  PSECURITY_DESCRIPTOR SecurityDescriptor;
  KEVENT DeviceLock;
  USHORT SectorSize;
  USHORT Spare1;
  PVOID DeviceObjectExtension;
  PVOID Reserved;
} DEVICE_OBJECT, *PDEVICE_OBJECT;

typedef struct _DRIVER_EXTENSION {
  struct _DRIVER_OBJECT* DriverObject;
  PDRIVER_ADD_DEVICE AddDevice;
  ULONG Count;
  UNICODE_STRING ServiceKeyName;
} DRIVER_EXTENSION, *PDRIVER_EXTENSION;

/* The documented members; ntemu fills DriverName, DriverExtension, DriverInit,
 * HardwareDatabase and every MajorFunction entry (with IoInvalidDeviceRequest, as the I/O
 * manager does), and reads DriverUnload and MajorFunction. FastIoDispatch and DriverStartIo
 * stay NULL. */
typedef struct _DRIVER_OBJECT {
  CSHORT Type;
  CSHORT Size;
  PDEVICE_OBJECT DeviceObject;
  ULONG Flags;
  PVOID DriverStart;
  ULONG DriverSize;
  PVOID DriverSection;
  PDRIVER_EXTENSION DriverExtension;
  UNICODE_STRING DriverName;
  PUNICODE_STRING HardwareDatabase;
  PVOID FastIoDispatch;
  PDRIVER_INITIALIZE DriverInit;
  PDRIVER_STARTIO DriverStartIo;
  PDRIVER_UNLOAD DriverUnload;
  PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
} DRIVER_OBJECT, *PDRIVER_OBJECT;

/* --- IRPs --------------------------------------------------------------------------------------
 */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnested-anon-types"
#pragma clang diagnostic ignored "-Wgnu-anonymous-struct"
#endif
typedef struct _IO_STACK_LOCATION {
  UCHAR MajorFunction;
  UCHAR MinorFunction;
  UCHAR Flags;
  UCHAR Control;
  union {
    struct {
      PIO_SECURITY_CONTEXT SecurityContext;
      ULONG Options;
      USHORT POINTER_ALIGNMENT FileAttributes;
      USHORT ShareAccess;
      ULONG POINTER_ALIGNMENT EaLength;
    } Create;
    struct {
      ULONG Length;
      ULONG POINTER_ALIGNMENT Key;
      ULONG Flags;
      LARGE_INTEGER ByteOffset;
    } Read;
    struct {
      ULONG Length;
      ULONG POINTER_ALIGNMENT Key;
      ULONG Flags;
      LARGE_INTEGER ByteOffset;
    } Write;
    struct {
      ULONG OutputBufferLength;
      ULONG POINTER_ALIGNMENT InputBufferLength;
      ULONG POINTER_ALIGNMENT IoControlCode;
      PVOID Type3InputBuffer;
    } DeviceIoControl;
    struct {
      PVOID Argument1;
      PVOID Argument2;
      PVOID Argument3;
      PVOID Argument4;
    } Others;
  } Parameters;
  PDEVICE_OBJECT DeviceObject;
  PFILE_OBJECT FileObject;
  PIO_COMPLETION_ROUTINE CompletionRoutine;
  PVOID Context;
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;

typedef struct _IRP {
  CSHORT Type;
  USHORT Size;
  PMDL MdlAddress; /* direct I/O: the caller's buffer */
  ULONG Flags;
  union {
    struct _IRP* MasterIrp;
    volatile LONG IrpCount;
    PVOID SystemBuffer; /* buffered I/O */
  } AssociatedIrp;
  LIST_ENTRY ThreadListEntry;
  IO_STATUS_BLOCK IoStatus;
  KPROCESSOR_MODE RequestorMode;
  BOOLEAN PendingReturned;
  CHAR StackCount;
  CHAR CurrentLocation;
  BOOLEAN Cancel;
  KIRQL CancelIrql;
  CCHAR ApcEnvironment;
  UCHAR AllocationFlags;
  PIO_STATUS_BLOCK UserIosb;
  PKEVENT UserEvent;
  union {
    struct {
      PVOID UserApcRoutine;
      PVOID UserApcContext;
    } AsynchronousParameters;
    LARGE_INTEGER AllocationSize;
  } Overlay;
  PDRIVER_CANCEL CancelRoutine;
  PVOID UserBuffer; /* neither I/O: the caller's output buffer */
  union {
    struct {
      NTEMU_WDK_ANON union {
        KDEVICE_QUEUE_ENTRY DeviceQueueEntry;
        NTEMU_WDK_ANON struct { PVOID DriverContext[4]; };
      };
      PETHREAD Thread; /* the requesting thread */
      PCHAR AuxiliaryBuffer;
      NTEMU_WDK_ANON struct {
        LIST_ENTRY ListEntry; /* free for the driver's own queue of pending IRPs */
        NTEMU_WDK_ANON union {
          struct _IO_STACK_LOCATION* CurrentStackLocation;
          ULONG PacketType;
        };
      };
      PFILE_OBJECT OriginalFileObject;
    } Overlay;
    PVOID Apc[11];
    PVOID CompletionKey;
  } Tail;
} IRP, *PIRP;
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

NTEMU_WDK_INLINE PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(PIRP Irp) {
  return Irp->Tail.Overlay.CurrentStackLocation;
}
NTEMU_WDK_INLINE VOID IoMarkIrpPending(PIRP Irp) {
  IoGetCurrentIrpStackLocation(Irp)->Control |= SL_PENDING_RETURNED;
}
NTEMU_WDK_INLINE PDRIVER_CANCEL IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL CancelRoutine) {
  return __atomic_exchange_n(&Irp->CancelRoutine, CancelRoutine, __ATOMIC_SEQ_CST);
}
#define IoSizeOfIrp(StackSize) ((USHORT)(sizeof(IRP) + ((StackSize) * (sizeof(IO_STACK_LOCATION)))))

#ifdef __cplusplus
extern "C" {
#endif

/* --- devices and links -------------------------------------------------------------------------
 */
/* A device object with a zeroed extension of DeviceExtensionSize bytes, put first in
 * DriverObject->DeviceObject's list. DeviceName (\Device\Name) is optional; a name in use is
 * STATUS_OBJECT_NAME_COLLISION, and the out-pointer is NULL on any failure. Flags start as
 * DO_DEVICE_INITIALIZING (| DO_EXCLUSIVE): the harness clears it for the devices made in
 * DriverEntry once it returns; a device still initializing cannot be opened. */
NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                        PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                        ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT* DeviceObject);
/* Unlinks and deletes the device (its memory stays readable until the harness goes, so a
 * stale pointer is reported, not a host crash). A pointer that is no live device is a
 * `bad-object-pointer` finding. */
VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject);
/* \??\Name, \DosDevices\Name or \GLOBAL??\Name -> \Device\Name (names compare case-insensitively).
 * STATUS_OBJECT_NAME_COLLISION for a link that exists; IoDeleteSymbolicLink gives
 * STATUS_OBJECT_NAME_NOT_FOUND for one that does not. */
NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName);
NTSTATUS IoCreateUnprotectedSymbolicLink(PUNICODE_STRING SymbolicLinkName,
                                         PUNICODE_STRING DeviceName);
NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName);
/* The driver object's default dispatch routine: completes the IRP with
 * STATUS_INVALID_DEVICE_REQUEST. */
NTSTATUS IoInvalidDeviceRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp);

/* wdmsec.h: IoCreateDevice with a security descriptor (SDDL) and a class GUID, neither of which
 * the model enforces. */
NTSTATUS IoCreateDeviceSecure(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                              PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                              ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                              PCUNICODE_STRING DefaultSDDLString, LPCGUID DeviceClassGuid,
                              PDEVICE_OBJECT* DeviceObject);
extern const UNICODE_STRING SDDL_DEVOBJ_KERNEL_ONLY;
extern const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL;
extern const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_ALL;
extern const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RX;
extern const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R;
extern const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R;
extern const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX;

/* --- IRPs --------------------------------------------------------------------------------------
 */
/* Completes Irp with the status and Information in its IoStatus; the harness copies the
 * output to the caller. A second completion is a `bugcheck` finding (0x44,
 * MULTIPLE_IRP_COMPLETE_REQUESTS) and changes nothing; a pointer that is no outstanding IRP is
 * `bad-object-pointer`. */
VOID IoCompleteRequest(PIRP Irp, CCHAR PriorityBoost);
VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost);
/* The process ID of the thread that sent Irp (the harness's client). */
ULONG IoGetRequestorProcessId(PIRP Irp);
PEPROCESS IoGetRequestorProcess(PIRP Irp);
BOOLEAN IoIsOperationSynchronous(PIRP Irp);
VOID IoAcquireCancelSpinLock(PKIRQL Irql);
VOID IoReleaseCancelSpinLock(KIRQL Irql);
/* Checks a user buffer: nothing to check in the model (user buffers are host memory the
 * harness owns), so these only verify the alignment and raise nothing. */
VOID ProbeForRead(volatile VOID* Address, SIZE_T Length, ULONG Alignment);
VOID ProbeForWrite(volatile VOID* Address, SIZE_T Length, ULONG Alignment);

/* --- MDLs --------------------------------------------------------------------------------------
 */
/* An MDL describing [VirtualAddress, +Length) (pool, tag 'Mdl '); IoFreeMdl frees it.
 * SecondaryBuffer and Irp are not supported (a non-NULL Irp is ignored). */
PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                   PIRP Irp);
VOID IoFreeMdl(PMDL Mdl);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_IO_H */
