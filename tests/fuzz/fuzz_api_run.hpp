// SPDX-License-Identifier: MIT
// The state of one ntemu_fuzz_api input (fuzz_api.cpp): the kernel, what the run made (processes,
// threads, handles), what each of the 4 process, 4 thread and 4 Ex routines does when called,
// and the calls in flight; the harness's checks (`require`: a violated invariant aborts with its
// message). Run's members are defined by concern: fuzz_api_step.cpp decodes the bytes into steps,
// fuzz_api_ops.cpp makes the API calls and the routines' actions, fuzz_api_invariants.cpp checks
// the kernel's invariants.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ntemu/kernel.hpp"

namespace ntemu::fuzz_api {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_api: invariant violated: %s\n", what.c_str());
  std::abort();
}

inline void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

// As require, with the message built only on failure.
template <class... Args>
void require(bool ok, fmt::format_string<Args...> format, Args&&... args) {
  if (!ok) fail(fmt::format(format, std::forward<Args>(args)...));
}

inline bool one_of(Status s, std::initializer_list<Status> allowed) {
  return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

constexpr int kRoutines = 4;

enum class Action : std::uint8_t {
  None,
  Lookups,
  RemoveSelf,
  RegisterOther,
  RemoveOther,
  CreateThread,
  CreateSystemThread,
  Veto,
  // Calls on the object the routine is told of, which on win2000 runs under that process's
  // lock (ProcessLockDuringNotify::Held): each once hung the host.
  TerminateNotified,
  TerminateThread,
  CreateChild,
  CloseHandle,
  OverDereference,
  kCount,
};

enum class RoutineKind : std::uint8_t { Process, Thread, Ex };

struct HandleRecord {
  ps::Process* owner;
  Handle handle;
};

// The routines (fuzz_api.cpp): each hands its call to the current Run.
void process_routine_body(int index, ProcessId parent, ProcessId pid, bool create);
void thread_routine_body(int index, ProcessId pid, ThreadId tid, bool create);
void ex_routine_body(int index, ps::Process* process, ProcessId pid, PS_CREATE_NOTIFY_INFO* info);

template <int I>
void process_routine(ProcessId parent, ProcessId pid, bool create) {
  process_routine_body(I, parent, pid, create);
}
template <int I>
void thread_routine(ProcessId pid, ThreadId tid, bool create) {
  thread_routine_body(I, pid, tid, create);
}
template <int I>
void ex_routine(ps::Process* process, ProcessId pid, PS_CREATE_NOTIFY_INFO* info) {
  ex_routine_body(I, process, pid, info);
}

inline constexpr PCREATE_PROCESS_NOTIFY_ROUTINE kProcessRoutines[kRoutines] = {
    process_routine<0>, process_routine<1>, process_routine<2>, process_routine<3>};
inline constexpr PCREATE_THREAD_NOTIFY_ROUTINE kThreadRoutines[kRoutines] = {
    thread_routine<0>, thread_routine<1>, thread_routine<2>, thread_routine<3>};
inline constexpr PCREATE_PROCESS_NOTIFY_ROUTINE_EX kExRoutines[kRoutines] = {
    ex_routine<0>, ex_routine<1>, ex_routine<2>, ex_routine<3>};

using ob::OB_CALLBACK_REGISTRATION;
using ob::OB_OPERATION_REGISTRATION;
// The object-callback pre routine (fuzz_api_ops.cpp): strips PROCESS_TERMINATE.
ob::OB_PREOP_CALLBACK_STATUS strip_terminate(void*, ob::OB_PRE_OPERATION_INFORMATION* info);

struct Run {
  FuzzedDataProvider& in;
  Kernel& k;
  std::vector<ps::Process*> processes;  // System first; never Idle
  std::vector<ps::Thread*> threads;     // the first system thread first
  std::vector<HandleRecord> handles;
  std::unique_ptr<Kernel::ContextScope> context;
  Action actions[3][kRoutines] = {};
  std::map<const void*, int> in_flight;  // routine → calls running now
  int depth = 0;
  bool poked_pid = false;
  bool poked_slot = false;
  bool over_dereferenced = false;  // a routine dropped a reference it did not own
  bool routine_closed = false;     // a routine closed a handle or terminated a thread or process
  bool bugcheck_in_routine = false;
  bool verbose = false;
  std::uint64_t checks = 0;
  int actions_left = 0;  // routine actions still allowed in this step
  // One object-callback registration (Vista SP1+) the steps toggle: its pre routine strips
  // PROCESS_TERMINATE from every process handle made.
  OB_OPERATION_REGISTRATION ob_operation{
      ob::ObjectType::Process, ob::OB_OPERATION_HANDLE_CREATE | ob::OB_OPERATION_HANDLE_DUPLICATE,
      &strip_terminate, nullptr};
  OB_CALLBACK_REGISTRATION ob_callbacks{ob::OB_FLT_REGISTRATION_VERSION, 1, "320000", nullptr,
                                        &ob_operation};
  void* ob_registration = nullptr;

  Run(FuzzedDataProvider& input, Kernel& kernel) : in(input), k(kernel) {
    processes.push_back(&k.system_process());
    threads.push_back(&k.first_system_thread());
  }

  template <class T>
  T* pick(const std::vector<T*>& v) {
    if (v.empty()) return nullptr;
    return v[in.ConsumeIntegralInRange<std::size_t>(0, v.size() - 1)];
  }

  // --- the input decoder (fuzz_api_step.cpp) -------------------------------------------------
  std::uint64_t some_id();
  void step();

  // --- bookkeeping of creations (fuzz_api_ops.cpp) -------------------------------------------
  void created(const Kernel::ThreadCreated& r, bool system);
  void create_thread(ps::Process& p);
  void create_system_thread();

  // --- API calls a step or a routine makes (fuzz_api_ops.cpp) --------------------------------
  bool may_deadlock() const;
  void create_process(ps::Process* parent);
  void terminate_thread(ps::Thread& t);
  void terminate_process(ps::Process& p);
  void close_handle();
  ps::Process* notified_process(ProcessId pid);
  void registration(RoutineKind kind, int index, bool remove);

  // --- what a routine does when called (fuzz_api_ops.cpp) ------------------------------------
  void act(RoutineKind kind, int index, ProcessId pid, ThreadId tid, PS_CREATE_NOTIFY_INFO* info);
  void call(RoutineKind kind, int index, const void* routine, ProcessId pid, ThreadId tid,
            PS_CREATE_NOTIFY_INFO* info);

  // --- invariants (fuzz_api_invariants.cpp) --------------------------------------------------
  template <class Array>
  void check_array(const Array& a, std::map<const void*, std::int64_t>& extra);
  void check_fast_refs();
  static std::uint64_t id_of(const ob::Object& o);
  void check_invariants(bool with_audit);
};

// The run the routines report to (set by LLVMFuzzerTestOneInput for each input).
inline Run* g_run = nullptr;

}  // namespace ntemu::fuzz_api
