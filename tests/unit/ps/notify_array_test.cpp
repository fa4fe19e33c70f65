// SPDX-License-Identifier: MIT
// NotifySlots::reach(): a walk no scheduler controls stops past the highest slot a registration
// was ever installed in; removals do not lower it; a controlled walk still reads every slot, one
// schedule step each. Both storages.
#include <cstdint>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/ex/callback.hpp"
#include "ntemu/ps/notify_array.hpp"
#include "ntemu/ps/notify_routine.hpp"

using namespace ntemu;

namespace {

std::vector<int> g_called;
template <int N>
void routine(ProcessId, ThreadId, bool) {
  g_called.push_back(N);
}

// Lets every step run at once, counting the notify array's slot reads.
struct CountingScheduler final : sched::Scheduler {
  void point(const sched::Op& op, sched::Ready, const void*) override {
    if (std::string_view(op.what) == "notify array read") ++reads;
  }
  int reads = 0;
};

std::vector<int> walk(ps::NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE>& a) {
  g_called.clear();
  a.for_each([](std::uint32_t, PCREATE_THREAD_NOTIFY_ROUTINE r, void*) { r({}, {}, true); });
  return g_called;
}

}  // namespace

TEST_CASE("notify array: reach follows the highest slot ever used, and walks see every routine") {
  for (NotifyStorage storage : {NotifyStorage::PlainArray, NotifyStorage::ExCallback}) {
    const int storage_kind = static_cast<int>(storage);
    CAPTURE(storage_kind);
    ex::CallbackManager callbacks(Arch::X86);
    ps::NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE> a(8, storage, &callbacks);
    const Status full = STATUS_INSUFFICIENT_RESOURCES;
    const Status missing = STATUS_PROCEDURE_NOT_FOUND;
    CHECK(a.reach() == 0);
    CHECK(walk(a).empty());
    REQUIRE(a.add(&routine<1>, full).ok());
    REQUIRE(a.add(&routine<2>, full).ok());
    REQUIRE(a.add(&routine<3>, full).ok());
    CHECK(a.reach() == 3);
    CHECK(walk(a) == std::vector<int>{1, 2, 3});
    // A removal leaves its slot within reach; the next registration takes the lowest free slot.
    REQUIRE(a.remove(&routine<1>, missing).ok());
    REQUIRE(a.remove(&routine<3>, missing).ok());
    CHECK(a.reach() == 3);
    CHECK(walk(a) == std::vector<int>{2});
    REQUIRE(a.add(&routine<4>, full).ok());  // slot 0
    CHECK(a.reach() == 3);
    CHECK(walk(a) == std::vector<int>{4, 2});
    REQUIRE(a.add(&routine<5>, full).ok());  // slot 2
    REQUIRE(a.add(&routine<6>, full).ok());  // slot 3
    CHECK(a.reach() == 4);
    CHECK(walk(a) == std::vector<int>{4, 2, 5, 6});
    // A slot cleared behind the API's back is still read and found empty.
    a.clear_slot(1);
    CHECK(a.reach() == 4);
    CHECK(walk(a) == std::vector<int>{4, 5, 6});
  }
}

TEST_CASE("notify array: a walk under a scheduler reads every slot, one step each") {
  for (NotifyStorage storage : {NotifyStorage::PlainArray, NotifyStorage::ExCallback}) {
    const int storage_kind = static_cast<int>(storage);
    CAPTURE(storage_kind);
    ex::CallbackManager callbacks(Arch::X86);
    ps::NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE> a(8, storage, &callbacks);
    REQUIRE(a.add(&routine<1>, STATUS_INSUFFICIENT_RESOURCES).ok());
    REQUIRE(a.reach() == 1);
    CountingScheduler scheduler;
    {
      sched::Controlled controlled(&scheduler);
      CHECK(walk(a) == std::vector<int>{1});
    }
    CHECK(scheduler.reads == 8);
    scheduler.reads = 0;
    CHECK(walk(a) == std::vector<int>{1});  // not controlled: no steps at all
    CHECK(scheduler.reads == 0);
  }
}

namespace {
ps::NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE>* g_array = nullptr;
// Registers routine<8> while the walk that called it is still under way.
void registering(ProcessId, ThreadId, bool) {
  g_called.push_back(7);
  if (!g_array->contains(&routine<8>)) (void)g_array->add(&routine<8>, STATUS_UNSUCCESSFUL);
}
}  // namespace

TEST_CASE("notify array: a routine registered by a routine the walk called is called in it too") {
  for (NotifyStorage storage : {NotifyStorage::PlainArray, NotifyStorage::ExCallback}) {
    const int storage_kind = static_cast<int>(storage);
    CAPTURE(storage_kind);
    ex::CallbackManager callbacks(Arch::X86);
    ps::NotifyArray<PCREATE_THREAD_NOTIFY_ROUTINE> a(8, storage, &callbacks);
    g_array = &a;
    REQUIRE(a.add(&registering, STATUS_UNSUCCESSFUL).ok());
    // The new registration takes slot 1, past the reach the walk started with.
    CHECK(walk(a) == std::vector<int>{7, 8});
    CHECK(a.reach() == 2);
    g_array = nullptr;
  }
}
