// SPDX-License-Identifier: MIT
// ntemu::Lookaside: a host thread's freed blocks of one kind come back to it, LIFO, up to the
// list's depth; other sizes and the surplus go to the C heap; under AddressSanitizer every block
// does, so a use after free is still reported.
#include <cstddef>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/support/lookaside.hpp"

using namespace ntemu;

namespace {

struct Block {
  unsigned char bytes[200];
};
using List = Lookaside<Block>;

}  // namespace

TEST_CASE("lookaside: a freed block of the kind's size is handed out again, last in first out") {
  // Run on a host thread of its own, so the list starts empty and is freed at the end.
  std::thread([] {
    REQUIRE(List::kept() == 0);
    void* a = List::allocate(sizeof(Block));
    void* b = List::allocate(sizeof(Block));
    REQUIRE(a != b);
    List::free(a, sizeof(Block));
    List::free(b, sizeof(Block));
#if defined(NTEMU_LOOKASIDE_OFF)
    CHECK(List::kept() == 0);  // AddressSanitizer: straight back to the heap
#else
    CHECK(List::kept() == 2);
    CHECK(List::allocate(sizeof(Block)) == b);
    CHECK(List::allocate(sizeof(Block)) == a);
    CHECK(List::kept() == 0);
    List::free(a, sizeof(Block));
    List::free(b, sizeof(Block));
#endif
  }).join();
}

TEST_CASE("lookaside: another size bypasses the list, and the list keeps at most its depth") {
  std::thread([] {
    void* other = List::allocate(sizeof(Block) + 8);
    List::free(other, sizeof(Block) + 8);
    CHECK(List::kept() == 0);
    std::vector<void*> made;
    for (std::size_t i = 0; i < List::kDepth + 5; ++i)
      made.push_back(List::allocate(sizeof(Block)));
    CHECK(std::set<void*>(made.begin(), made.end()).size() == made.size());
    for (void* p : made)
      List::free(p, sizeof(Block));
#if defined(NTEMU_LOOKASIDE_OFF)
    CHECK(List::kept() == 0);
#else
    CHECK(List::kept() == List::kDepth);
#endif
  }).join();
}

TEST_CASE("lookaside: each host thread keeps its own blocks") {
  void* mine = List::allocate(sizeof(Block));
  List::free(mine, sizeof(Block));
  const std::size_t kept_here = List::kept();
  std::thread([&] {
    CHECK(List::kept() == 0);
    void* theirs = List::allocate(sizeof(Block));
#if !defined(NTEMU_LOOKASIDE_OFF)
    CHECK(theirs != mine);  // this thread's list is empty: a fresh block
#endif
    List::free(theirs, sizeof(Block));
  }).join();
  CHECK(List::kept() == kept_here);
}
