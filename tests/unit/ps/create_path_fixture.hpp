// SPDX-License-Identifier: MIT
// What the win2000 creation-path tests share (create_path_test.cpp and its neighbours
// create_path_*_test.cpp): recording notify routines (each call's arguments, the current IDs
// inside it and, when asked, the kb stack, into g_calls), a kernel on a recording sink with the
// routines named, and the PspCidTable operations the sink saw.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

namespace ntemu::create_path_test {

// What a recording routine saw.
struct Call {
  std::string routine;
  std::uint64_t a = 0;  // ParentId or ProcessId
  std::uint64_t b = 0;  // ProcessId or ThreadId
  bool create = false;
  ClientId context{};  // PsGetCurrentProcessId / PsGetCurrentThreadId inside the routine
  std::string stack;   // the kb stack, when asked for
};

inline std::vector<Call> g_calls;
inline bool g_capture_stack = false;

inline void record(const char* name, std::uint64_t a, std::uint64_t b, bool create) {
  Kernel* k = Kernel::current();
  REQUIRE(k != nullptr);
  g_calls.push_back({name,
                     a,
                     b,
                     create,
                     {k->PsGetCurrentProcessId(), k->PsGetCurrentThreadId()},
                     g_capture_stack ? k->format_stack_kb() : std::string{}});
}

inline void proc_a(ProcessId parent, ProcessId pid, bool create) {
  record("proc_a", parent.value(), pid.value(), create);
}
inline void proc_b(ProcessId parent, ProcessId pid, bool create) {
  record("proc_b", parent.value(), pid.value(), create);
}
inline void proc_c(ProcessId parent, ProcessId pid, bool create) {
  record("proc_c", parent.value(), pid.value(), create);
}
inline void thread_a(ProcessId pid, ThreadId tid, bool create) {
  record("thread_a", pid.value(), tid.value(), create);
}

struct Fixture {
  Fixture() : Fixture(Profile::win2000()) {}
  explicit Fixture(Profile p) : k(p, &sink) {
    g_calls.clear();
    g_capture_stack = false;
    k.name_routine(reinterpret_cast<const void*>(&proc_a), "drv", "ProcA");
    k.name_routine(reinterpret_cast<const void*>(&proc_b), "drv", "ProcB");
    k.name_routine(reinterpret_cast<const void*>(&proc_c), "drv", "ProcC");
    k.name_routine(reinterpret_cast<const void*>(&thread_a), "drv", "ThreadA");
  }
  // A user process with one thread, made from the first system thread (like `CreateProcess`).
  std::pair<ps::Process*, ps::Thread*> create_process(const std::string& name) {
    auto p = k.NtCreateProcess(name);
    REQUIRE(p.status == STATUS_SUCCESS);
    auto t = k.NtCreateThread(*p.process, CreateSuspended::No, name + "_t1");
    REQUIRE(t.status == STATUS_SUCCESS);
    return {p.process, t.thread};
  }
  RecordingSink sink;
  Kernel k;
};

inline std::vector<std::string> cid_ops(const RecordingSink& sink) {
  std::vector<std::string> out;
  for (const Event& e : sink.events()) {
    if (e.name != "cid") continue;
    out.push_back(std::get<std::string>(e.find("op")->value) + " " +
                  std::to_string(std::get<std::uint64_t>(e.find("handle")->value)) + " " +
                  std::get<std::string>(e.find("type")->value));
  }
  return out;
}

}  // namespace ntemu::create_path_test
