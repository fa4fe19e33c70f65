// SPDX-License-Identifier: MIT
// ntemu::PerThread and ntemu::ThreadExitKey: per-host-thread state freed at a thread's end by a
// thread-specific key's destructor, which (unlike a thread_local's destructor under MinGW's
// emulated TLS) runs before the thread's storage is gone and is handed its value.
#include <atomic>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/support/per_thread.hpp"

using namespace ntemu;

namespace {

std::atomic<int> g_live{0};

struct Counted {
  Counted() { g_live.fetch_add(1); }
  ~Counted() { g_live.fetch_sub(1); }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  int value = 0;
};

std::atomic<void*> g_handed{nullptr};
std::atomic<int> g_calls{0};

void record_exit(void* value) {
  g_handed.store(value);
  g_calls.fetch_add(1);
}

}  // namespace

TEST_CASE("per-thread: each host thread has its own object, deleted when the thread ends") {
  PerThread<Counted> state;
  state.get().value = 1;
  const int before = g_live.load();
  int seen_by_thread = -1;
  bool same_twice = false;
  std::thread t([&] {
    seen_by_thread = state.get().value;  // a new object, not this thread's
    state.get().value = 2;
    same_twice = &state.get() == &state.get();
  });
  t.join();
  CHECK(seen_by_thread == 0);
  CHECK(same_twice);
  CHECK(g_live.load() == before);  // the thread's object went with it
  CHECK(state.get().value == 1);   // and this thread's is untouched
}

TEST_CASE("per-thread: a thread-exit key's routine is handed each value, once per thread") {
  static const ThreadExitKey* key = new ThreadExitKey(record_exit);
  int a = 0;
  int b = 0;
  g_calls.store(0);
  std::thread([&] { key->set(&a); }).join();
  CHECK(g_handed.load() == &a);
  CHECK(g_calls.load() == 1);
  std::thread([&] { key->set(&b); }).join();
  CHECK(g_handed.load() == &b);
  CHECK(g_calls.load() == 2);
  std::thread([] {}).join();  // a thread that set nothing: no call
  CHECK(g_calls.load() == 2);
}

TEST_CASE("per-thread: many threads at once each get and free their own object") {
  PerThread<Counted> state;
  state.get();
  const int before = g_live.load();
  std::vector<std::thread> threads;
  std::atomic<int> distinct{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      state.get().value = i + 10;
      std::this_thread::yield();
      if (state.get().value == i + 10) distinct.fetch_add(1);
    });
  }
  for (std::thread& t : threads)
    t.join();
  CHECK(distinct.load() == 8);
  CHECK(g_live.load() == before);
}
