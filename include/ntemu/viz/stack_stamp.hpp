// SPDX-License-Identifier: MIT
/// \file
/// `StackStampSink`: a sink in front of another that adds, to each event raised inside the
/// kernel, where it was raised — `cpu` (0 for the host thread that made the sink, the one that
/// drives the run; 1 for any other, the second CPU of a `during` race), `frames` (the shadow
/// stack's symbols, outermost first, blank-separated: "nt!NtCreateThread nt!PspCreateThread")
/// and `stack` (the same as the debugger's `kb` shows it). The pictures draw call chains and
/// expandable stacks from them. Events raised outside any modeled routine get `cpu` only.
///
/// The stack is read when the event is raised, on the raising host thread — so put this sink
/// directly in front of the kernel, before anything that holds events back to reorder them.
///
/// \code
///   ntemu::RecordingSink record;
///   ntemu::viz::StackStampSink stamp(record, ntemu::Arch::X86);
///   ntemu::Kernel k(ntemu::Profile::win2000(), &stamp);
/// \endcode
#pragma once

#include <thread>

#include "ntemu/support/arch.hpp"
#include "ntemu/trace/sink.hpp"

namespace ntemu::viz {

class StackStampSink final : public TraceSink {
 public:
  StackStampSink(TraceSink& out, Arch arch)
      : out_(out), arch_(arch), owner_(std::this_thread::get_id()) {}
  void emit(const Event& e) override;

 private:
  TraceSink& out_;
  const Arch arch_;
  const std::thread::id owner_;
};

}  // namespace ntemu::viz
