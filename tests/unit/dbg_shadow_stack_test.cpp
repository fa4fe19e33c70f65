// SPDX-License-Identifier: MIT
// The shadow call stack (dbg/shadow_stack.hpp): frames pushed and popped with their scopes, a
// frame's arguments only its own (a slot reused by a frame without arguments shows none of the
// last one's), frames past kMaxFrames counted, and an installed observer told of each push.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/dbg/kb.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

using namespace ntemu;

namespace {

struct Recorder : dbg::FrameObserver {
  std::vector<std::string> entered;
  void frame_entered(const dbg::Frame& frame, std::size_t depth) override {
    entered.push_back(std::string(frame.function) + "@" + std::to_string(depth) + "/" +
                      std::to_string(frame.arg_count));
  }
};

std::string kb_of(const dbg::CallStack& stack) {
  return dbg::format_kb(std::span<const dbg::Frame>(stack.data(), stack.size()), Arch::X86);
}

}  // namespace

TEST_CASE("shadow stack: a reused slot shows only its own frame's arguments") {
  {
    dbg::FrameScope outer("nt", "Outer");
    { dbg::FrameScope with_args("drv", "Routine", 0x11, 0x22, 0x33); }
    dbg::FrameScope without("nt", "Inner");  // the slot Routine had
    const dbg::CallStack stack = dbg::call_stack();
    REQUIRE(stack.size() == 2);
    CHECK(stack[0].function == "Inner");
    CHECK(stack[0].arg_count == 0);
    CHECK(stack[1].function == "Outer");
    const std::string kb = kb_of(stack);
    CHECK(kb.find("-------- -------- -------- nt!Inner") != std::string::npos);
    CHECK(kb.find("00000011") == std::string::npos);
    {
      dbg::FrameScope again("drv", "Routine", 0x44, 0x55, 0x66);
      CHECK(kb_of(dbg::call_stack()).find("00000044 00000055 00000066 drv!Routine") !=
            std::string::npos);
    }
  }
  CHECK(dbg::call_stack().empty());
}

TEST_CASE("shadow stack: frames past the depth are counted and an observer hears each kept one") {
  Recorder recorder;
  dbg::FrameObserverScope observe(recorder);
  std::vector<std::unique_ptr<dbg::FrameScope>> frames;
  for (std::size_t i = 0; i < dbg::ShadowStack::kMaxFrames + 3; ++i) {
    frames.push_back(i % 2 == 0 ? std::make_unique<dbg::FrameScope>("nt", "Even")
                                : std::make_unique<dbg::FrameScope>("nt", "Odd", 1, 2, 3));
  }
  CHECK(dbg::t_shadow_stack.depth == dbg::ShadowStack::kMaxFrames + 3);
  CHECK(dbg::call_stack().size() == dbg::ShadowStack::kMaxFrames);
  REQUIRE(recorder.entered.size() == dbg::ShadowStack::kMaxFrames);
  CHECK(recorder.entered[0] == "Even@1/0");
  CHECK(recorder.entered[1] == "Odd@2/3");
  while (!frames.empty())
    frames.pop_back();
  CHECK(dbg::t_shadow_stack.depth == 0);
}
