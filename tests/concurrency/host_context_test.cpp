// SPDX-License-Identifier: MIT
// The host threads' running-routine records (ps/context.hpp) as host threads come and go: a
// removal counting the calls of its routine on every host thread reads each thread's record,
// also while that thread ends. Each record lives on the heap and outlives its thread, handed to
// the next new thread; none lives in the ending thread's TLS, which MinGW's emulated TLS frees
// before thread_local destructors run (the fault issue 15's CI run met under wine).
#include <atomic>
#include <cstddef>
#include <thread>

#include <doctest/doctest.h>

#include "ntemu/ps/context.hpp"
#include "ntemu/ps/notify_routine.hpp"

using namespace ntemu;

namespace {
void some_function() {}
}  // namespace

TEST_CASE("host context: a routine running on a thread is counted, also while threads end") {
  const ps::NotifyRoutine routine(reinterpret_cast<const void*>(&some_function));
  const std::size_t records_before = ps::HostContext::records();
  std::atomic<bool> stop{false};
  std::atomic<long> counted{0};
  // A counter on its own host thread, as a removal would count, all the while.
  std::thread counter([&] {
    while (!stop.load()) {
      const int n = ps::HostContext::running_everywhere(routine);
      if (n < 0 || n > 1) counted.store(-1000000);  // never more than the one running
      if (counted.load() >= 0) counted.fetch_add(1);
    }
  });
  constexpr int kThreads = 300;
  int seen_running = 0;
  for (int i = 0; i < kThreads; ++i) {
    std::atomic<bool> pushed{false};
    std::atomic<bool> go{false};
    std::thread t([&] {
      ps::t_host_context.push_routine(&routine);
      pushed.store(true);
      while (!go.load())
        std::this_thread::yield();
      ps::t_host_context.pop_routine();
    });
    while (!pushed.load())
      std::this_thread::yield();
    if (ps::HostContext::running_everywhere(routine) == 1) ++seen_running;
    go.store(true);
    t.join();
    CHECK(ps::HostContext::running_everywhere(routine) == 0);
  }
  stop.store(true);
  counter.join();
  CHECK(seen_running == kThreads);
  CHECK(counted.load() > 0);
  // Threads one after another reuse the records of those that ended: one more at most, not
  // one per thread.
  CHECK(ps::HostContext::records() <= records_before + 1);
}
