// SPDX-License-Identifier: MIT
// viz::capture_state and viz::state_to_dot: what the pictures see of a machine — PspCidTable's
// entries and the objects they name (a dangling entry after the thought experiment), the
// notify arrays' EX_CALLBACK words, a lost block — and that two captures draw the same bytes.
#include <string>

#include <doctest/doctest.h>

#include "ntemu/kernel.hpp"
#include "ntemu/viz/dot.hpp"
#include "ntemu/viz/state.hpp"

using namespace ntemu;

namespace {

void process_routine(ProcessId, ProcessId, bool) {}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// The thought experiment on win2000: notepad's PID zeroed, a second thread, everything closed.
// PspCidTable keeps the first PID's entry, naming notepad's tombstone.
void zero_pid(Kernel& k) {
  auto p = k.NtCreateProcess("notepad.exe");
  REQUIRE(p.status == STATUS_SUCCESS);
  auto t1 = k.NtCreateThread(*p.process);
  REQUIRE(t1.status == STATUS_SUCCESS);
  k.poke_unique_process_id(*p.process, ProcessId{0});
  auto t2 = k.NtCreateThread(*p.process);
  REQUIRE(t2.status == STATUS_SUCCESS);
  REQUIRE(k.NtTerminateProcess(*p.process) == STATUS_SUCCESS);
  ps::Process& owner = k.system_process();  // the creator: the handles are in its table
  REQUIRE(k.NtClose(owner, t1.handle) == STATUS_SUCCESS);
  REQUIRE(k.NtClose(owner, t2.handle) == STATUS_SUCCESS);
  REQUIRE(k.NtClose(owner, p.handle) == STATUS_SUCCESS);
}

}  // namespace

TEST_CASE("viz/state: after boot, PspCidTable holds System and its first thread") {
  Kernel k(*Profile::make(KernelVersion::Win2000, Arch::X86));
  const viz::State s = viz::capture_state(k);
  CHECK(s.kernel == "win2000");
  CHECK(s.arch == "x86");
  REQUIRE(s.cid_entries.size() == 2);
  CHECK(s.cid_handle_count == 2);
  REQUIRE(s.processes.size() == 1);  // Idle is left out
  CHECK(s.processes[0].boot);
  CHECK(s.processes[0].threads.size() == 1);
  CHECK(s.dangling_entries() == 0);
  REQUIRE(s.arrays.size() == 3);
  CHECK(s.arrays[0].name == "PspCreateProcessNotifyRoutine");
  CHECK(s.arrays[2].kind == "image");
  CHECK_FALSE(s.arrays[0].ex_callback);
}

TEST_CASE("viz/state: the zeroed PID leaves a dangling entry, drawn dashed and red") {
  Kernel k(*Profile::make(KernelVersion::Win2000, Arch::X86));
  zero_pid(k);
  const viz::State s = viz::capture_state(k);
  CHECK(s.dangling_entries() == 1);
  const viz::CidEntry* dangling = nullptr;
  for (const viz::CidEntry& e : s.cid_entries) {
    if (e.deleted) dangling = &e;
  }
  REQUIRE(dangling != nullptr);
  CHECK(dangling->handle == 0x10);
  CHECK(dangling->type == "process");
  CHECK(dangling->name == "notepad.exe");
  const std::string dot = viz::state_to_dot(s, "end");
  CHECK(dot.rfind("digraph \"end\" {\n", 0) == 0);
  CHECK(count(dot, "style=dashed, fontcolor=\"#c0392b\", label=\"dangling\"") == 1);
  CHECK(dot.find("<i>deleted: a tombstone</i>") != std::string::npos);
  // Deterministic: a second machine running the same steps draws the same bytes.
  Kernel again(*Profile::make(KernelVersion::Win2000, Arch::X86));
  zero_pid(again);
  CHECK(viz::state_to_dot(viz::capture_state(again), "end") == dot);
}

TEST_CASE("viz/state: an entry whose object carries another ID is stale") {
  Kernel k(*Profile::make(KernelVersion::Xp, Arch::X86));
  auto p = k.NtCreateProcess("notepad.exe");
  REQUIRE(p.status == STATUS_SUCCESS);
  k.poke_unique_process_id(*p.process, ProcessId{0});
  const viz::State s = viz::capture_state(k);
  bool stale = false;
  for (const viz::CidEntry& e : s.cid_entries)
    stale = stale || (e.name == "notepad.exe" && !e.deleted && e.carried_id == 0);
  CHECK(stale);
  CHECK(viz::state_to_dot(s, "t").find("label=\"stale: it carries 0x0\"") != std::string::npos);
}

TEST_CASE(
    "viz/state: EX_CALLBACK slots show their fast-ref and rundown words, a poke loses a block") {
  Kernel k(*Profile::make(KernelVersion::Xp, Arch::X86));
  REQUIRE(k.PsSetCreateProcessNotifyRoutine(&process_routine, false) == STATUS_SUCCESS);
  viz::State s = viz::capture_state(k);
  const viz::ArrayState& a = s.arrays[0];
  CHECK(a.ex_callback);
  CHECK(a.count == 1);
  REQUIRE(a.occupied.size() == 1);
  const viz::SlotState slot = a.occupied[0];  // a copy: `s` is captured again below
  CHECK(slot.block != 0);
  CHECK(slot.raw == (slot.block | 7));  // x86: 3 low bits of cached references
  CHECK(slot.cached == 7);
  CHECK(slot.rundown == 0x10);  // 8 holders, no rundown active
  CHECK(s.lost_blocks.empty());
  const std::string dot = viz::state_to_dot(s, "registered");
  CHECK(dot.find("RundownProtect 0x10 (8 holders)") != std::string::npos);

  k.poke_clear_notify_slot(NotifyKind::Process, 0);
  s = viz::capture_state(k);
  CHECK(s.arrays[0].occupied.empty());
  CHECK(s.arrays[0].count == 1);  // the counter is left as it was
  REQUIRE(s.lost_blocks.size() == 1);
  CHECK(s.lost_blocks[0].address == slot.block);
  CHECK(viz::state_to_dot(s, "poked").find("lost: no slot names it, never freed") !=
        std::string::npos);
}
