// SPDX-License-Identifier: MIT
// ntemu::AtomicRef and ntemu::atomic_wait: the portability shims behave as the std members they
// stand for, whichever branch this standard library takes (libc++ 14 takes AtomicRef's
// builtins branch; MinGW's libstdc++ takes atomic_wait's polling branch).
#include <atomic>
#include <cstdint>
#include <thread>

#include <doctest/doctest.h>

#include "ntemu/support/atomic_ref.hpp"
#include "ntemu/support/atomic_wait.hpp"

using namespace ntemu;

TEST_CASE("AtomicRef: load, store and compare_exchange_weak on a plain word") {
  alignas(AtomicRef<std::uint64_t>::required_alignment) std::uint64_t word = 5;
  static_assert(AtomicRef<std::uint64_t>::required_alignment >= alignof(std::uint64_t));
  AtomicRef<std::uint64_t> ref(word);
  CHECK(ref.load(std::memory_order_acquire) == 5);
  ref.store(7, std::memory_order_release);
  CHECK(word == 7);
  std::uint64_t expected = 6;
  CHECK_FALSE(
      ref.compare_exchange_weak(expected, 9, std::memory_order_acq_rel, std::memory_order_acquire));
  CHECK(expected == 7);  // the failed exchange reloads the value
  while (!ref.compare_exchange_weak(expected, 9, std::memory_order_acq_rel)) {
  }
  CHECK(word == 9);
}

TEST_CASE("atomic_wait: returns at once on another value, and after a store plus notify") {
  std::atomic<std::uint32_t> state{1};
  atomic_wait(state, 0u, std::memory_order_acquire);  // 1 != 0: no wait
  std::thread setter([&] {
    state.store(2, std::memory_order_release);
    atomic_notify_all(state);
  });
  while (state.load(std::memory_order_acquire) == 1)
    atomic_wait(state, 1u, std::memory_order_acquire);
  setter.join();
  CHECK(state.load() == 2);
}
