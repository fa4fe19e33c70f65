/* SPDX-License-Identifier: MIT */
/* free_build.c — driver code compiled as a free build: DBG is not defined by its build, so
 * <ntddk.h> makes it 0, and KdPrint / KdPrintEx / ASSERT compile to nothing (their arguments
 * are not evaluated), while DbgPrint always prints. */
#include <ntddk.h>

#include "free_build.h"

static int FreeBuildEvaluated;

int FreeBuildEvaluate(void) {
  ++FreeBuildEvaluated;
  return 0;
}

int FreeBuildPrint(void) {
  FreeBuildEvaluated = 0;
  KdPrint(("free: KdPrint %d\n", FreeBuildEvaluate()));
  KdPrintEx((DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "free: KdPrintEx %d\n", FreeBuildEvaluate()));
  ASSERT(FreeBuildEvaluate() == 1);
  DbgPrint("free: DbgPrint DBG=%d\n", DBG);
  return FreeBuildEvaluated;
}
