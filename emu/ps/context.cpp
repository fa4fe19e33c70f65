// SPDX-License-Identifier: MIT
// The host thread's context (ps/context.hpp): its one definition, and the list of every host
// thread's context that a removal reads to count the calls of its routine still running.
#include "ntemu/ps/context.hpp"

#include <algorithm>
#include <vector>

#include "ntemu/support/asymmetric_fence.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::ps {

constinit thread_local HostContext t_host_context;

namespace {

// Every listed host thread's context. A spin lock, not an ntemu::Mutex: taking it is no
// scheduling point, so the explorer's schedules do not depend on who counts.
struct Registry {
  SpinLock lock;
  std::vector<const HostContext*> contexts NTEMU_GUARDED_BY(lock);
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: host threads may end after main
  return *r;
}

// Takes the calling host thread's context off the list when the thread ends.
struct Listing {
  explicit Listing(const HostContext& c) : context(c) {
    Registry& r = registry();
    SpinLocker hold(r.lock);
    r.contexts.push_back(&context);
  }
  ~Listing() {
    Registry& r = registry();
    SpinLocker hold(r.lock);
    r.contexts.erase(std::find(r.contexts.begin(), r.contexts.end(), &context));
  }
  Listing(const Listing&) = delete;
  Listing& operator=(const Listing&) = delete;
  const HostContext& context;
};

}  // namespace

void HostContext::list_me() {
  thread_local Listing listing(*this);
  listed_ = true;
}

int HostContext::running_everywhere(const NotifyRoutine& r) {
  Registry& reg = registry();
  SpinLocker hold(reg.lock);
  // Another host thread's push may still sit in its store buffer: make every thread pass a full
  // barrier first. A thread listed after this lock was last taken by it re-reads after the
  // caller's change instead; under a controlled scheduler the CPUs' hand-offs already order
  // everything.
  const bool alone = reg.contexts.size() == 1 && reg.contexts.front() == &t_host_context;
  if (!alone && !reg.contexts.empty() && !sched::controlled()) fence::heavy();
  int n = 0;
  for (const HostContext* c : reg.contexts)
    n += c->count(&r);
  return n;
}

}  // namespace ntemu::ps
