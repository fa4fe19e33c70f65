// SPDX-License-Identifier: MIT
// libFuzzer harness: bytes as a sequence of kernel API calls, on every profile, with the
// kernel's invariants checked after each step (docs/robustness.md).
//
// The first byte picks the profile (Profile::make for each version × arch) and whether
// PspCidTable is capped at one low-level page (so ID exhaustion is reached). Each following
// step is an operation byte and its arguments:
//   registrations and removals of 4 process, 4 thread and 4 Ex routines (any API, any routine,
//   also on profiles that lack the export); NtCreateProcess (any parent), NtCreateThread (any
//   process but Idle), PsCreateSystemThread; NtTerminateThread / NtTerminateProcess (any,
//   again and again); NtClose of a recorded handle (also after it was closed: stale), or of an
//   arbitrary (owner, value) pair; poke_unique_process_id; poke_clear_notify_slot (also out of
//   range); the three lookups with IDs of objects, tag bits, zero and junk; a context switch to
//   any thread the run made (exited ones too); audit; and what
//   each routine does when called (nothing, lookups, remove itself, register or remove another,
//   create a thread or a system thread, veto an Ex creation; and, on the process it is told of
//   — which win2000 keeps locked around the process-notify loop — terminate it, create a child of
//   it, close a handle, terminate a thread, dereference it once too often) — routines act at
//   depth < 3, at most 16 times per step.
//
// Invariants, checked after every step (the handle and process ones after every 8th step and at
// the end; the fast-ref one also inside every routine call); at most 1000 steps per input:
//   - PspCidTable ↔ objects: every entry names an object the object manager made; unless a PID
//     was poked, every entry names a live object carrying exactly that ID, no object has two,
//     and every live process with a PID and every live thread with a TID has its entry; with
//     pokes, the verifier's dangling-cid / leaked-cid / duplicate-cid findings are exactly the
//     entries this harness finds wrong, computed independently;
//   - handles: every object-table entry names a live object; each object's HandleCount equals
//     the entries naming it; PointerCount ≥ HandleCount; tombstones hold no count; a deleted
//     process's table is empty;
//   - processes: ActiveThreads equals the threads of the list not terminated; listed threads
//     are live and belong to the process;
//   - fast-ref accounting (CallbackManager::accounting_holds, recomputed from the slot words):
//     for every routine, Σ over installed blocks of (rundown holders − cached − 1) equals the
//     calls of it in flight; installed blocks are neither freed nor being run down; the
//     registration counter equals the occupied slots unless a slot was poked;
//   - lookups: a successful one returns a live object with the ID looked up (tag bits ignored;
//     processes: unless a PID was poked), by CID with the same Cid.UniqueProcess;
//   - every status is one the API documents;
//   - no exception but BugCheck leaves an API; after a BugCheck the machine is down and the run
//     stops (the kernel stays inspectable: the invariants that still must hold are checked).
// Everything is a function of the input: no clocks, no host addresses in decisions.
//
// This file: the routines and the entry point. The run's state is fuzz_api_run.hpp; the steps
// are decoded in fuzz_api_step.cpp, the calls made in fuzz_api_ops.cpp, the invariants checked
// in fuzz_api_invariants.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

#include "fuzz_api_run.hpp"
#include "ntemu/kernel.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/support/bugcheck.hpp"

namespace ntemu::fuzz_api {

void process_routine_body(int index, ProcessId parent, ProcessId pid, bool create) {
  (void)parent;
  (void)create;
  g_run->call(RoutineKind::Process, index, reinterpret_cast<const void*>(kProcessRoutines[index]),
              pid, ThreadId{}, nullptr);
}

void thread_routine_body(int index, ProcessId pid, ThreadId tid, bool create) {
  (void)create;
  g_run->call(RoutineKind::Thread, index, reinterpret_cast<const void*>(kThreadRoutines[index]),
              pid, tid, nullptr);
}

void ex_routine_body(int index, ps::Process* process, ProcessId pid, PS_CREATE_NOTIFY_INFO* info) {
  // (After an over-dereference the process may be gone under the loop: the driver's bug.)
  require(process != nullptr && (!process->is_deleted() || g_run->over_dereferenced),
          "an Ex routine got no live process");
  g_run->call(RoutineKind::Ex, index, reinterpret_cast<const void*>(kExRoutines[index]), pid,
              ThreadId{}, info);
}

}  // namespace ntemu::fuzz_api

using namespace ntemu;
using namespace ntemu::fuzz_api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool verbose = std::getenv("NTEMU_FUZZ_VERBOSE") != nullptr;
  FuzzedDataProvider in(data, size);
  const std::uint8_t pick = in.ConsumeIntegral<std::uint8_t>();
  // Six versions, two arches: the low bits pick the version, the next one the arch.
  constexpr std::size_t kVersionCount = std::size(kKernelVersions);
  Result<Profile> made = Profile::make(kKernelVersions[pick % kVersionCount],
                                       (pick / kVersionCount) % 2 == 0 ? Arch::X86 : Arch::X64);
  if (!made) return 0;  // a version ntemu does not model yet
  Profile profile = *made;
  if ((pick / (2 * kVersionCount)) % 4 == 0) profile.cid_table_page_limit = 1;  // ID exhaustion
  // NTEMU_FUZZ_VERBOSE=1: every kernel event and step on standard error (to read a reproducer).
  JsonlSink trace(stderr);
  Kernel k(profile, verbose ? &trace : nullptr);
  if (verbose) {
    std::fprintf(stderr, "fuzz_api: %s %s, cid_table_page_limit %u\n",
                 std::string(to_string(profile.version)).c_str(),
                 profile.arch == Arch::X86 ? "x86" : "x64", profile.cid_table_page_limit);
  }
  Run run(in, k);
  run.verbose = verbose;
  g_run = &run;
  std::size_t steps = 0;
  try {
    while (in.remaining_bytes() > 0 && steps++ < 1000)
      run.step();
  } catch (const BugCheck& b) {
    // The machine stopped; it stays inspectable (the CID/object checks need no consistency
    // the bugcheck may have broken, so only the verifier is run, which must not crash).
    require(k.bugcheck() != nullptr && k.bugcheck()->code() == b.code(),
            "a BugCheck escaped without stopping the machine");
    run.context.reset();
    // A bugcheck raised inside a routine unwinds through PspCreateThread, which may hold the
    // process lock the audit takes (docs/robustness.md): then the machine is only dropped.
    if (!run.bugcheck_in_routine) (void)k.audit();
    g_run = nullptr;
    return 0;
  }
  run.context.reset();
  run.check_invariants(/*with_audit=*/true);
  g_run = nullptr;
  return 0;
}
