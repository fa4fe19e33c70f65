/* SPDX-License-Identifier: MIT */
/* free_build.h — see free_build.c. */
#ifndef NTEMU_TESTS_WDK_FREE_BUILD_H
#define NTEMU_TESTS_WDK_FREE_BUILD_H

#ifdef __cplusplus
extern "C" {
#endif

/* Prints through KdPrint, KdPrintEx and DbgPrint and asserts; returns how many of their
 * arguments were evaluated (0 in a free build). */
int FreeBuildPrint(void);
/* Counts one evaluation (what the free build must not call). */
int FreeBuildEvaluate(void);

#ifdef __cplusplus
}
#endif

#endif
