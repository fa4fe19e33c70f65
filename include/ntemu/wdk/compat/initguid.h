/* SPDX-License-Identifier: MIT */
/* <initguid.h> for drivers built against ntemu: DEFINE_GUID defines the GUID from here on
 * (instead of declaring it). This directory (include/ntemu/wdk/compat) is on ntemu::wdk's
 * include path only. */
#include <ntemu/wdk.h>
#ifndef INITGUID
#define INITGUID
#endif
#undef DEFINE_GUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
  NTEMU_WDK_GUID_STORAGE const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
