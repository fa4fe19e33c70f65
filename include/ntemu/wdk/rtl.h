/* SPDX-License-Identifier: MIT */
/* \file
 * ntemu/wdk/rtl.h: the run-time library's memory macros (RtlZeroMemory, RtlCopyMemory, ...)
 * and counted-string functions (RtlInitUnicodeString, RtlEqualUnicodeString). Part of
 * <ntemu/wdk.h>.
 */
#ifndef NTEMU_WDK_RTL_H
#define NTEMU_WDK_RTL_H

#include <string.h>

#include "ntemu/wdk/ntdef.h"

#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))

#ifdef __cplusplus
extern "C" {
#endif

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive);

#ifdef __cplusplus
}
#endif

#endif /* NTEMU_WDK_RTL_H */
