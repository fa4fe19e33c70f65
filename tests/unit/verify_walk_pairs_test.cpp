// SPDX-License-Identifier: MIT
// The verifier's walk pairing (emu/verify/walk_pairs.hpp) changes when the books count, never
// what they find: random sequences of registrations, removals, creations, exits, closes and PID
// pokes, on every version, audited by a kernel that pairs walks and by one that counts every
// call on its own (Verifier::count_every_call) — the findings must be the same, field for field.
// Two host threads take turns (never at once, so the sequence stays deterministic): each has its
// own count log, and an object created on one and ended on the other is counted out of order.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "ntemu/support/bugcheck.hpp"

using namespace ntemu;

namespace {

void process_a(ProcessId, ProcessId, bool) {}
void process_b(ProcessId, ProcessId, bool) {}
void thread_a(ProcessId, ThreadId, bool) {}
void thread_b(ProcessId, ThreadId, bool) {}
void thread_c(ProcessId, ThreadId, bool) {}

constexpr PCREATE_PROCESS_NOTIFY_ROUTINE kProcessRoutines[] = {&process_a, &process_b};
constexpr PCREATE_THREAD_NOTIFY_ROUTINE kThreadRoutines[] = {&thread_a, &thread_b, &thread_c};

// A second host thread that runs one job at a time for the test's thread, which waits for it.
class TakingTurns {
 public:
  TakingTurns() : worker_([this] { serve(); }) {}
  ~TakingTurns() {
    {
      std::lock_guard<std::mutex> hold(m_);
      quit_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  TakingTurns(const TakingTurns&) = delete;
  TakingTurns& operator=(const TakingTurns&) = delete;

  /// Runs `job` on the second thread and returns when it did; rethrows what it threw.
  void run(std::function<void()> job) {
    std::unique_lock<std::mutex> hold(m_);
    job_ = std::move(job);
    cv_.notify_all();
    cv_.wait(hold, [&] { return !job_; });
    if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
  }

 private:
  void serve() {
    std::unique_lock<std::mutex> hold(m_);
    for (;;) {
      cv_.wait(hold, [&] { return quit_ || job_; });
      if (quit_) return;
      try {
        job_();
      } catch (...) {
        failed_ = std::current_exception();
      }
      job_ = nullptr;
      cv_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::function<void()> job_;
  std::exception_ptr failed_;
  bool quit_ = false;
  std::thread worker_;
};

struct Held {
  ps::Process* process = nullptr;
  ps::Thread* thread = nullptr;
  Handle handle{};
};

// One operation, chosen by `op`, its choices by `seed`.
void step(Kernel& k, const Profile& profile, std::size_t op, std::uint64_t seed,
          std::vector<Held>& processes, std::vector<Held>& threads) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const int i = static_cast<int>(pick(1000));
  {
    switch (op) {
      case 0:
        (void)k.PsSetCreateProcessNotifyRoutine(kProcessRoutines[pick(2)], false);
        break;
      case 1:
        (void)k.PsSetCreateProcessNotifyRoutine(kProcessRoutines[pick(2)], true);
        break;
      case 2:
        (void)k.PsSetCreateThreadNotifyRoutine(kThreadRoutines[pick(3)]);
        break;
      case 3:
        if (profile.has_remove_thread_notify_routine) {
          (void)k.PsRemoveCreateThreadNotifyRoutine(kThreadRoutines[pick(3)]);
        }
        break;
      case 4:
      case 5: {
        auto p = k.NtCreateProcess("app" + std::to_string(i));
        if (p.status.ok()) processes.push_back({p.process, nullptr, p.handle});
        break;
      }
      case 6:
      case 7:
        if (!processes.empty()) {
          auto t = k.NtCreateThread(*processes[pick(processes.size())].process);
          if (t.status.ok()) threads.push_back({nullptr, t.thread, t.handle});
        }
        break;
      case 8:
        if (!threads.empty()) (void)k.NtTerminateThread(*threads[pick(threads.size())].thread);
        break;
      case 9:
        if (!processes.empty()) {
          (void)k.NtTerminateProcess(*processes[pick(processes.size())].process);
        }
        break;
      case 10: {  // a handle closed: the object goes once nothing else holds it
        std::vector<Held>& from = pick(2) == 0 ? processes : threads;
        if (from.empty()) break;
        const std::size_t at = pick(from.size());
        (void)k.NtClose(k.system_process(), from[at].handle);
        from.erase(from.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      }
      case 11:  // the thought experiment's poke: zero, or another process's PID
      case 12:
        if (!processes.empty()) {
          ps::Process& victim = *processes[pick(processes.size())].process;
          const ProcessId to =
              pick(2) == 0 ? ProcessId{} : processes[pick(processes.size())].process->pid();
          k.poke_unique_process_id(victim, to);
        }
        break;
      case 13:  // a process ends whole: its threads terminated and every handle closed
        if (!processes.empty()) {
          const std::size_t at = pick(processes.size());
          ps::Process* gone = processes[at].process;
          (void)k.NtTerminateProcess(*gone);
          for (std::size_t t = threads.size(); t-- > 0;) {
            if (threads[t].thread->ThreadsProcess != gone) continue;
            (void)k.NtClose(k.system_process(), threads[t].handle);
            threads.erase(threads.begin() + static_cast<std::ptrdiff_t>(t));
          }
          (void)k.NtClose(k.system_process(), processes[at].handle);
          processes.erase(processes.begin() + static_cast<std::ptrdiff_t>(at));
        }
        break;
    }
  }
}

std::vector<Kernel::Finding> run_sequence(Kernel& k, const Profile& profile, std::uint64_t seed,
                                          std::vector<Kernel::Finding>* midway,
                                          TakingTurns& other) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::vector<Held> processes;
  std::vector<Held> threads;
  const int steps = 20 + static_cast<int>(pick(120));
  const int audit_at = static_cast<int>(pick(static_cast<std::size_t>(steps) * 2));
  const bool two_threads = pick(2) == 0;
  for (int i = 0; i < steps; ++i) {
    // Several operations may share one step: their counts then tie on the step.
    if (pick(3) != 0) k.set_step("step " + std::to_string(i));
    if (i == audit_at && midway != nullptr) *midway = k.audit();
    const std::size_t op = pick(14);
    const std::uint64_t op_seed = rng();
    auto one = [&] { step(k, profile, op, op_seed, processes, threads); };
    if (two_threads && pick(2) == 0) {
      other.run(one);
    } else {
      one();
    }
  }
  if (pick(2) == 0) {  // sometimes everything ends before the audit
    for (const Held& p : processes)
      (void)k.NtTerminateProcess(*p.process);
    for (const Held& t : threads)
      (void)k.NtClose(k.system_process(), t.handle);
    for (const Held& p : processes)
      (void)k.NtClose(k.system_process(), p.handle);
  }
  return k.audit();
}

// One sequence, decided by `seed` and by the kernel's own (deterministic) answers; a bugcheck
// (a poked PID can make the model stop, as the kernel would) ends it, and is then what it found.
std::vector<Kernel::Finding> run(const Profile& profile, std::uint64_t seed, bool pair_walks,
                                 std::vector<Kernel::Finding>* midway) {
  Kernel k(profile);
  if (!pair_walks) k.verifier().count_every_call();
  TakingTurns other;
  try {
    return run_sequence(k, profile, seed, midway, other);
  } catch (const BugCheck& stop) {
    Kernel::Finding f;
    f.detail = stop.what();
    f.step = k.verifier().current_step();
    return {f};
  }
}

}  // namespace

TEST_CASE("verifier: pairing walks finds what counting every call finds") {
  const Profile profiles[] = {Profile::win2000(), Profile::xp(),   Profile::server2003(),
                              Profile::vista(),   Profile::win7(), Profile::win10()};
  int unbalanced = 0;
  int with_findings = 0;
  for (const Profile& profile : profiles) {
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
      CAPTURE(to_string(profile.version));
      CAPTURE(seed);
      std::vector<Kernel::Finding> midway_paired;
      std::vector<Kernel::Finding> midway_each;
      const auto paired = run(profile, seed, true, &midway_paired);
      const auto each = run(profile, seed, false, &midway_each);
      REQUIRE(midway_paired == midway_each);
      REQUIRE(paired == each);
      with_findings += paired.empty() ? 0 : 1;
      for (const Kernel::Finding& f : paired)
        unbalanced += f.kind == verify::FindingKind::UnbalancedNotify ? 1 : 0;
    }
  }
  // The sequences reach the books' hard cases: without them the comparison proves little.
  CHECK(with_findings > 100);
  CHECK(unbalanced > 100);
}

TEST_CASE("verifier: a pair is not held for a routine that counted more exits than creates") {
  // win2000 gives a process its PID at its first thread. `late` exists before the routine is
  // registered and gets its PID (and its create call) after it; `other` is then poked to that
  // PID and exits under it. When `late` exits, no create of the PID is pending any more (the
  // one create was matched by `other`'s exit), and an object born before the registration has
  // its exit counted only against a pending create: counted call by call, the PID balances
  // (one create, one exit). Held as a pair, `late`'s create and exit would add one of each on
  // top of `other`'s exit; the routine's surplus exit keeps the pair from being held.
  std::vector<Kernel::Finding> found[2];
  for (int each = 0; each < 2; ++each) {
    Kernel k(Profile::win2000());
    if (each == 1) k.verifier().count_every_call();
    auto late = k.NtCreateProcess("late");
    REQUIRE(k.PsSetCreateProcessNotifyRoutine(&process_a, false) == STATUS_SUCCESS);
    auto other = k.NtCreateProcess("other");
    REQUIRE(k.NtCreateThread(*other.process).status == STATUS_SUCCESS);
    REQUIRE(k.NtCreateThread(*late.process).status == STATUS_SUCCESS);
    k.set_step("the poke");
    k.poke_unique_process_id(*other.process, late.process->pid());
    k.set_step("other ends");
    REQUIRE(k.NtTerminateProcess(*other.process) == STATUS_SUCCESS);
    k.set_step("late ends");
    REQUIRE(k.NtTerminateProcess(*late.process) == STATUS_SUCCESS);
    found[each] = k.audit();
  }
  CHECK(found[0] == found[1]);
  REQUIRE(!found[1].empty());
  bool pid_of_late_balanced = true;
  for (const Kernel::Finding& f : found[1]) {
    if (f.kind == verify::FindingKind::UnbalancedNotify && f.step == "late ends") {
      pid_of_late_balanced = false;
    }
  }
  CHECK(pid_of_late_balanced);
}

TEST_CASE("verifier: a TID reused by another process's thread keeps each PID's pairs apart") {
  // A thread's pairs count its TID and, with it, the PID its walks told. When a thread of `b`
  // gets the TID a thread of `a` had, `a`'s pair must stay under `a`'s PID with its own last
  // step. `a`'s PID is then left unbalanced: `open` is created in `a` first and exits after
  // `a`'s PID was poked away, so the finding names the PID's counts and last step — the same,
  // paired or counted call by call.
  std::vector<Kernel::Finding> found[2];
  std::string pid_of_a;
  for (int each = 0; each < 2; ++each) {
    Kernel k(Profile::xp());
    if (each == 1) k.verifier().count_every_call();
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(&thread_a) == STATUS_SUCCESS);
    auto a = k.NtCreateProcess("a");
    auto b = k.NtCreateProcess("b");
    REQUIRE(a.status == STATUS_SUCCESS);
    REQUIRE(b.status == STATUS_SUCCESS);
    pid_of_a = fmt::format("{:#x}", a.process->pid().value());
    k.set_step("a's open thread");
    auto open = k.NtCreateThread(*a.process);
    REQUIRE(open.status == STATUS_SUCCESS);
    k.set_step("a's thread");
    auto first = k.NtCreateThread(*a.process);
    REQUIRE(first.status == STATUS_SUCCESS);
    const ThreadId reused = first.thread->tid();
    REQUIRE(k.NtTerminateThread(*first.thread) == STATUS_SUCCESS);
    REQUIRE(k.NtClose(k.system_process(), first.handle) == STATUS_SUCCESS);
    k.set_step("b's threads");
    auto keeper = k.NtCreateThread(*b.process);  // b lives on while its other threads end
    REQUIRE(keeper.status == STATUS_SUCCESS);
    bool reused_by_b = false;
    for (int i = 0; i < 100000 && !reused_by_b; ++i) {  // PspCidTable reuses oldest-freed first
      auto t = k.NtCreateThread(*b.process);
      REQUIRE(t.status == STATUS_SUCCESS);
      reused_by_b = t.thread->tid() == reused;
      REQUIRE(k.NtTerminateThread(*t.thread) == STATUS_SUCCESS);
      REQUIRE(k.NtClose(k.system_process(), t.handle) == STATUS_SUCCESS);
    }
    REQUIRE(reused_by_b);
    k.set_step("the poke");
    k.poke_unique_process_id(*a.process, ProcessId{});
    REQUIRE(k.NtTerminateThread(*open.thread) == STATUS_SUCCESS);
    REQUIRE(k.NtClose(k.system_process(), open.handle) == STATUS_SUCCESS);
    found[each] = k.audit();
  }
  CHECK(found[0] == found[1]);
  int of_a = 0;
  for (const Kernel::Finding& f : found[0]) {
    if (f.kind != verify::FindingKind::UnbalancedNotify) continue;
    if (f.detail.find("threads of process ID " + pid_of_a) == std::string::npos) continue;
    ++of_a;
    CHECK(f.detail.find("saw 2 create(s) and 1 exit(s)") != std::string::npos);
    CHECK(f.step == "a's thread");
  }
  CHECK(of_a == 1);
}

namespace {

// Twenty thread routines, each its own function.
template <int N>
void numbered(ProcessId, ThreadId, bool) {}
template <int... N>
constexpr std::array<PCREATE_THREAD_NOTIFY_ROUTINE, sizeof...(N)> numbered_routines(
    std::integer_sequence<int, N...>) {
  return {&numbered<N>...};
}
constexpr auto kTwenty = numbered_routines(std::make_integer_sequence<int, 20>());

// The twenty routines registered one by one, a thread lifecycle in `app` after each (so the
// walks make twenty sets of routines, the k-th told of 20 - k lifecycles), then a thread of
// `app` (kept alive by a thread made first) that exits after `app`'s PID was poked to 0. With
// `filler` threads alive first, `app`'s PID and its threads' TIDs lie above the first 65,536
// handles of PspCidTable.
std::vector<Kernel::Finding> twenty_sets(bool pair_walks, int filler, std::string& pid) {
  Kernel k(Profile::win10());
  if (!pair_walks) k.verifier().count_every_call();
  auto keep = k.NtCreateProcess("filler");
  REQUIRE(keep.status == STATUS_SUCCESS);
  for (int i = 0; i < filler; ++i) {
    REQUIRE(k.NtCreateThread(*keep.process).status == STATUS_SUCCESS);
  }
  auto app = k.NtCreateProcess("app");
  REQUIRE(app.status == STATUS_SUCCESS);
  REQUIRE(k.NtCreateThread(*app.process).status == STATUS_SUCCESS);  // app lives on
  pid = fmt::format("{:#x}", app.process->pid().value());
  for (std::size_t r = 0; r < kTwenty.size(); ++r) {
    REQUIRE(k.PsSetCreateThreadNotifyRoutine(kTwenty[r]) == STATUS_SUCCESS);
    k.set_step(fmt::format("lifecycle {}", r));
    auto t = k.NtCreateThread(*app.process);
    REQUIRE(t.status == STATUS_SUCCESS);
    REQUIRE(k.NtTerminateThread(*t.thread) == STATUS_SUCCESS);
    REQUIRE(k.NtClose(k.system_process(), t.handle) == STATUS_SUCCESS);
  }
  k.set_step("the open thread");
  auto open = k.NtCreateThread(*app.process);
  REQUIRE(open.status == STATUS_SUCCESS);
  k.set_step("the poke");
  k.poke_unique_process_id(*app.process, ProcessId{});
  REQUIRE(k.NtTerminateThread(*open.thread) == STATUS_SUCCESS);
  REQUIRE(k.NtClose(k.system_process(), open.handle) == STATUS_SUCCESS);
  return k.audit();
}

}  // namespace

TEST_CASE("verifier: pairs of many sets of routines, at low and high IDs, are all counted") {
  // WalkPairs keeps the pairs of the first sets of routines at small IDs in rows, the others in
  // a map. Each routine's pairs under app's PID must all reach its book: the poked exit leaves
  // the k-th routine one create ahead, with every lifecycle it was told of counted.
  for (const int filler : {0, 65600}) {
    CAPTURE(filler);
    std::vector<Kernel::Finding> found[2];
    std::string pid;
    for (int each = 0; each < 2; ++each)
      found[each] = twenty_sets(each == 0, filler, pid);
    CHECK(found[0] == found[1]);
    if (filler > 0) CHECK(std::stoull(pid, nullptr, 16) >= (1U << 18));
    std::vector<int> seen(kTwenty.size() + 2, 0);
    for (const Kernel::Finding& f : found[0]) {
      if (f.kind != verify::FindingKind::UnbalancedNotify) continue;
      if (f.detail.find("threads of process ID " + pid) == std::string::npos) continue;
      CHECK(f.step == "the open thread");
      for (std::size_t lifecycles = 1; lifecycles <= kTwenty.size(); ++lifecycles) {
        const std::string counts =
            fmt::format("saw {} create(s) and {} exit(s)", lifecycles + 1, lifecycles);
        if (f.detail.find(counts) != std::string::npos) ++seen[lifecycles];
      }
    }
    for (std::size_t lifecycles = 1; lifecycles <= kTwenty.size(); ++lifecycles) {
      CAPTURE(lifecycles);
      CHECK(seen[lifecycles] == 1);
    }
  }
}
