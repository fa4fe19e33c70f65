// SPDX-License-Identifier: MIT
// EX_CALLBACK under host concurrency: callers referencing a slot while a registrar swaps blocks
// in and out. No caller may be inside a block after its removal's wait returned; every block is
// freed exactly once; the accounting holds when all is quiet. Run under tsan ("concurrency").
#include <atomic>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/ex/callback.hpp"

using namespace ntemu;
using namespace ntemu::ex;

namespace {
int g_marker = 0;
}

TEST_CASE("stress: removal waits for callers in flight (x86 and x64)") {
  for (Arch arch : {Arch::X86, Arch::X64}) {
    CallbackManager m(arch);
    ExCallback slot;
    constexpr int kSwaps = 3000;
    // Per block: callers currently inside, and whether its removal has completed.
    std::vector<std::atomic<int>> inside(kSwaps + 1);
    std::vector<std::atomic<bool>> removed(kSwaps + 1);
    std::vector<std::atomic<int>> frees(kSwaps + 1);
    std::atomic<int> violations{0};
    std::atomic<bool> done{false};
    auto index_of = [&](CallbackBlock* b) {
      return static_cast<std::size_t>(*static_cast<int*>(b->Context));
    };
    std::vector<int> ids(kSwaps + 1);
    for (int i = 0; i <= kSwaps; ++i)
      ids[static_cast<std::size_t>(i)] = i;

    std::vector<std::thread> callers;
    for (int c = 0; c < 2; ++c) {
      callers.emplace_back([&] {
        while (!done.load(std::memory_order_relaxed)) {
          CallbackBlock* b = m.ExReferenceCallBackBlock(slot);
          if (b == nullptr) continue;
          const std::size_t i = index_of(b);
          inside[i].fetch_add(1);
          if (removed[i].load()) violations.fetch_add(1);  // called after removal returned
          inside[i].fetch_sub(1);
          m.ExDereferenceCallBackBlock(slot, b);
        }
      });
    }
    CallbackBlock* current = nullptr;
    for (int i = 0; i <= kSwaps; ++i) {
      CallbackBlock* next =
          i < kSwaps ? m.ExAllocateCallBack(&g_marker, &ids[static_cast<std::size_t>(i)]) : nullptr;
      REQUIRE(m.ExCompareExchangeCallBack(slot, next, current));
      if (current != nullptr) {
        m.ExWaitForCallBacks(current);
        const std::size_t k = index_of(current);
        if (inside[k].load() != 0) violations.fetch_add(1);
        removed[k].store(true);
        m.ExFreeCallBack(current);
        frees[k].fetch_add(1);
      }
      current = next;
    }
    done.store(true);
    for (auto& t : callers)
      t.join();
    CHECK(violations.load() == 0);
    CHECK(slot.raw() == 0);
    for (int i = 0; i < kSwaps; ++i)
      REQUIRE(frees[static_cast<std::size_t>(i)].load() == 1);
  }
}
