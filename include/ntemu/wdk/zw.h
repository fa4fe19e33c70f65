/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/zw.h: sections and ZwClose — ZwCreateSection (page-file-backed sections: host
 * memory the harness owns and tracks), ZwMapViewOfSection / ZwUnmapViewOfSection into the
 * current process, ZwClose of a section handle or of a handle the model's handle tables hold.
 * A section is an opaque object: ObReferenceObjectByHandle on its handle (with
 * *MmSectionObjectType or no type) references it. A section handle still open, or a view still
 * mapped, when DriverUnload returns is a `resource-leak` finding. Not modelled: file-backed
 * sections (a FileHandle: STATUS_INVALID_HANDLE, there are no files), views in another
 * process (STATUS_NOT_SUPPORTED), names (ObjectAttributes' name is ignored: no ZwOpenSection).
 * Part of <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_ZW_H
#define NTEMU_WDK_ZW_H

#include "ntemu/wdk/ntdef.h"
#include "ntemu/wdk/ob.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _SECTION_INHERIT { ViewShare = 1, ViewUnmap = 2 } SECTION_INHERIT;

#define SECTION_QUERY 0x0001
#define SECTION_MAP_WRITE 0x0002
#define SECTION_MAP_READ 0x0004
#define SECTION_MAP_EXECUTE 0x0008
#define SECTION_EXTEND_SIZE 0x0010
#define SECTION_ALL_ACCESS 0x000F001F
#define SEC_COMMIT 0x08000000
#define SEC_RESERVE 0x04000000
#define SEC_IMAGE 0x01000000
#ifndef PAGE_NOACCESS
#define PAGE_NOACCESS 0x01
#define PAGE_READONLY 0x02
#define PAGE_READWRITE 0x04
#define PAGE_WRITECOPY 0x08
#define PAGE_EXECUTE 0x10
#define PAGE_EXECUTE_READ 0x20
#define PAGE_EXECUTE_READWRITE 0x40
#endif

#ifdef __cplusplus
constexpr NTSTATUS STATUS_CONFLICTING_ADDRESSES = ntemu_wdk_status(0xC0000018U);
constexpr NTSTATUS STATUS_NOT_MAPPED_VIEW = ntemu_wdk_status(0xC0000019U);
constexpr NTSTATUS STATUS_INVALID_VIEW_SIZE = ntemu_wdk_status(0xC000001FU);
constexpr NTSTATUS STATUS_SECTION_TOO_BIG = ntemu_wdk_status(0xC0000040U);
#else
#define STATUS_INVALID_VIEW_SIZE ((NTSTATUS)0xC000001FL)
#define STATUS_CONFLICTING_ADDRESSES ((NTSTATUS)0xC0000018L)
#define STATUS_NOT_MAPPED_VIEW ((NTSTATUS)0xC0000019L)
#define STATUS_SECTION_TOO_BIG ((NTSTATUS)0xC0000040L)
#endif

extern POBJECT_TYPE* MmSectionObjectType;

/* A section of *MaximumSize bytes (zeroed; at most 64 MiB: STATUS_SECTION_TOO_BIG), its handle
 * in *SectionHandle. STATUS_INVALID_PARAMETER without a size or handle pointer. */
NTSTATUS ZwCreateSection(PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
                         POBJECT_ATTRIBUTES ObjectAttributes, PLARGE_INTEGER MaximumSize,
                         ULONG SectionPageProtection, ULONG AllocationAttributes,
                         HANDLE FileHandle);
/* Maps *ViewSize bytes (0: to the end) from *SectionOffset (NULL: 0) into the current process
 * (ProcessHandle NtCurrentProcess()); *BaseAddress must be NULL on entry
 * (STATUS_CONFLICTING_ADDRESSES otherwise) and receives the view; a range outside the
 * section is STATUS_INVALID_VIEW_SIZE. */
NTSTATUS ZwMapViewOfSection(HANDLE SectionHandle, HANDLE ProcessHandle, PVOID* BaseAddress,
                            ULONG_PTR ZeroBits, SIZE_T CommitSize, PLARGE_INTEGER SectionOffset,
                            PSIZE_T ViewSize, SECTION_INHERIT InheritDisposition,
                            ULONG AllocationType, ULONG Win32Protect);
/* STATUS_NOT_MAPPED_VIEW unless BaseAddress is a view ZwMapViewOfSection returned. */
NTSTATUS ZwUnmapViewOfSection(HANDLE ProcessHandle, PVOID BaseAddress);
/* Closes a section handle, or a handle of the current process's table (a kernel handle: the
 * kernel's table). STATUS_INVALID_HANDLE if it is open in neither. */
NTSTATUS ZwClose(HANDLE Handle);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_ZW_H */
