// SPDX-License-Identifier: MIT
// The executive's observers (ps/observer.hpp): every attached observer hears each notify routine
// call, and its return only if it asked to (KernelObserver::hears_returns).
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;

namespace {

void thread_routine(ProcessId, ThreadId, bool) {}

struct CallCounter : ps::KernelObserver {
  explicit CallCounter(bool wants_returns) : returns_wanted(wants_returns) {}
  bool returns_wanted;
  int calls = 0;
  int returns = 0;
  int depth = 0;              // calls told whose return is not yet told
  bool out_of_order = false;  // a return told without its call
  void routine_calling(const ps::NotifyCall&) override {
    ++calls;
    ++depth;
  }
  void routine_returned(const ps::NotifyCall&) override {
    ++returns;
    if (--depth < 0) out_of_order = true;
  }
  bool hears_returns() const override { return returns_wanted; }
};

}  // namespace

TEST_CASE("observers: each hears every call, and its return only if it asked to") {
  for (const Profile& profile : {Profile::win2000(), Profile::xp(), Profile::win10()}) {
    CAPTURE(to_string(profile.version));
    Kernel k(profile);
    CallCounter both(true);
    CallCounter calls_only(false);
    k.add_observer(both);
    k.add_observer(calls_only);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thread_routine) == STATUS_SUCCESS);
    auto p = k.NtCreateProcess("app");
    auto t = k.NtCreateThread(*p.process);
    REQUIRE(t.status == STATUS_SUCCESS);
    REQUIRE(k.NtTerminateThread(*t.thread) == STATUS_SUCCESS);
    // One routine, told of the thread's creation and of its exit.
    CHECK(both.calls == 2);
    CHECK(both.returns == 2);
    CHECK(both.depth == 0);
    CHECK_FALSE(both.out_of_order);
    CHECK(calls_only.calls == 2);
    CHECK(calls_only.returns == 0);
    // Detached, neither hears more; the one left attached goes on hearing returns.
    k.remove_observer(calls_only);
    auto q = k.NtCreateProcess("again");  // the first process ended with its only thread
    auto u = k.NtCreateThread(*q.process);
    REQUIRE(u.status == STATUS_SUCCESS);
    CHECK(both.calls == 3);
    CHECK(both.returns == 3);
    CHECK(calls_only.calls == 2);
    k.remove_observer(both);
    REQUIRE(k.NtTerminateThread(*u.thread) == STATUS_SUCCESS);
    CHECK(both.calls == 3);
    CHECK(both.returns == 3);
    REQUIRE(k.NtClose(k.system_process(), u.handle) == STATUS_SUCCESS);
    REQUIRE(k.NtClose(k.system_process(), t.handle) == STATUS_SUCCESS);
    REQUIRE(k.NtClose(k.system_process(), q.handle) == STATUS_SUCCESS);
    REQUIRE(k.NtClose(k.system_process(), p.handle) == STATUS_SUCCESS);
    CHECK(k.audit().empty());
  }
}
