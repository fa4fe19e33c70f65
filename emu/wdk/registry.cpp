// SPDX-License-Identifier: MIT
// The registry of harness-driven kernels: a map from each Harness's kernel to its state, so that
// a WDK function, which knows only the kernel current on its host thread (Kernel::current()),
// finds the harness that records its DbgPrint lines, tracks its pool and knows whether the
// driver's code is still loaded. Harnesses register at construction and leave at destruction;
// the map is only looked up, never iterated, so nothing in any output depends on its order.
// Every WDK call asks it (current()), so each host thread keeps its last answer, valid while
// no harness has registered or left since: a generation counter, bumped under the lock by each
// change, says so without taking the lock.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>

#include "state.hpp"

namespace ntemu::wdk {
namespace {

std::mutex g_registry_lock;
std::map<const Kernel*, Harness::State*>& registry() {
  static std::map<const Kernel*, Harness::State*> map;  // lookup only
  return map;
}

// Bumped (under g_registry_lock, after the map changed) by every register and unregister, so
// a kernel freed and another made at its address never matches a cached answer.
std::atomic<std::uint64_t> g_generation{0};

// This host thread's last answer of state_of, and the generation it was read at.
struct CachedState {
  const Kernel* kernel = nullptr;
  Harness::State* state = nullptr;
  std::uint64_t generation = ~std::uint64_t{0};
};
thread_local CachedState t_cached;

}  // namespace

void register_state(const Kernel* kernel, Harness::State* state) {
  std::lock_guard hold(g_registry_lock);
  registry()[kernel] = state;
  g_generation.fetch_add(1, std::memory_order_release);
}

void unregister_state(const Kernel* kernel) {
  std::lock_guard hold(g_registry_lock);
  registry().erase(kernel);
  g_generation.fetch_add(1, std::memory_order_release);
}

Harness::State* state_of(const Kernel* kernel) {
  // A harness leaving while another host thread still calls into its kernel is the caller's
  // race with or without the cache: the answer was as stale a moment later before.
  if (t_cached.kernel == kernel &&
      t_cached.generation == g_generation.load(std::memory_order_acquire))
    return t_cached.state;
  std::lock_guard hold(g_registry_lock);
  auto it = registry().find(kernel);
  Harness::State* state = it == registry().end() ? nullptr : it->second;
  t_cached = {kernel, state, g_generation.load(std::memory_order_relaxed)};
  return state;
}

Current current() {
  Kernel* k = Kernel::current();
  return {k, k == nullptr ? nullptr : state_of(k)};
}

}  // namespace ntemu::wdk
