/* \file
 * ntemu/wdk.h: a WDK-compatible C interface over the ntemu model, so that a kernel driver's
 * notify-routine code compiles unchanged on any host and runs against an emulated kernel.
 *
 * The names, signatures, types and values are those Microsoft documents for the WDK (wdm.h,
 * ntddk.h, ntstatus.h); the declarations are ntemu's own. Every function acts on the ntemu
 * kernel that is *current on the calling host thread*: inside a notify routine, DriverEntry or
 * DriverUnload run by the harness (include/ntemu/harness.hpp), or inside a
 * `ntemu::Harness::enter()` scope. With no current kernel bound to a harness, no call is
 * undefined: NTSTATUS functions return STATUS_INVALID_DEVICE_STATE, HANDLE / pointer functions
 * return NULL, DbgPrint writes to stderr and returns STATUS_INVALID_DEVICE_STATE.
 *
 * What differs from a real kernel (see docs/driver-testing.md):
 *   - PEPROCESS / PETHREAD are opaque: their value is the object's *model* kernel address
 *     (deterministic, never dereferenceable); only pass them back to these functions.
 *   - WCHAR is the host's wchar_t, so L"..." literals keep compiling (4 bytes on Linux);
 *     UNICODE_STRING lengths stay in bytes, so `Length / sizeof(WCHAR)` code still works.
 *   - ULONG / LONG are 32-bit and ULONG_PTR / SIZE_T pointer-sized, as on Windows (LLP64).
 *   - Calling-convention macros (NTAPI, FASTCALL, ...) and SAL annotations are empty.
 *   - IRQL is tracked per host thread (spin locks raise it to DISPATCH_LEVEL); nothing is
 *     preempted by it.
 *   - In C the STATUS_* values are macros, as in the WDK. In C++ they are `constexpr NTSTATUS`
 *     constants and NT_SUCCESS is a function, so this header can be mixed, in any include
 *     order, with ntemu's C++ headers (whose ntemu::STATUS_* are ntemu::Status objects).
 */
#ifndef NTEMU_WDK_H
#define NTEMU_WDK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* --- calling conventions, linkage and SAL annotations: no-ops ------------------------------ */
#ifndef NTAPI
#define NTAPI
#endif
#ifndef NTSYSAPI
#define NTSYSAPI
#endif
#ifndef NTKERNELAPI
#define NTKERNELAPI
#endif
#ifndef FASTCALL
#define FASTCALL
#endif
#ifndef DECLSPEC_IMPORT
#define DECLSPEC_IMPORT
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef __stdcall
#define __stdcall
#endif
#ifndef FORCEINLINE
#ifdef __cplusplus
#define FORCEINLINE inline
#else
#define FORCEINLINE static inline
#endif
#endif
#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif

#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_z_
#define _Printf_format_string_
#define _Outptr_
#define _Outptr_opt_
#define _Must_inspect_result_
#define _Check_return_
#define _Success_(expr)
#define _Use_decl_annotations_
#define _Function_class_(name)
#define _IRQL_requires_(irql)
#define _IRQL_requires_max_(irql)
#define _IRQL_requires_min_(irql)
#define _IRQL_requires_same_
#define _IRQL_raises_(irql)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(kind, param)
#define _IRQL_restores_global_(kind, param)
#define _Requires_lock_held_(lock)
#define _Requires_lock_not_held_(lock)
#define _Acquires_lock_(lock)
#define _Releases_lock_(lock)
#define _Guarded_by_(lock)
#define _Dispatch_type_(type)
#define _When_(expr, annotation)
#define _In_reads_(size)
#define _In_reads_bytes_(size)
#define _Out_writes_(size)
#define _Out_writes_bytes_(size)
#define _Out_writes_bytes_all_(size)
#define _Post_writable_byte_size_(size)
#define _Ret_maybenull_
#define _Frees_ptr_(p)
#define _Frees_ptr_opt_
#define _Analysis_assume_(expr)
#define _Field_size_(size)
#define _Field_size_bytes_(size)
#define __drv_allocatesMem(kind)
#define __drv_freesMem(kind)
#define __drv_aliasesMem
#define __drv_maxIRQL(irql)
#define __drv_requiresIRQL(irql)

/* --- basic types (LLP64 sizes) --------------------------------------------------------------- */
#ifndef VOID
#define VOID void
#endif
typedef void* PVOID;
typedef char CHAR;
typedef unsigned char UCHAR;
typedef short SHORT;
typedef unsigned short USHORT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t ULONG64;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef size_t SIZE_T;
typedef UCHAR BOOLEAN;
typedef BOOLEAN* PBOOLEAN;
typedef UCHAR* PUCHAR;
typedef USHORT* PUSHORT;
typedef ULONG* PULONG;
typedef LONG* PLONG;
typedef ULONG_PTR* PULONG_PTR;
typedef SIZE_T* PSIZE_T;
typedef CHAR* PCHAR;
typedef CHAR* PSTR;
typedef const CHAR* PCSTR;
typedef wchar_t WCHAR; /* the host's wchar_t, so L"..." literals work (see above) */
typedef WCHAR* PWCHAR;
typedef WCHAR* PWSTR;
typedef const WCHAR* PCWSTR;
typedef PVOID HANDLE;
typedef HANDLE* PHANDLE;
typedef LONG NTSTATUS;
typedef UCHAR KIRQL;
typedef KIRQL* PKIRQL;
typedef ULONG_PTR KSPIN_LOCK;
typedef KSPIN_LOCK* PKSPIN_LOCK;
typedef ULONG ACCESS_MASK;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL 0
#endif

#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define PAGED_CODE() ((void)0)
/* Through void*: the record is as aligned as its type, and clang's -Wcast-align (which GCC's
   checks only on strict-alignment targets) would otherwise flag every use. */
#define CONTAINING_RECORD(address, type, field) \
  ((type*)(void*)((PCHAR)(address)-offsetof(type, field)))

#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2

/* --- NTSTATUS values (ntstatus.h) ---------------------------------------------------------------
 */
#ifdef __cplusplus
constexpr NTSTATUS ntemu_wdk_status(uint32_t v) {
  return static_cast<NTSTATUS>(v);
}
#define NTEMU_WDK_STATUS(name, value) constexpr NTSTATUS name = ntemu_wdk_status(value##U);
inline constexpr bool NT_SUCCESS(NTSTATUS Status) {
  return Status >= 0;
}
#else
#define NTEMU_WDK_STATUS(name, value)
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L)
#define STATUS_INVALID_CID ((NTSTATUS)0xC000000BL)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#define STATUS_THREAD_IS_TERMINATING ((NTSTATUS)0xC000004BL)
#define STATUS_PROCEDURE_NOT_FOUND ((NTSTATUS)0xC000007AL)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#define STATUS_PROCESS_IS_TERMINATING ((NTSTATUS)0xC000010AL)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
#define STATUS_POSSIBLE_DEADLOCK ((NTSTATUS)0xC0000194L)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
#endif
NTEMU_WDK_STATUS(STATUS_SUCCESS, 0x00000000)
NTEMU_WDK_STATUS(STATUS_PENDING, 0x00000103)
NTEMU_WDK_STATUS(STATUS_UNSUCCESSFUL, 0xC0000001)
NTEMU_WDK_STATUS(STATUS_NOT_IMPLEMENTED, 0xC0000002)
NTEMU_WDK_STATUS(STATUS_INVALID_HANDLE, 0xC0000008)
NTEMU_WDK_STATUS(STATUS_INVALID_CID, 0xC000000B)
NTEMU_WDK_STATUS(STATUS_INVALID_PARAMETER, 0xC000000D)
NTEMU_WDK_STATUS(STATUS_NO_MEMORY, 0xC0000017)
NTEMU_WDK_STATUS(STATUS_ACCESS_DENIED, 0xC0000022)
NTEMU_WDK_STATUS(STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034)
NTEMU_WDK_STATUS(STATUS_THREAD_IS_TERMINATING, 0xC000004B)
NTEMU_WDK_STATUS(STATUS_PROCEDURE_NOT_FOUND, 0xC000007A)
NTEMU_WDK_STATUS(STATUS_INSUFFICIENT_RESOURCES, 0xC000009A)
NTEMU_WDK_STATUS(STATUS_NOT_SUPPORTED, 0xC00000BB)
NTEMU_WDK_STATUS(STATUS_PROCESS_IS_TERMINATING, 0xC000010A)
NTEMU_WDK_STATUS(STATUS_INVALID_DEVICE_STATE, 0xC0000184)
NTEMU_WDK_STATUS(STATUS_POSSIBLE_DEADLOCK, 0xC0000194)
NTEMU_WDK_STATUS(STATUS_NOT_FOUND, 0xC0000225)
#undef NTEMU_WDK_STATUS

/* --- strings, lists, client IDs --------------------------------------------------------------- */
typedef struct _UNICODE_STRING {
  USHORT Length;        /* in bytes, without a terminator */
  USHORT MaximumLength; /* in bytes */
  PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING* PCUNICODE_STRING;

typedef struct _LIST_ENTRY {
  struct _LIST_ENTRY* Flink;
  struct _LIST_ENTRY* Blink;
} LIST_ENTRY, *PLIST_ENTRY;

typedef struct _CLIENT_ID {
  HANDLE UniqueProcess;
  HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

/* --- objects: opaque handles to the model's objects ------------------------------------------- */
typedef struct _EPROCESS* PEPROCESS;
typedef struct _ETHREAD* PETHREAD;
typedef struct _FILE_OBJECT* PFILE_OBJECT;
struct _DEVICE_OBJECT;
struct _IRP;

/* --- notify routines ----------------------------------------------------------------------------
 */
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

/* --- driver objects -----------------------------------------------------------------------------
 */
struct _DRIVER_OBJECT;
typedef NTSTATUS DRIVER_INITIALIZE(struct _DRIVER_OBJECT* DriverObject,
                                   PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE* PDRIVER_INITIALIZE;
typedef VOID DRIVER_UNLOAD(struct _DRIVER_OBJECT* DriverObject);
typedef DRIVER_UNLOAD* PDRIVER_UNLOAD;
typedef NTSTATUS DRIVER_DISPATCH(struct _DEVICE_OBJECT* DeviceObject, struct _IRP* Irp);
typedef DRIVER_DISPATCH* PDRIVER_DISPATCH;

#define IRP_MJ_MAXIMUM_FUNCTION 0x1b

/* The documented members; ntemu fills DriverName, DriverInit and HardwareDatabase and reads
 * DriverUnload. DriverExtension, FastIoDispatch and DriverStartIo stay NULL. */
typedef struct _DRIVER_OBJECT {
  SHORT Type;
  SHORT Size;
  struct _DEVICE_OBJECT* DeviceObject;
  ULONG Flags;
  PVOID DriverStart;
  ULONG DriverSize;
  PVOID DriverSection;
  PVOID DriverExtension;
  UNICODE_STRING DriverName;
  PUNICODE_STRING HardwareDatabase;
  PVOID FastIoDispatch;
  PDRIVER_INITIALIZE DriverInit;
  PVOID DriverStartIo;
  PDRIVER_UNLOAD DriverUnload;
  PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
} DRIVER_OBJECT, *PDRIVER_OBJECT;

/* --- pool ----------------------------------------------------------------------------------------
 */
typedef enum _POOL_TYPE {
  NonPagedPool = 0,
  PagedPool = 1,
  NonPagedPoolMustSucceed = 2,
  NonPagedPoolCacheAligned = 4,
  PagedPoolCacheAligned = 5,
  NonPagedPoolNx = 512
} POOL_TYPE;

/* A lock for drivers that use fast mutexes. The members are ntemu's, not the WDK's: treat the
 * structure as opaque, as the WDK asks. */
typedef struct _FAST_MUTEX {
  LONG Count; /* 1 = free */
  ULONG OldIrql;
  ULONG_PTR Owner; /* 0 = free */
  PVOID Reserved[2];
} FAST_MUTEX, *PFAST_MUTEX;

#ifdef __cplusplus
extern "C" {
#endif

/* --- notify registration ------------------------------------------------------------------------
 */
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

/* --- processes, threads, objects ---------------------------------------------------------------
 */
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

/* --- debugger output ----------------------------------------------------------------------------
 */
/* Formatted with the WDK's meaning of the size prefixes (LLP64: %lu / %lx take a 32-bit ULONG,
 * %I64x / %llx 64 bits, %Iu / %zu pointer-sized), %ws / %ls / %S wide strings, %wZ a
 * PCUNICODE_STRING, %p the profile's pointer width in upper-case hex. One trailing newline is
 * dropped; the line goes to the harness's log and to the trace as a `dbgprint` event. Not
 * declared with the host's printf format attribute, whose size rules differ (LP64). */
ULONG DbgPrint(PCSTR Format, ...);
ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_IHVDRIVER_ID 77
#if defined(DBG) && !DBG
#define KdPrint(args) ((void)0)
#else
#define KdPrint(args) ((void)DbgPrint args)
#endif

/* --- pool and memory
 * ------------------------------------------------------------------------------ */
/* NULL on failure (no current kernel, size 0 refused, or an injected failure). Allocations are
 * tracked per harness: a leak at unload and a bad free are findings. */
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes);
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
VOID ExFreePool(PVOID P);
#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))
VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive);

/* --- locks and IRQL
 * --------------------------------------------------------------------------------- */
KIRQL KeGetCurrentIrql(VOID);
VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
/* Spins until free; raises this host thread's IRQL to DISPATCH_LEVEL. */
VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
VOID KeEnterCriticalRegion(VOID);
VOID KeLeaveCriticalRegion(VOID);
VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex);
/* Raises to APC_LEVEL while held; acquiring above APC_LEVEL is a finding. */
VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex);
VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex);

#ifdef __cplusplus
}
#endif

/* --- doubly linked lists (the WDK's inline helpers, re-implemented) --------------------------- */
FORCEINLINE VOID InitializeListHead(PLIST_ENTRY ListHead) {
  ListHead->Flink = ListHead;
  ListHead->Blink = ListHead;
}
FORCEINLINE BOOLEAN IsListEmpty(const LIST_ENTRY* ListHead) {
  return ListHead->Flink == ListHead ? TRUE : FALSE;
}
FORCEINLINE BOOLEAN RemoveEntryList(PLIST_ENTRY Entry) {
  PLIST_ENTRY next = Entry->Flink;
  PLIST_ENTRY previous = Entry->Blink;
  previous->Flink = next;
  next->Blink = previous;
  return next == previous ? TRUE : FALSE;
}
FORCEINLINE PLIST_ENTRY RemoveHeadList(PLIST_ENTRY ListHead) {
  PLIST_ENTRY entry = ListHead->Flink;
  RemoveEntryList(entry);
  return entry;
}
FORCEINLINE VOID InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
  PLIST_ENTRY last = ListHead->Blink;
  Entry->Flink = ListHead;
  Entry->Blink = last;
  last->Flink = Entry;
  ListHead->Blink = Entry;
}
FORCEINLINE VOID InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
  PLIST_ENTRY first = ListHead->Flink;
  Entry->Flink = first;
  Entry->Blink = ListHead;
  first->Blink = Entry;
  ListHead->Flink = Entry;
}

#endif /* NTEMU_WDK_H */
