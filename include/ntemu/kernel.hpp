// SPDX-License-Identifier: MIT
/// \file
/// `Kernel`: one emulated machine as users create it — the executive (ps/executive.hpp: the
/// profile, PspCidTable, the object manager, the notify arrays, the boot processes and the
/// `Nt*` / `Ps*` / `Ob*` entry points) with the verifier (verify/verifier.hpp) attached from
/// boot and, while a sink is set, the tracer that turns what the executive does into trace
/// events. This file is the one place that wires the observers to the mechanism.
///
/// \code
///   ntemu::Kernel k(ntemu::Profile::win2000());
///   k.PsSetCreateProcessNotifyRoutine(&my_routine, /*Remove=*/false);
///   auto proc = k.NtCreateProcess("notepad.exe");        // win2000: no PID yet
///   auto thr = k.NtCreateThread(*proc.process);          // PID assigned, my_routine called
///   for (const auto& f : k.audit()) fmt::print("{}: {}\n", f.kind, f.detail);
/// \endcode
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/ke/clock.hpp"
#include "ntemu/ps/executive.hpp"
#include "ntemu/trace/sink.hpp"
#include "ntemu/verify/finding.hpp"
#include "ntemu/verify/verifier.hpp"

namespace ntemu {

namespace trace {
class KernelTracer;
}

using ps::NotifyKind;

class Kernel final : public ps::Executive {
 public:
  using Finding = verify::Finding;

  /// Boots `profile` (see Executive::boot), tracing to `sink` if given.
  explicit Kernel(Profile profile, TraceSink* sink = nullptr);
  ~Kernel();

  /// The kernel a notify routine running on this host thread was called from, or nullptr.
  static Kernel* current();

  /// The sink events go to (nullptr: none): the executive's `cid` and `notify` events and the
  /// verifier's `finding` events. Set before running operations.
  void set_trace_sink(TraceSink* sink);
  TraceSink* trace_sink() const { return sink_; }

  verify::Verifier& verifier() { return verifier_; }
  /// verifier().audit(): every finding, in a deterministic order; the ones found now are also
  /// emitted as `finding` events (those raised while running were emitted when raised).
  std::vector<Finding> audit() { return verifier_.audit(); }
  /// verifier().set_step(): findings name the step that caused them with this label.
  void set_step(std::string label) { verifier_.set_step(std::move(label)); }

  /// The machine's model clock (ke/clock.hpp): fixed at boot, moved only by advance(). What
  /// scenarios' and the harness's `advance` call; KeQuerySystemTime and friends read it.
  ke::Clock& clock() { return clock_; }
  const ke::Clock& clock() const { return clock_; }

  /// The shadow call stack of this host thread, innermost frame first.
  dbg::CallStack call_stack() const { return dbg::call_stack(); }
  /// That stack in the shape of the kernel debugger's `kb` (dbg/kb.hpp).
  std::string format_stack_kb() const;

 private:
  verify::Verifier verifier_;
  ke::Clock clock_;
  TraceSink* sink_ = nullptr;
  std::unique_ptr<trace::KernelTracer> tracer_;
};

}  // namespace ntemu
