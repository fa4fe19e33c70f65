// The second fidelity audit's corrections (semantics.md §10), each on every version it names,
// with the source it comes from.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "ntemu/ob/obhandle.hpp"

using namespace ntemu;

namespace {

constexpr KernelVersion kAll[] = {KernelVersion::Win2000, KernelVersion::Xp,
                                  KernelVersion::Server2003, KernelVersion::Vista};

int g_notifies = 0;
void count_process(ProcessId, ProcessId, bool) {
  ++g_notifies;
}
void count_thread(ProcessId, ThreadId, bool) {
  ++g_notifies;
}

std::vector<std::string> cid_ops(const RecordingSink& sink, std::size_t from) {
  std::vector<std::string> out;
  const auto events = sink.events();
  for (std::size_t i = from; i < events.size(); ++i) {
    if (events[i].name == "cid") {
      out.push_back(fmt::format("{} {:#x}", events[i].text("op"), events[i].number("handle")));
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "§10.6 [WRK:create PspCreateThread step 10] a terminated creating thread cannot create a user "
    "thread in its own process: PROCESS_IS_TERMINATING, its TID destroyed again, no routine") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    RecordingSink sink;
    Kernel k(*Profile::make(v, Arch::X86), &sink);
    auto app = k.NtCreateProcess("app.exe");
    auto main = k.NtCreateThread(*app.process);
    auto worker = k.NtCreateThread(*app.process);
    REQUIRE(worker.status == STATUS_SUCCESS);
    REQUIRE(k.NtTerminateThread(*main.thread) == STATUS_SUCCESS);  // app still runs (worker)
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&count_process, false) == STATUS_SUCCESS);
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&count_thread) == STATUS_SUCCESS);
    g_notifies = 0;
    const std::size_t before = sink.events().size();
    {
      Kernel::ContextScope as(k, *main.thread);
      const auto t = k.NtCreateThread(*app.process);
      CHECK(t.status == STATUS_PROCESS_IS_TERMINATING);
      CHECK(t.thread == nullptr);
    }
    const auto ops = cid_ops(sink, before);
    REQUIRE(ops.size() == 2);  // the TID came first (step 6), then went with the thread object
    CHECK(ops[0].rfind("create ", 0) == 0);
    CHECK(ops[1] == "destroy " + ops[0].substr(7));
    CHECK(g_notifies == 0);
    // A live thread of the same process still creates, and so may the terminated thread into
    // another process (the rule is for its own).
    {
      Kernel::ContextScope as(k, *worker.thread);
      CHECK(k.NtCreateThread(*app.process).status == STATUS_SUCCESS);
    }
    auto other = k.NtCreateProcess("other.exe");
    {
      Kernel::ContextScope as(k, *main.thread);
      CHECK(k.NtCreateThread(*other.process).status == STATUS_SUCCESS);
    }
  }
}

TEST_CASE(
    "§10.7 [ReactOS kmtests ntos_ob/ObHandle.c] a system thread's handle is a kernel handle: the "
    "high bit set, in System's table, and NtClose of 0 is STATUS_INVALID_HANDLE") {
  for (KernelVersion v : kAll) {
    for (Arch a : {Arch::X86, Arch::X64}) {
      CAPTURE(to_string(v));
      CAPTURE(to_string(a));
      Kernel k(*Profile::make(v, a));
      const std::uint64_t mark = a == Arch::X86 ? 0x80000000ULL : 0xFFFFFFFF80000000ULL;
      const std::uint32_t before = k.system_process().ObjectTable->handle_count();
      auto t = k.PsCreateSystemThread("worker");
      REQUIRE(t.status == STATUS_SUCCESS);
      CHECK((t.handle.value() & mark) == mark);
      CHECK(ob::is_kernel_handle(t.handle, a));
      CHECK(k.system_process().ObjectTable->handle_count() == before + 1);
      // Not a handle of a user process's table, even with the same index.
      auto app = k.NtCreateProcess("app.exe");  // its handle goes to System's table too
      CHECK(k.NtClose(*app.process, t.handle) == STATUS_INVALID_HANDLE);
      CHECK(k.NtClose(k.system_process(), t.handle) == STATUS_SUCCESS);
      CHECK(k.system_process().ObjectTable->handle_count() == before + 1);
      CHECK(k.NtClose(k.system_process(), t.handle) == STATUS_INVALID_HANDLE);
      CHECK(k.NtClose(k.system_process(), Handle{0}) == STATUS_INVALID_HANDLE);
      // A user thread's handle, in its creator's table, carries no mark.
      auto u = k.NtCreateThread(*app.process);
      REQUIRE(u.status == STATUS_SUCCESS);
      CHECK_FALSE(ob::is_kernel_handle(u.handle, a));
    }
  }
}

TEST_CASE(
    "§10.8 [F] Idle is never in PspCidTable: no thread can be created in it, from kernel or user "
    "mode") {
  for (KernelVersion v : kAll) {
    CAPTURE(to_string(v));
    Kernel k(*Profile::make(v, Arch::X86));
    const std::uint32_t entries = k.cid_table().handle_count();
    CHECK(k.NtCreateThread(k.idle_process()).status == STATUS_INVALID_HANDLE);  // kernel mode
    auto app = k.NtCreateProcess("app.exe");
    auto t = k.NtCreateThread(*app.process);
    {
      Kernel::ContextScope as(k, *t.thread);  // user mode
      CHECK(k.NtCreateThread(k.idle_process()).status == STATUS_INVALID_HANDLE);
    }
    CHECK(k.idle_process().pid().value() == 0);
    CHECK(k.cid_table().handle_count() == entries + 2);  // app and its thread: nothing for Idle
    CHECK(k.audit().empty());
  }
}
