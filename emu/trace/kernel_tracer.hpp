// SPDX-License-Identifier: MIT
// The tracer: the executive's observer that turns what it reports into the kernel's trace events
// — `cid` for each PspCidTable entry created or destroyed, `notify` for each routine call —
// for a sink. Attached by Kernel only while a sink is set, so an untraced kernel builds no event.
#pragma once

#include "ntemu/ps/observer.hpp"
#include "ntemu/trace/sink.hpp"

namespace ntemu::trace {

class KernelTracer final : public ps::KernelObserver {
 public:
  explicit KernelTracer(TraceSink& sink) : sink_(sink) {}
  void cid_created(Handle handle, const ob::Object& object) override;
  void cid_destroyed(Handle handle, const ob::Object* named) override;
  void routine_calling(const ps::NotifyCall& call) override;
  bool hears_returns() const override { return false; }

 private:
  TraceSink& sink_;
};

}  // namespace ntemu::trace
