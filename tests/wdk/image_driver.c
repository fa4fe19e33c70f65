/* SPDX-License-Identifier: MIT */
/* image_driver.c — see image_driver.h. Written against the WDK's documented signatures. */
#include "image_driver.h"

/* Not declared by the WDK: drivers declare it themselves. */
NTKERNELAPI PCHAR PsGetProcessImageFileName(PEPROCESS Process);

typedef NTSTATUS (*SET_IMAGE_EX)(PLOAD_IMAGE_NOTIFY_ROUTINE, ULONG_PTR);
typedef NTSTATUS (*REMOVE_IMAGE)(PLOAD_IMAGE_NOTIFY_ROUTINE);
typedef NTSTATUS (*LOCATE_NAME)(PEPROCESS, PUNICODE_STRING*);

IMAGE_MONITOR ImageMonitor;
static DRIVER_UNLOAD ImageMonitorUnload;

VOID ImageMonitorReset(VOID) {
  RtlZeroMemory(&ImageMonitor, sizeof(ImageMonitor));
  ImageMonitor.FreeNames = TRUE;
}

static PVOID Routine(PCWSTR name) {
  UNICODE_STRING u;
  RtlInitUnicodeString(&u, name);
  return MmGetSystemRoutineAddress(&u);
}

/* ISO C has no cast from an object pointer to a function pointer (MSVC accepts one): copy it. */
#define ROUTINE(type, name, var) /* type: documentation only */ \
  do {                                                          \
    PVOID address_ = Routine(name);                             \
    RtlCopyMemory(&(var), &address_, sizeof(var));              \
  } while (0)

static VOID Narrow(CHAR* out, SIZE_T size, PCUNICODE_STRING in) {
  SIZE_T i = 0;
  if (in != NULL && in->Buffer != NULL) {
    SIZE_T chars = in->Length / sizeof(WCHAR);
    for (; i < chars && i + 1 < size; ++i)
      out[i] = (CHAR)in->Buffer[i];
  }
  out[i] = 0;
}

VOID ImageMonitorLoadImage(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo) {
  IMAGE_LOG_ENTRY* e;
  if (ImageMonitor.Count++ >= IMAGE_LOG_SIZE) return;
  e = &ImageMonitor.Log[ImageMonitor.Count - 1];
  e->ProcessId = ProcessId;
  e->CurrentProcessId = PsGetCurrentProcessId();
  Narrow(e->Name, sizeof(e->Name), FullImageName);
  if (ImageInfo != NULL) {
    e->SystemModeImage = ImageInfo->SystemModeImage;
    e->AddressingMode = ImageInfo->ImageAddressingMode;
    e->Base = ImageInfo->ImageBase;
    e->Size = ImageInfo->ImageSize;
  }
}

VOID ImageMonitorProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create) {
  PEPROCESS process = NULL;
  LOCATE_NAME locate;
  UNREFERENCED_PARAMETER(ParentId);
  if (!Create || !NT_SUCCESS(PsLookupProcessByProcessId(ProcessId, &process))) return;
  ++ImageMonitor.ProcessCreates;
  {
    const CHAR* name = PsGetProcessImageFileName(process);
    SIZE_T i = 0;
    for (; name != NULL && name[i] != 0 && i + 1 < sizeof(ImageMonitor.ShortName); ++i) {
      ImageMonitor.ShortName[i] = name[i];
    }
    ImageMonitor.ShortName[i] = 0;
  }
  ROUTINE(LOCATE_NAME, L"SeLocateProcessImageName", locate);
  ImageMonitor.LocateStatus = STATUS_NOT_IMPLEMENTED;
  if (locate != NULL) {
    PUNICODE_STRING full = NULL;
    ImageMonitor.LocateStatus = locate(process, &full);
    if (NT_SUCCESS(ImageMonitor.LocateStatus)) {
      Narrow(ImageMonitor.FullName, sizeof(ImageMonitor.FullName), full);
      if (ImageMonitor.FreeNames) ExFreePool(full);
    }
  }
  ObDereferenceObject(process);
}

static VOID ImageMonitorUnload(PDRIVER_OBJECT DriverObject) {
  REMOVE_IMAGE remove;
  UNREFERENCED_PARAMETER(DriverObject);
  ROUTINE(REMOVE_IMAGE, L"PsRemoveLoadImageNotifyRoutine", remove);
  PsSetCreateProcessNotifyRoutine(ImageMonitorProcess, TRUE);
  ImageMonitor.RemoveStatus =
      remove != NULL ? remove(ImageMonitorLoadImage) : STATUS_NOT_IMPLEMENTED;
}

NTSTATUS ImageMonitorEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  SET_IMAGE_EX set_ex;
  NTSTATUS status;
  UNREFERENCED_PARAMETER(RegistryPath);
  ROUTINE(SET_IMAGE_EX, L"PsSetLoadImageNotifyRoutineEx", set_ex);
  if (ImageMonitor.UseEx && set_ex != NULL) {
    status = set_ex(ImageMonitorLoadImage, PS_IMAGE_NOTIFY_CONFLICTING_ARCHITECTURE);
  } else {
    status = PsSetLoadImageNotifyRoutine(ImageMonitorLoadImage);
  }
  ImageMonitor.RegisterStatus = status;
  if (!NT_SUCCESS(status)) return status;
  status = PsSetCreateProcessNotifyRoutine(ImageMonitorProcess, FALSE);
  if (!NT_SUCCESS(status)) {
    REMOVE_IMAGE remove;
    ROUTINE(REMOVE_IMAGE, L"PsRemoveLoadImageNotifyRoutine", remove);
    if (remove != NULL) remove(ImageMonitorLoadImage);
    return status;
  }
  DriverObject->DriverUnload = ImageMonitorUnload;
  return STATUS_SUCCESS;
}
