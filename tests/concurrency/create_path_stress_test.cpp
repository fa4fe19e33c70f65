// SPDX-License-Identifier: MIT
// Host threads creating processes and threads in one win2000 kernel at once, while routines are
// registered: every ID is handed out once, every routine call is accounted for, and lookups from
// inside the routines see consistent objects. Run under the tsan preset (label "concurrency").
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

std::atomic<int> g_process_creates{0};
std::atomic<int> g_thread_creates{0};
std::atomic<int> g_bad_lookups{0};

void on_process(ProcessId, ProcessId pid, bool create) {
  if (!create) return;
  g_process_creates.fetch_add(1);
  Kernel& k = *Kernel::current();
  ps::Process* p = nullptr;
  if (k.PsLookupProcessByProcessId(pid, &p) != STATUS_SUCCESS || p->pid() != pid) {
    g_bad_lookups.fetch_add(1);
  }
  if (p != nullptr) k.ObDereferenceObject(*p);
}

void on_thread(ProcessId, ThreadId tid, bool create) {
  if (!create) return;
  g_thread_creates.fetch_add(1);
  Kernel& k = *Kernel::current();
  ps::Thread* t = nullptr;
  if (k.PsLookupThreadByThreadId(tid, &t) != STATUS_SUCCESS || t->tid() != tid) {
    g_bad_lookups.fetch_add(1);
  }
  if (t != nullptr) k.ObDereferenceObject(*t);
}

}  // namespace

TEST_CASE("stress: 2 host threads create processes and threads in one win2000 kernel") {
  Kernel k(Profile::win2000());
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&on_process, false) == STATUS_SUCCESS);
  REQUIRE(k.PsSetCreateThreadNotifyRoutine(&on_thread) == STATUS_SUCCESS);
  constexpr int kProcessesPerHost = 2000;
  constexpr int kThreadsPerProcess = 3;
  std::vector<std::vector<std::uint64_t>> ids(2);
  std::vector<std::thread> hosts;
  for (int h = 0; h < 2; ++h) {
    hosts.emplace_back([&, h] {
      for (int i = 0; i < kProcessesPerHost; ++i) {
        auto p = k.NtCreateProcess("p.exe");
        if (p.status != STATUS_SUCCESS) continue;
        for (int t = 0; t < kThreadsPerProcess; ++t) {
          auto created = k.NtCreateThread(*p.process);
          if (created.status == STATUS_SUCCESS)
            ids[static_cast<std::size_t>(h)].push_back(created.cid.UniqueThread.value());
        }
        ids[static_cast<std::size_t>(h)].push_back(p.process->pid().value());
      }
    });
  }
  for (auto& t : hosts)
    t.join();
  std::set<std::uint64_t> all;
  for (auto& v : ids)
    all.insert(v.begin(), v.end());
  const std::size_t expected = 2 * kProcessesPerHost * (kThreadsPerProcess + 1);
  CHECK(all.size() == expected);  // every PID and TID distinct
  CHECK(g_process_creates.load() == 2 * kProcessesPerHost);
  CHECK(g_thread_creates.load() == 2 * kProcessesPerHost * kThreadsPerProcess);
  CHECK(g_bad_lookups.load() == 0);
  CHECK(k.cid_table().handle_count() == expected + 2);  // + boot thread and System
}
