/* SPDX-License-Identifier: MIT */
/* procwatch.h — the driver of the fuzzing example (docs/driver-testing.md, "Fuzz a driver"): it
 * keeps a pool-allocated record per live process, found by PID, counting the process's threads
 * and the images mapped into it, under a spin lock. ProcWatchSeededBug selects the mistake the
 * example's fuzzer finds: DriverUnload forgets the records of processes still running. */
#ifndef PROCWATCH_H
#define PROCWATCH_H

#include <ntemu/wdk.h> /* on a real build: <ntddk.h> */

#ifdef __cplusplus
extern "C" {
#endif

extern BOOLEAN ProcWatchSeededBug;

DRIVER_INITIALIZE ProcWatchEntry;
/* Empties the driver's globals, as a fresh load of its image would. */
VOID ProcWatchReset(VOID);
/* Records held now. */
ULONG ProcWatchCount(VOID);

#ifdef __cplusplus
}
#endif

#endif /* PROCWATCH_H */
