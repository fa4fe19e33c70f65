// SPDX-License-Identifier: MIT
#include "running_calls.hpp"

#include <algorithm>
#include <vector>

#include "ntemu/support/asymmetric_fence.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::verify {
namespace {

// Every host thread's list, for removals to read. A spin lock, not an ntemu::Mutex: taking it is
// no scheduling point, so the explorer's schedules do not depend on the verifier.
struct Registry {
  SpinLock lock;
  std::vector<const RunningCalls*> lists NTEMU_GUARDED_BY(lock);
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: host threads may end after main
  return *r;
}

struct Holder {
  Holder() {
    Registry& r = registry();
    SpinLocker hold(r.lock);
    r.lists.push_back(&calls);
  }
  ~Holder() {
    Registry& r = registry();
    SpinLocker hold(r.lock);
    r.lists.erase(std::find(r.lists.begin(), r.lists.end(), &calls));
  }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  RunningCalls calls;
};

}  // namespace

RunningCalls& RunningCalls::make_mine() {
  thread_local Holder holder;
  t_mine = &holder.calls;
  return *t_mine;
}

int RunningCalls::count(const ps::NotifyRoutine& routine) const {
  const std::size_t depth =
      std::min<std::size_t>(depth_.load(std::memory_order_acquire), routines_.size());
  int n = 0;
  for (std::size_t i = 0; i < depth; ++i) {
    if (routines_[i].load(std::memory_order_relaxed) == &routine) ++n;
  }
  return n;
}

int RunningCalls::count_everywhere(const ps::NotifyRoutine& routine) {
  Registry& r = registry();
  SpinLocker hold(r.lock);
  // Another host thread's push may still sit in its store buffer: make every thread pass a full
  // barrier first. A thread that registered after this lock was last taken by it sees the cleared
  // slot instead; under a controlled scheduler the CPUs' hand-offs already order everything.
  const bool alone = r.lists.size() == 1 && r.lists.front() == t_mine;
  if (!alone && !r.lists.empty() && !sched::controlled()) fence::heavy();
  int n = 0;
  for (const RunningCalls* calls : r.lists)
    n += calls->count(routine);
  return n;
}

}  // namespace ntemu::verify
