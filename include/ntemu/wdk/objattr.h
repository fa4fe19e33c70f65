/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/objattr.h: naming and opening objects (ntdef.h, winnt.h's access rights):
 * OBJECT_ATTRIBUTES with its OBJ_* flags and initialisers, and the access-mask bits (standard,
 * generic, process and thread rights).
 * Part of ntemu/wdk/ntdef.h, which includes it: drivers include <ntemu/wdk.h> (or the WDK's
 * own header names), never this file alone.
 */
#ifndef NTEMU_WDK_OBJATTR_H
#define NTEMU_WDK_OBJATTR_H

#include "ntemu/wdk/basestructs.h"

/* --- object attributes ------------------------------------------------------------------------ */
typedef struct _OBJECT_ATTRIBUTES {
  ULONG Length;
  HANDLE RootDirectory;
  PUNICODE_STRING ObjectName;
  ULONG Attributes;
  PVOID SecurityDescriptor;
  PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef const OBJECT_ATTRIBUTES* PCOBJECT_ATTRIBUTES;
#define OBJ_INHERIT 0x00000002L
#define OBJ_PERMANENT 0x00000010L
#define OBJ_EXCLUSIVE 0x00000020L
#define OBJ_CASE_INSENSITIVE 0x00000040L
#define OBJ_OPENIF 0x00000080L
#define OBJ_OPENLINK 0x00000100L
#define OBJ_KERNEL_HANDLE 0x00000200L
#define OBJ_FORCE_ACCESS_CHECK 0x00000400L
#define OBJ_IGNORE_IMPERSONATED_DEVICEMAP 0x00000800L
#define OBJ_DONT_REPARSE 0x00001000L
#define OBJ_VALID_ATTRIBUTES 0x00001FF2L
#define InitializeObjectAttributes(p, n, a, r, s)             \
  {                                                           \
    (p)->Length = NTEMU_WDK_ULONG(sizeof(OBJECT_ATTRIBUTES)); \
    (p)->RootDirectory = (r);                                 \
    (p)->Attributes = NTEMU_WDK_ULONG(a);                     \
    (p)->ObjectName = (n);                                    \
    (p)->SecurityDescriptor = (s);                            \
    (p)->SecurityQualityOfService = NULL;                     \
  }
#define RTL_CONSTANT_OBJECT_ATTRIBUTES(n, a) \
  { sizeof(OBJECT_ATTRIBUTES), NULL, RTL_CONST_CAST(PUNICODE_STRING)(n), a, NULL, NULL }
#define RTL_CONST_CAST(type) (type)

/* --- access masks ----------------------------------------------------------------------------- */
#define DELETE 0x00010000U
#define READ_CONTROL 0x00020000U
#define WRITE_DAC 0x00040000U
#define WRITE_OWNER 0x00080000U
#define SYNCHRONIZE 0x00100000U
#define STANDARD_RIGHTS_REQUIRED 0x000F0000U
#define STANDARD_RIGHTS_READ READ_CONTROL
#define STANDARD_RIGHTS_WRITE READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE READ_CONTROL
#define STANDARD_RIGHTS_ALL 0x001F0000U
#define SPECIFIC_RIGHTS_ALL 0x0000FFFFU
#define ACCESS_SYSTEM_SECURITY 0x01000000U
#define MAXIMUM_ALLOWED 0x02000000U
#define GENERIC_READ 0x80000000U
#define GENERIC_WRITE 0x40000000U
#define GENERIC_EXECUTE 0x20000000U
#define GENERIC_ALL 0x10000000U
#define PROCESS_TERMINATE 0x0001U
#define PROCESS_CREATE_THREAD 0x0002U
#define PROCESS_SET_SESSIONID 0x0004U
#define PROCESS_VM_OPERATION 0x0008U
#define PROCESS_VM_READ 0x0010U
#define PROCESS_VM_WRITE 0x0020U
#define PROCESS_DUP_HANDLE 0x0040U
#define PROCESS_CREATE_PROCESS 0x0080U
#define PROCESS_SET_QUOTA 0x0100U
#define PROCESS_SET_INFORMATION 0x0200U
#define PROCESS_QUERY_INFORMATION 0x0400U
#define PROCESS_SUSPEND_RESUME 0x0800U
#define PROCESS_QUERY_LIMITED_INFORMATION 0x1000U
#define PROCESS_SET_LIMITED_INFORMATION 0x2000U
#define PROCESS_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFFU)
#define THREAD_TERMINATE 0x0001U
#define THREAD_SUSPEND_RESUME 0x0002U
#define THREAD_ALERT 0x0004U
#define THREAD_GET_CONTEXT 0x0008U
#define THREAD_SET_CONTEXT 0x0010U
#define THREAD_SET_INFORMATION 0x0020U
#define THREAD_QUERY_INFORMATION 0x0040U
#define THREAD_SET_THREAD_TOKEN 0x0080U
#define THREAD_IMPERSONATE 0x0100U
#define THREAD_DIRECT_IMPERSONATION 0x0200U
#define THREAD_SET_LIMITED_INFORMATION 0x0400U
#define THREAD_QUERY_LIMITED_INFORMATION 0x0800U
#define THREAD_RESUME 0x1000U
#define THREAD_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFFU)

#endif /* NTEMU_WDK_OBJATTR_H */
