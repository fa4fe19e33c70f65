// SPDX-License-Identifier: MIT
// kd's inspection commands over the stopped machine: `kb`, `r`, `!process`, `!thread`,
// `!handle`. A stop inside PspCreateThread may hold the process's lock on this very host
// thread: the dumps then read the locked fields in place, as a debugger reads a frozen machine,
// instead of taking the lock again.
#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kd_session_impl.hpp"
#include "kd_words.hpp"
#include "ntemu/dbg/dump.hpp"
#include "ntemu/dbg/kb.hpp"

namespace ntemu::cli::kd {

LockedFields read_locked(ps::Process& p) NTEMU_NO_THREAD_SAFETY_ANALYSIS {
  std::unique_lock<Mutex> hold(p.ProcessLock, std::defer_lock);
  if (!p.ProcessLock.held_by_current_thread()) hold.lock();
  return {p.ActiveThreads, p.ThreadListHead.snapshot()};
}

std::string Session::address(std::uint64_t a) const {
  return dbg::format_address(a, script_->arch);
}

std::vector<ps::Process*> Session::processes() {
  Kernel& k = runner_->machine();
  std::vector<ps::Process*> out{&k.idle_process()};
  std::vector<std::uint64_t> addresses;
  k.cid_table().enumerate([&](Handle, const ex::EntryView& e) { addresses.push_back(e.object); });
  for (std::uint64_t a : addresses) {
    ob::Object* o = k.objects().find(a);
    if (o == nullptr || o->type() != ob::ObjectType::Process) continue;
    auto* p = static_cast<ps::Process*>(o);
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  // The file's processes PspCidTable does not list (no PID yet, or already deleted).
  for (std::size_t i = 0; i < script_->symbols.size(); ++i) {
    ob::Object* o = runner_->object_of(static_cast<int>(i));
    if (o == nullptr || o->type() != ob::ObjectType::Process) continue;
    auto* p = static_cast<ps::Process*>(o);
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

ob::Object* Session::object_arg(std::string_view word, std::string_view command) {
  for (std::size_t i = 0; i < script_->symbols.size(); ++i) {
    if (script_->symbols[i].name != word) continue;
    ob::Object* o = runner_->object_of(static_cast<int>(i));
    if (o == nullptr) {
      error(
          fmt::format("{}: '{}' names no object yet (its creation has not returned, or "
                      "failed): !process 0 0 shows the addresses",
                      command, word));
    }
    return o;
  }
  const std::optional<std::uint64_t> a = parse_number(word);
  ob::Object* o = a ? runner_->machine().objects().find(*a) : nullptr;
  if (o == nullptr) {
    error(
        fmt::format("{}: '{}' is neither an object's address nor a process or thread of the "
                    "scenario",
                    command, word));
  }
  return o;
}

void Session::cmd_kb() {
  const dbg::CallStack stack = dbg::call_stack();
  if (stack.empty()) {
    return say("no frames: the machine is between statements (t or a bp stops inside one)");
  }
  std::string text = dbg::format_kb({stack.data(), stack.size()}, script_->arch);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  say(text);
}

void Session::cmd_r(const Stop& stop) {
  Kernel& k = runner_->machine();
  ps::Thread& t = k.current_thread();
  ps::Process& p = *t.ThreadsProcess;
  say(fmt::format("thread   {} {}  Cid {}", address(t.address()), t.Name, t.Cid()));
  say(fmt::format("process  {} {}  UniqueProcessId {:#x}", address(p.address()), p.ImageFileName,
                  p.pid().value()));
  // Notify routines run at PASSIVE_LEVEL, and so does every path the model has.
  say("irql     0 (PASSIVE_LEVEL)");
  say(fmt::format("stopped  {}", stop.where == Stop::Where::End ? std::string("at the end of file")
                                 : stop.where == Stop::Where::Boundary ? "before " + where_
                                                                       : "in " + where_));
  if (runner_->machine_down()) say("machine  stopped by a bugcheck");
}

std::string Session::describe_process(ps::Process& p) {
  const LockedFields locked = read_locked(p);
  std::string out = fmt::format("PROCESS {}  Cid: {:04x}  ParentCid: {:04x}", address(p.address()),
                                p.pid().value(), p.InheritedFromUniqueProcessId.value());
  if (p.is_deleted()) out += "  (deleted: a tombstone)";
  out += fmt::format("\n    ObjectTable: HandleCount {}, owner {:#x}  ActiveThreads: {}",
                     p.ObjectTable->handle_count(), p.ObjectTable->owner().value(),
                     locked.active_threads);
  out += fmt::format("\n    Image: {}", p.ImageFileName);
  return out;
}

std::string Session::describe_thread(ps::Thread& t) {
  std::string out = fmt::format("THREAD {}  Cid {}  {}", address(t.address()), t.Cid(), t.Name);
  if (t.is_deleted()) out += "  (deleted: a tombstone)";
  if (&t == &runner_->machine().current_thread()) out += "  (current)";
  const std::uint32_t flags = t.CrossThreadFlags.load();
  out += fmt::format("\n    Owning Process {} {}  CrossThreadFlags {:#x}",
                     address(t.ThreadsProcess->address()), t.ThreadsProcess->ImageFileName, flags);
  if ((flags & ps::Thread::kFlagTerminated) != 0) out += " Terminated";
  if ((flags & ps::Thread::kFlagDeadThread) != 0) out += " DeadThread";
  if ((flags & ps::Thread::kFlagSystem) != 0) out += " SystemThread";
  if (t.Starting.load()) out += "  (being created: PspCreateThread has not returned)";
  return out;
}

void Session::cmd_process(std::string_view args) {
  Words words(args);
  if (words.size() == 2 && words.peek() == "0") {
    words.next();
    if (words.next() != "0") return error("usage: !process 0 0 | !process [ADDR|NAME]");
    say("**** NT ACTIVE PROCESS DUMP ****");
    for (ps::Process* p : processes())
      say(describe_process(*p) + "\n");
    return;
  }
  if (words.size() > 1) return error("usage: !process 0 0 | !process [ADDR|NAME]");
  ps::Process* p = &runner_->machine().current_process();
  if (words.size() == 1) {
    ob::Object* o = object_arg(words.next(), "!process");
    if (o == nullptr) return;
    if (o->type() != ob::ObjectType::Process) {
      return error(
          fmt::format("!process: {} is a thread (!thread shows it)", address(o->address())));
    }
    p = static_cast<ps::Process*>(o);
  }
  std::string out = describe_process(*p);
  for (ps::Thread* t : read_locked(*p).threads) {
    std::string thread = describe_thread(*t);
    for (std::size_t at = thread.find('\n'); at != std::string::npos;
         at = thread.find('\n', at + 1))
      thread.insert(at + 1, "        ");
    out += "\n\n        " + thread;
  }
  say(out);
}

void Session::cmd_thread(std::string_view args) {
  Words words(args);
  if (words.size() > 1) return error("usage: !thread [ADDR|NAME]");
  ps::Thread* t = &runner_->machine().current_thread();
  if (words.size() == 1) {
    ob::Object* o = object_arg(words.next(), "!thread");
    if (o == nullptr) return;
    if (o->type() != ob::ObjectType::Thread) {
      return error(
          fmt::format("!thread: {} is a process (!process shows it)", address(o->address())));
    }
    t = static_cast<ps::Thread*>(o);
  }
  say(describe_thread(*t));
}

void Session::cmd_handle(std::string_view args) {
  Words words(args);
  if (words.size() == 1 && (words.peek() == "PspCidTable" || words.peek() == "nt!PspCidTable")) {
    return say(dbg::dump_cid_table(runner_->machine()));  // the handle table of client IDs
  }
  if (words.size() > 1) return error("usage: !handle [ADDR|NAME]  (a process's object table)");
  ps::Process* p = &runner_->machine().current_process();
  if (words.size() == 1) {
    ob::Object* o = object_arg(words.next(), "!handle");
    if (o == nullptr) return;
    if (o->type() != ob::ObjectType::Process) {
      return error("!handle: the handle tables are the processes'; this is a thread");
    }
    p = static_cast<ps::Process*>(o);
  }
  struct Row {
    std::uint64_t handle;
    std::uint64_t object;
    std::uint32_t access;
  };
  std::vector<Row> rows;
  p->ObjectTable->enumerate([&](Handle h, const ex::EntryView& e) {
    rows.push_back({h.value(), e.object, e.granted_access});
  });
  std::string out = fmt::format("PROCESS {} {}: ObjectTable HandleCount {}, owner {:#x}",
                                address(p->address()), p->ImageFileName,
                                p->ObjectTable->handle_count(), p->ObjectTable->owner().value());
  for (const Row& r : rows) {
    const ob::Object* o = runner_->machine().objects().find(r.object);
    out += fmt::format(
        "\n  {:#06x}: Object {}  GrantedAccess {:#010x}  {}", r.handle, address(r.object), r.access,
        o == nullptr ? std::string("(no object at this address)")
                     : fmt::format("{} {}{}", ob::to_string(o->type()), ps::object_name(*o),
                                   o->is_deleted() ? " (deleted)" : ""));
  }
  say(out);
}

}  // namespace ntemu::cli::kd
