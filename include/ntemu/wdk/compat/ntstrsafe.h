/* SPDX-License-Identifier: MIT */
/* <ntstrsafe.h> for drivers built against ntemu: the WDK's surface is all in <ntemu/wdk.h>. This
 * directory (include/ntemu/wdk/compat) is on ntemu::wdk's include path only. */
#include <ntemu/wdk.h>
