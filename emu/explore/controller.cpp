// SPDX-License-Identifier: MIT
// One controlled run (controller.hpp): the CPUs' host threads pass a baton, so exactly one of
// them runs between two scheduling points and the controller, waiting for it to park, decides
// who steps next.
#include "controller.hpp"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace ntemu::explore::detail {
namespace {
thread_local int t_cpu = 0;
thread_local Controller* t_controller = nullptr;

int lowest(unsigned mask) {
  return std::countr_zero(mask);
}
unsigned bit(int cpu) {
  return 1U << static_cast<unsigned>(cpu);
}
bool shares(const sched::Op& a, const sched::Op& b) {
  auto same = [](const void* x, const void* y) { return x != nullptr && x == y; };
  return same(a.object, b.object) || same(a.object, b.object2) || same(a.object2, b.object) ||
         same(a.object2, b.object2);
}
bool global(sched::Access a) {
  return a == sched::Access::Any || a == sched::Access::Call || a == sched::Access::Return;
}
std::string cpu_list(unsigned mask) {
  std::string out;
  for (; mask != 0; mask &= mask - 1)
    out += fmt::format("{}{}", out.empty() ? "" : ",", lowest(mask));
  return out;
}
}  // namespace

bool dependent(const sched::Op& a, const sched::Op& b) {
  if (global(a.access) || global(b.access)) return true;
  if (a.object == nullptr || b.object == nullptr) return true;  // an unnamed word: anything
  if (!shares(a, b)) return false;
  return !(a.access == sched::Access::Read && b.access == sched::Access::Read);
}

std::uint64_t Random::next() {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

Pool::~Pool() {
  {
    std::lock_guard hold(m);
    stopping_ = true;
    for (Slot& s : slots)
      s.wake.notify_all();
  }
  for (std::thread& t : threads_)
    t.join();
}

void Pool::ensure(int cpus) {
  while (static_cast<int>(threads_.size()) < cpus) {
    const int cpu = static_cast<int>(threads_.size());
    threads_.emplace_back([this, cpu] { worker(cpu); });
  }
}

void Pool::worker(int cpu) {
  Slot& slot = slots[static_cast<std::size_t>(cpu)];
  std::unique_lock hold(m);
  for (;;) {
    slot.wake.wait(hold, [&] { return slot.go || stopping_; });
    if (!slot.go) return;
    slot.go = false;
    Controller* c = controller;
    hold.unlock();
    c->cpu_main(cpu);
    hold.lock();
  }
}

Controller::Controller(Pool& pool, Execution& execution, const Schedule& schedule,
                       const Explorer::OnSwitch& on_switch)
    : pool_(pool),
      execution_(execution),
      n_(execution.cpus()),
      replay_(&schedule),
      on_switch_(&on_switch) {}

Controller::Controller(Pool& pool, Execution& execution, std::vector<Node>& path,
                       const Options& options, Sharding* sharding)
    : pool_(pool),
      execution_(execution),
      n_(execution.cpus()),
      path_(&path),
      options_(&options),
      sharding_(sharding) {}

Controller::Controller(Pool& pool, Execution& execution, const PctDraw& draw)
    : pool_(pool), execution_(execution), n_(execution.cpus()), pct_(&draw) {
  priority_ = draw.priority;
}

// Runs on the CPU's pool thread once it was first chosen: its start point has passed.
void Controller::cpu_main(int cpu) {
  t_cpu = cpu;
  t_controller = this;
  {
    sched::Controlled control(this);
    try {
      execution_.run_cpu(cpu);
    } catch (const sched::Aborted&) {
      // the run was abandoned (every CPU waited): this CPU's statement is unwound
    } catch (...) {
      errors_[static_cast<std::size_t>(cpu)] = std::current_exception();
    }
  }
  t_controller = nullptr;
  std::lock_guard hold(pool_.m);
  cpus_[static_cast<std::size_t>(cpu)].state = State::Done;
  if (const int next = next_step(); next >= 0) hand_to(next);
}

void Controller::hand_to(int cpu) {
  Pool::Slot& slot = pool_.slots[static_cast<std::size_t>(cpu)];
  slot.go = true;
  slot.wake.notify_one();
}

void Controller::point(const sched::Op& op, sched::Ready ready, const void* ready_arg) {
  std::unique_lock hold(pool_.m);
  const int self = t_cpu;
  Cpu& c = cpus_[static_cast<std::size_t>(self)];
  c.op = op;
  c.ready = ready;
  c.ready_arg = ready_arg;
  c.unwinding = std::uncaught_exceptions() > 0;
  c.state = State::Parked;
  if (const int next = next_step(); next != self) {
    hand_to(next);
    Pool::Slot& slot = pool_.slots[static_cast<std::size_t>(self)];
    slot.wake.wait(hold, [&] { return slot.go; });
    slot.go = false;
  }
  if (aborting_ && ready != nullptr && !c.unwinding && !ready(ready_arg)) throw sched::Aborted{};
}

void Controller::stop_branching() {
  std::lock_guard hold(pool_.m);
  no_branch_ = true;
}

unsigned Controller::ready_mask() const {
  unsigned mask = 0;
  for (int i = 0; i < n_; ++i) {
    const Cpu& c = cpus_[static_cast<std::size_t>(i)];
    if (c.state != State::Parked) continue;
    if (c.ready == nullptr || c.ready(c.ready_arg) || (aborting_ && !c.unwinding)) mask |= bit(i);
  }
  return mask;
}

int Controller::decide(unsigned ready) {
  const int fallback = last_ >= 0 && (ready & bit(last_)) != 0 ? last_ : lowest(ready);
  if (no_branch_) return fallback;
  const std::size_t k = result_.decisions++;
  defaults_.push_back(fallback);
  int c = fallback;
  if (replay_ != nullptr) {
    if (k < replay_->choices.size()) {
      c = replay_->choices[k];
      if ((ready & bit(c)) == 0) {
        if (!result_.misfit) {
          result_.misfit = fmt::format(
              "at decision {} the schedule chooses CPU {}, which cannot "
              "step there (ready: {})",
              k + 1, c, cpu_list(ready));
        }
        c = fallback;
      }
    }
  } else if (pct_ != nullptr) {
    c = decide_pct(ready);
  } else {
    c = decide_search(ready, fallback);
  }
  if (last_ >= 0 && (ready & bit(last_)) != 0 && c != last_) ++result_.preemptions;
  result_.schedule.choices.push_back(static_cast<std::uint8_t>(c));
  return c;
}

int Controller::decide_search(unsigned ready, int fallback) {
  std::vector<Node>& path = *path_;
  const std::size_t k = result_.decisions - 1;
  if (result_.redundant) return fallback;  // off the search: no more nodes
  int c = fallback;
  if (sharding_ != nullptr && sharding_->depth > 0 && k == sharding_->depth) {
    // The first `depth` choices are made: they name this run's subtree.
    subtree_named_ = true;
    if (k == path.size()) sharding_->current = sharding_->next++;
    result_.subtree = sharding_->current;
    if (result_.subtree % options_->shard_count != options_->shard_index) {
      foreign_ = true;  // another shard's: run it to its end with defaults, extend nothing
      no_branch_ = true;
      return fallback;
    }
  }
  if (k < path.size()) {
    if (path[k].ready != ready) {
      // Reported once the CPUs finished (run() cannot throw while they are parked).
      nondeterminism_ = fmt::format(
          "ntemu explore: the program is not deterministic: "
          "decision {} had CPUs {} ready, now {}",
          k + 1, cpu_list(path[k].ready), cpu_list(ready));
      result_.redundant = true;
      no_branch_ = true;
      return fallback;
    }
    c = path[k].chosen;
  } else {
    Node n;
    n.ready = ready;
    n.sleep = options_->reduction ? next_sleep_ & ready : 0;
    n.last = last_;
    n.preemptions = result_.preemptions;
    const unsigned awake = ready & ~n.sleep;
    auto fits = [&](int cpu) {
      return options_->preemption_bound < 0 ||
             n.preemptions + (n.preempts(cpu) ? 1 : 0) <= options_->preemption_bound;
    };
    int pick = -1;
    if ((awake & bit(fallback)) != 0 && fits(fallback)) pick = fallback;
    for (unsigned m = awake; pick < 0 && m != 0; m &= m - 1) {
      if (fits(lowest(m))) pick = lowest(m);
    }
    if (pick < 0) {
      // Every CPU still to try here is asleep, or would exceed the bound: nothing new below.
      result_.redundant = true;
      result_.cut = awake != 0;
      return fallback;
    }
    c = pick;
    n.chosen = c;
    n.done = bit(c);
    path.push_back(n);
  }
  if (options_->reduction) {
    const Node& n = path[k];
    const sched::Op& step = cpus_[static_cast<std::size_t>(c)].op;
    unsigned sleep = 0;
    for (unsigned m = (n.sleep | n.done) & ~bit(c); m != 0; m &= m - 1) {
      if (!dependent(cpus_[static_cast<std::size_t>(lowest(m))].op, step)) sleep |= bit(lowest(m));
    }
    next_sleep_ = sleep;
  }
  return c;
}

int Controller::decide_pct(unsigned ready) {
  const std::uint64_t k = result_.decisions;  // this decision's number, from 1
  const std::vector<std::uint64_t>& points = pct_->change_points;
  for (; next_change_ < points.size() && points[next_change_] <= k; ++next_change_) {
    if (last_ >= 0) priority_[static_cast<std::size_t>(last_)] = static_cast<int>(next_change_) + 1;
  }
  int best = lowest(ready);
  for (unsigned m = ready; m != 0; m &= m - 1) {
    const int cpu = lowest(m);
    if (priority_[static_cast<std::size_t>(cpu)] > priority_[static_cast<std::size_t>(best)]) {
      best = cpu;
    }
  }
  return best;
}

int Controller::next_step() {
  bool finished = true;
  for (int i = 0; i < n_; ++i)
    finished = finished && cpus_[static_cast<std::size_t>(i)].state == State::Done;
  if (finished) {
    finished_ = true;
    pool_.finished_cv.notify_one();
    return -1;
  }
  unsigned ready = ready_mask();
  if (ready == 0 && !aborting_) {
    // Every unfinished CPU waits for another: a deadlock. Unwind them one by one.
    aborting_ = true;
    no_branch_ = true;
    result_.deadlock = true;
    ready = ready_mask();
  }
  if (ready == 0) {
    std::fputs("ntemu explore: the CPUs of a deadlocked run cannot unwind\n", stderr);
    std::abort();
  }
  const int c = std::popcount(ready) == 1 ? lowest(ready) : decide(ready);
  Cpu& cpu = cpus_[static_cast<std::size_t>(c)];
  // Every step, a decision or not, wakes the sleepers it does not commute with; a CPU that
  // cannot step now leaves the sleep set for good (it may be enabled by this very step).
  for (unsigned m = next_sleep_; m != 0; m &= m - 1) {
    const int j = lowest(m);
    if ((ready & bit(j)) == 0 || j == c ||
        dependent(cpus_[static_cast<std::size_t>(j)].op, cpu.op)) {
      next_sleep_ &= ~bit(j);
    }
  }
  if (c != last_ && on_switch_ != nullptr && *on_switch_) {
    (*on_switch_)(Switch{c, cpu.op.what, cpu.op.arg});
  }
  last_ = c;
  ++result_.steps;
  cpu.state = State::Running;
  return c;
}

RunResult Controller::run() {
  if (n_ < 1 || n_ > kMaxCpus) {
    throw std::invalid_argument(
        fmt::format("ntemu explore: an execution has 1 to {} CPUs, not {}", kMaxCpus, n_));
  }
  pool_.ensure(n_);
  {
    std::unique_lock hold(pool_.m);
    pool_.controller = this;
    // Every CPU stands parked at its start point; the first decision picks who begins.
    hand_to(next_step());
    pool_.finished_cv.wait(hold, [&] { return finished_; });
    pool_.controller = nullptr;
  }
  if (replay_ != nullptr && !result_.misfit && result_.decisions < replay_->choices.size()) {
    result_.misfit = fmt::format("the schedule has {} decisions, the run only {}",
                                 replay_->choices.size(), result_.decisions);
  }
  std::vector<std::uint8_t>& choices = result_.schedule.choices;
  while (!choices.empty() && choices.back() == defaults_[choices.size() - 1])
    choices.pop_back();
  for (const std::exception_ptr& e : errors_) {
    if (e) std::rethrow_exception(e);
  }
  if (!nondeterminism_.empty()) throw std::logic_error(nondeterminism_);
  return result_;
}

}  // namespace ntemu::explore::detail

namespace ntemu::explore {

void Explorer::stop_branching() {
  if (detail::t_controller != nullptr) detail::t_controller->stop_branching();
}

}  // namespace ntemu::explore
