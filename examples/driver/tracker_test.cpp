// SPDX-License-Identifier: MIT
// The example driver's CI suite: tracker.c, unchanged, run through the harness on every profile
// (win2000, xp, server2003, vista; x86 and x64) — the way a driver team would use ntemu.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "ntemu/harness.hpp"
#include "profiles.hpp"
#include "tracker.h"

namespace {

using ntemu::Harness;
using tracker_test::every_profile;

HANDLE pid_handle(const ntemu::ps::Process& p) {
  return ntemu::to_handle(p.pid());
}

bool has_line(const Harness& h, const std::string& line) {
  const auto out = h.debug_output();
  return std::find(out.begin(), out.end(), line) != out.end();
}

// Boots `profile` and loads the tracker, with its routines named for traces.
void load(Harness& h) {
  NTEMU_NAME_ROUTINE(h, TrackerProcessNotify);
  NTEMU_NAME_ROUTINE(h, TrackerThreadNotify);
  REQUIRE(NT_SUCCESS(h.load(&DriverEntry, "tracker")));
}

}  // namespace

TEST_CASE("tracker: DriverEntry registers its routines and DriverUnload removes them") {
  for (const auto& named : every_profile()) {
    const std::string& name = named.name;
    const ntemu::Profile& profile = named.profile;
    INFO(name);
    Harness h(profile);
    load(h);
    const bool thread_routine = profile.has_remove_thread_notify_routine;  // not on win2000
    CHECK(h.kernel().process_notify_array().count() == 1);
    CHECK(h.kernel().thread_notify_array().count() == (thread_routine ? 1U : 0U));
    CHECK(has_line(
        h, fmt::format("tracker: loaded (thread routine: {})", thread_routine ? "yes" : "no")));
    CHECK(NT_SUCCESS(h.unload()));
    CHECK(h.kernel().process_notify_array().count() == 0);
    CHECK(h.kernel().thread_notify_array().count() == 0);
    CHECK(h.audit().empty());
    CHECK(h.pool_outstanding() == 0);
  }
}

TEST_CASE("tracker: a process that starts and exits is added then removed") {
  for (const auto& named : every_profile()) {
    const std::string& name = named.name;
    const ntemu::Profile& profile = named.profile;
    INFO(name);
    Harness h(profile);
    load(h);
    auto started = h.start_process("notepad.exe");
    REQUIRE(started.status.ok());
    const HANDLE pid = pid_handle(*started.process);
    const auto number = started.process->pid().value();
    const auto parent = h.kernel().system_process().pid().value();
    CHECK(TrackerCount() == 1);
    CHECK(TrackerIsTracked(pid));
    CHECK(has_line(h, fmt::format("tracker: + process {} (parent {})", number, parent)));
    // The notify event names the driver's routine, as a debugger would.
    const auto notifies = h.events("notify");
    REQUIRE(!notifies.empty());
    const ntemu::Field* symbol = notifies.front().find("symbol");
    REQUIRE(symbol != nullptr);
    CHECK(std::get<std::string>(symbol->value) == "tracker!TrackerProcessNotify");
    if (profile.has_remove_thread_notify_routine) {
      CHECK(TrackerThreadCount(pid) == 1);
      REQUIRE(h.create_thread(*started.process).status.ok());
      CHECK(TrackerThreadCount(pid) == 2);
    }
    CHECK(h.exit_process(*started.process).ok());
    CHECK(TrackerCount() == 0);
    CHECK_FALSE(TrackerIsTracked(pid));
    CHECK(has_line(h, fmt::format("tracker: - process {}", number)));
    CHECK(h.audit().empty());
    CHECK(NT_SUCCESS(h.unload()));
    CHECK(h.audit().empty());
  }
}

TEST_CASE("tracker: unloading with processes still running frees every record") {
  for (const auto& named : every_profile()) {
    const std::string& name = named.name;
    const ntemu::Profile& profile = named.profile;
    INFO(name);
    Harness h(profile);
    load(h);
    REQUIRE(h.start_process("a.exe").status.ok());
    REQUIRE(h.start_process("b.exe").status.ok());
    CHECK(TrackerCount() == 2);
    CHECK(h.pool_outstanding() == 2);
    CHECK(NT_SUCCESS(h.unload()));
    CHECK(h.pool_outstanding() == 0);
    CHECK(h.audit().empty());  // no pool-leak, no routine-after-unload
  }
}

TEST_CASE("tracker: out of pool the process goes untracked and its exit is reported") {
  for (const auto& named : every_profile()) {
    const std::string& name = named.name;
    const ntemu::Profile& profile = named.profile;
    INFO(name);
    Harness h(profile);
    load(h);
    h.fail_pool_allocations(0, 1);
    auto started = h.start_process("big.exe");
    REQUIRE(started.status.ok());
    const auto number = started.process->pid().value();
    CHECK(TrackerCount() == 0);
    CHECK(has_line(h, fmt::format("tracker: no memory to track process {}", number)));
    CHECK(h.exit_process(*started.process).ok());
    CHECK(has_line(h, fmt::format("tracker: exit of untracked process {}", number)));
    CHECK(NT_SUCCESS(h.unload()));
    CHECK(h.audit().empty());
  }
}

// The deliberate bug, caught. This test states the buggy example's observable behaviour as
// expected: a fixed tracker (one that re-keys a record when a process is announced again, or
// keys records by EPROCESS) would fail it, and should then change it to expect an empty table.
TEST_CASE("tracker: BUG tracker-stale-pid - a PID zeroed in a running process leaves a record") {
  for (const auto& named : every_profile()) {
    const std::string& name = named.name;
    const ntemu::Profile& profile = named.profile;
    INFO(name);
    Harness h(profile);
    load(h);
    auto started = h.start_process("victim.exe");
    REQUIRE(started.status.ok());
    ntemu::ps::Process& victim = *started.process;
    const auto first_pid = victim.pid().value();
    const HANDLE first = pid_handle(victim);

    h.set_step("poke UniqueProcessId 0");
    h.poke_pid(victim, ntemu::ProcessId{0});
    h.set_step("create a second thread");
    REQUIRE(h.create_thread(victim).status.ok());
    const bool announced_again =
        profile.process_notify_trigger == ntemu::ProcessNotifyTrigger::PidAssigned;
    const auto second_pid = victim.pid().value();  // win2000: a new PID; later: still 0
    if (announced_again) {
      // Windows 2000: the create routine ran again, under a second PID, for the same process.
      CHECK(second_pid != 0);
      CHECK(second_pid != first_pid);
      CHECK(TrackerCount() == 2);
      CHECK(has_line(h, fmt::format("tracker: + process {} (parent {})", second_pid,
                                    victim.InheritedFromUniqueProcessId.value())));
    } else {
      CHECK(second_pid == 0);
      CHECK(TrackerCount() == 1);
    }

    h.set_step("exit the process");
    CHECK(h.exit_process(victim).ok());
    // The exit is announced under the PID the process carries now, never under the first one.
    if (announced_again) {
      CHECK(has_line(h, fmt::format("tracker: - process {}", second_pid)));
    } else {
      CHECK(has_line(h, "tracker: exit of untracked process 0"));
    }
    // The symptom: the first PID's record outlives its process.
    CHECK(TrackerCount() == 1);
    CHECK(TrackerIsTracked(first));
    // The kernel side of the same event is named by the verifier.
    bool dangling_first = false;
    bool unbalanced_first = false;
    for (const auto& f : h.audit()) {
      if (f.kind == ntemu::verify::FindingKind::DanglingCid && f.id == first_pid)
        dangling_first = true;
      if (f.kind == ntemu::verify::FindingKind::UnbalancedNotify && f.id == first_pid &&
          f.detail.find("tracker!TrackerProcessNotify") != std::string::npos) {
        unbalanced_first = true;
      }
    }
    CHECK(dangling_first);    // PspCidTable still names the deleted process under its first PID
    CHECK(unbalanced_first);  // the driver's routine saw that PID created, never exit
    CHECK(NT_SUCCESS(h.unload()));
    CHECK(h.pool_outstanding() == 0);  // the unload still frees the stale record
  }
}
