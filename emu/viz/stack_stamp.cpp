// SPDX-License-Identifier: MIT
#include "ntemu/viz/stack_stamp.hpp"

#include "ntemu/dbg/kb.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

namespace ntemu::viz {

void StackStampSink::emit(const Event& e) {
  Event stamped = e;
  // Only two CPUs take part in a run: the scenario's own thread and a race's second one. A
  // numbering by host thread would depend on which thread IDs the host hands out.
  stamped.add("cpu", std::this_thread::get_id() == owner_ ? 0 : 1);
  const dbg::CallStack frames = dbg::call_stack();  // innermost first
  if (!frames.empty()) {
    std::string chain;
    for (auto f = frames.rbegin(); f != frames.rend(); ++f) {
      if (!chain.empty()) chain += ' ';
      chain += f->module;
      chain += '!';
      chain += f->function;
    }
    stamped.add("frames", std::move(chain));
    stamped.add("stack", dbg::format_kb({frames.data(), frames.size()}, arch_));
  }
  out_.emit(stamped);
}

}  // namespace ntemu::viz
