// SPDX-License-Identifier: MIT
// Runs the tracker example driver through the zero-PID thought experiment on win2000 and xp and
// prints what happens: the driver's DbgPrint lines, the notify calls, the tracker's table and the
// verifier's findings. Its output is the transcript shown in docs/driver-testing.md.
#include <cstddef>
#include <string>

#include <fmt/format.h>

#include "ntemu/harness.hpp"
#include "tracker.h"

namespace {

// Prints the events raised since the last call, in a debugger's register.
class Printer {
 public:
  explicit Printer(ntemu::Harness& h) : h_(h) {}
  void step(const std::string& label) {
    flush();
    fmt::print("> {}\n", label);
    h_.set_step(label);
  }
  void flush() {
    const auto events = h_.events();
    for (; seen_ < events.size(); ++seen_) {
      const ntemu::Event& e = events[seen_];
      if (e.name == "dbgprint") {
        fmt::print("  DbgPrint: {}\n", std::get<std::string>(e.find("text")->value));
      } else if (e.name == "notify") {
        fmt::print("{}\n", ntemu::TextSink::to_text(e));
      }
    }
  }

 private:
  ntemu::Harness& h_;
  std::size_t seen_ = 0;
};

void run(const ntemu::Profile& profile) {
  fmt::print("=== {} ===\n", ntemu::to_string(profile.version));
  ntemu::Harness h(profile);
  NTEMU_NAME_ROUTINE(h, TrackerProcessNotify);
  NTEMU_NAME_ROUTINE(h, TrackerThreadNotify);
  Printer out(h);
  out.step("load tracker");
  static_cast<void>(h.load(&DriverEntry, "tracker"));
  out.step("start victim.exe");
  auto started = h.start_process("victim.exe");
  const HANDLE first = ntemu::to_handle(started.process->pid());
  out.step("poke victim's UniqueProcessId to 0");
  h.poke_pid(*started.process, ntemu::ProcessId{0});
  out.step("create a thread in victim");
  static_cast<void>(h.create_thread(*started.process));
  out.step("exit victim (terminate, close handles)");
  static_cast<void>(h.exit_process(*started.process));
  out.flush();
  fmt::print("tracker table: {} record(s); first PID {:#x} tracked: {}\n", TrackerCount(),
             reinterpret_cast<ULONG_PTR>(first), TrackerIsTracked(first) ? "yes" : "no");
  for (const auto& f : h.audit())
    fmt::print("finding {}: {}\n", f.kind, f.detail);
  out.step("unload tracker");
  static_cast<void>(h.unload());
  out.flush();
  fmt::print("\n");
}

}  // namespace

int main() {
  run(ntemu::Profile::win2000());
  run(ntemu::Profile::xp());
  return 0;
}
