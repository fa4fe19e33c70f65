// SPDX-License-Identifier: MIT
// ObUnRegisterCallbacks's rundown wait (MSDOC ObUnRegisterCallbacks; the EX_CALLBACK-style
// rundown of ob/obcallback.hpp) with a routine in flight on another host thread, and the
// refusal of an unregistration from inside the registration's own routine.
#include <atomic>
#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"

using namespace ntemu;
using namespace ntemu::ob;

TEST_CASE(
    "ObUnRegisterCallbacks [F MSDOC, the EX_CALLBACK-style rundown]: it waits for a routine in "
    "flight on another host thread, and from inside its own routine it is refused "
    "(POSSIBLE_DEADLOCK) instead of hanging") {
  Kernel k(Profile::win10());
  auto app = k.NtCreateProcess("app.exe");
  auto main = k.NtCreateThread(*app.process);
  REQUIRE(main.status.ok());
  static std::atomic<int> s_stage{0};
  static Kernel* s_kernel = nullptr;
  static void* s_handle = nullptr;
  static Status s_inner = STATUS_SUCCESS;
  s_kernel = &k;
  s_stage = 0;
  POB_PRE_OPERATION_CALLBACK slow = [](void*, OB_PRE_OPERATION_INFORMATION*) {
    s_inner = s_kernel->ObUnRegisterCallbacks(s_handle);  // its own registration
    s_stage = 1;
    while (s_stage.load() != 2)
      std::this_thread::yield();
    return OB_PREOP_SUCCESS;
  };
  OB_OPERATION_REGISTRATION op{ObjectType::Process, OB_OPERATION_HANDLE_CREATE, slow, nullptr};
  OB_CALLBACK_REGISTRATION r;
  r.Altitude = "320000";
  r.OperationRegistrationCount = 1;
  r.OperationRegistration = &op;
  REQUIRE(k.ObRegisterCallbacks(r, &s_handle).ok());
  ps::Thread& opener = *main.thread;
  Status opened = STATUS_UNSUCCESSFUL;  // written by t, read after its join
  std::thread t([&] {
    Kernel::ContextScope as(k, opener);
    opened = k.NtOpenProcess(ClientId{main.cid.UniqueProcess, ThreadId{}}, 0x1000).status;
  });
  while (s_stage.load() != 1)
    std::this_thread::yield();
  CHECK(s_inner == STATUS_POSSIBLE_DEADLOCK);
  std::atomic<bool> returned{false};
  Status removed = STATUS_UNSUCCESSFUL;  // written by remover, read after its join
  std::thread remover([&] {
    removed = k.ObUnRegisterCallbacks(s_handle);
    returned = true;
  });
  // The registration leaves the list first, then the removal waits for the routine in flight.
  while (k.object_callbacks().size() != 0)
    std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(returned.load());
  s_stage = 2;
  remover.join();
  t.join();
  CHECK(returned.load());
  CHECK(removed == STATUS_SUCCESS);
  CHECK(opened == STATUS_SUCCESS);
  CHECK(k.object_callbacks().size() == 0);
}
