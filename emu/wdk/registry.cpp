// SPDX-License-Identifier: MIT
// The registry of harness-driven kernels: a map from each Harness's kernel to its state, so that
// a WDK function, which knows only the kernel current on its host thread (Kernel::current()),
// finds the harness that records its DbgPrint lines, tracks its pool and knows whether the
// driver's code is still loaded. Harnesses register at construction and leave at destruction;
// the map is only looked up, never iterated, so nothing in any output depends on its order.
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

}  // namespace

void register_state(const Kernel* kernel, Harness::State* state) {
  std::lock_guard hold(g_registry_lock);
  registry()[kernel] = state;
}

void unregister_state(const Kernel* kernel) {
  std::lock_guard hold(g_registry_lock);
  registry().erase(kernel);
}

Harness::State* state_of(const Kernel* kernel) {
  std::lock_guard hold(g_registry_lock);
  auto it = registry().find(kernel);
  return it == registry().end() ? nullptr : it->second;
}

Current current() {
  Kernel* k = Kernel::current();
  return {k, k == nullptr ? nullptr : state_of(k)};
}

}  // namespace ntemu::wdk
