// SPDX-License-Identifier: MIT
// The host thread's context (ps/context.hpp): its one definition, and the list of every host
// thread's running routines that a removal reads to count the calls of its routine in flight.
#include "ntemu/ps/context.hpp"

#include <memory>
#include <vector>

#include "ntemu/support/asymmetric_fence.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/per_thread.hpp"
#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::ps {

constinit thread_local HostContext t_host_context;

namespace {

// Every host thread's record of its running routines, made on a thread's first push and kept
// for the process's life: a removal on another thread may be reading one as its thread ends.
// An ended thread's record (depth 0 again) waits in `spare` for the next new thread. A spin
// lock, not an ntemu::Mutex: taking it is no scheduling point, so the explorer's schedules do
// not depend on who counts.
struct Registry {
  SpinLock lock;
  std::vector<std::unique_ptr<RunningRoutines>> all NTEMU_GUARDED_BY(lock);
  std::vector<RunningRoutines*> spare NTEMU_GUARDED_BY(lock);
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: host threads may end after main
  return *r;
}

// At a host thread's end: its record goes back, without the thread's TLS being touched.
void hand_back(void* record) {
  if (record == nullptr) return;
  Registry& r = registry();
  SpinLocker hold(r.lock);
  r.spare.push_back(static_cast<RunningRoutines*>(record));
}

const ThreadExitKey& exit_key() {
  static const ThreadExitKey* k = new ThreadExitKey(hand_back);
  return *k;
}

}  // namespace

RunningRoutines* HostContext::take_running() {
  const ThreadExitKey& key = exit_key();
  Registry& r = registry();
  RunningRoutines* mine = nullptr;
  {
    SpinLocker hold(r.lock);
    if (r.spare.empty()) {
      r.all.push_back(std::make_unique<RunningRoutines>());
      mine = r.all.back().get();
    } else {
      mine = r.spare.back();
      r.spare.pop_back();
    }
  }
  key.set(mine);
  return mine;
}

int HostContext::running_everywhere(const NotifyRoutine& r) {
  Registry& reg = registry();
  SpinLocker hold(reg.lock);
  // Another host thread's push may still sit in its store buffer: make every thread pass a full
  // barrier first. A thread whose record was taken after this lock was last taken by it
  // re-reads after the caller's change instead; under a controlled scheduler the CPUs'
  // hand-offs already order everything.
  const std::size_t in_use = reg.all.size() - reg.spare.size();
  const bool alone = in_use == 0 || (in_use == 1 && t_host_context.running_ != nullptr);
  if (!alone && !sched::controlled()) fence::heavy();
  int n = 0;
  for (const auto& record : reg.all)
    n += record->count(&r);
  return n;
}

std::size_t HostContext::records() {
  Registry& reg = registry();
  SpinLocker hold(reg.lock);
  return reg.all.size();
}

}  // namespace ntemu::ps
