// SPDX-License-Identifier: MIT
// The kernel: the executive with its observers wired — the verifier always, the tracer while a
// sink is set — attached before boot, so the boot objects' client IDs are traced too.
#include "ntemu/kernel.hpp"

#include "ntemu/dbg/kb.hpp"
#include "trace/kernel_tracer.hpp"

namespace ntemu {

Kernel::Kernel(Profile profile, TraceSink* sink) : ps::Executive(profile), verifier_(*this) {
  set_trace_sink(sink);  // attaches the verifier, after the tracer if there is one
  boot();
}

Kernel::~Kernel() {
  set_trace_sink(nullptr);
  remove_observer(verifier_);
}

Kernel* Kernel::current() {
  // Every executive is a Kernel: only Kernel may construct one, and Kernel is final.
  return static_cast<Kernel*>(ps::Executive::current());
}

void Kernel::set_trace_sink(TraceSink* sink) {
  remove_observer(verifier_);
  if (tracer_) remove_observer(*tracer_);
  tracer_.reset();
  sink_ = sink;
  verifier_.set_sink(sink);
  // The tracer comes first, so a call's `notify` event precedes anything raised about it.
  if (sink != nullptr) {
    tracer_ = std::make_unique<trace::KernelTracer>(*sink);
    add_observer(*tracer_);
  }
  add_observer(verifier_);
}

std::string Kernel::format_stack_kb() const {
  const dbg::CallStack frames = dbg::call_stack();
  return dbg::format_kb({frames.data(), frames.size()}, profile().arch);
}

}  // namespace ntemu
