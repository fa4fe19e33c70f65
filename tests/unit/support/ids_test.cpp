// SPDX-License-Identifier: MIT
#include "ntemu/support/ids.hpp"

#include <type_traits>
#include <unordered_set>

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace ntemu;

TEST_CASE("IDs: process and thread IDs are distinct types") {
  static_assert(!std::is_convertible_v<ProcessId, ThreadId>);
  static_assert(!std::is_convertible_v<ThreadId, ProcessId>);
  static_assert(!std::is_convertible_v<std::uint64_t, ProcessId>);
  CHECK(ProcessId{8}.as_handle() == Handle{8});
  CHECK(ThreadId{4}.as_handle() == Handle{4});
  CHECK(ProcessId{}.is_null());
  std::unordered_set<ProcessId> set{ProcessId{4}, ProcessId{8}, ProcessId{4}};
  CHECK(set.size() == 2);
}

TEST_CASE("IDs: a handle value is index x 4 plus two ignored tag bits") {
  Handle h{0x807};
  CHECK(h.index() == 0x201);
  CHECK(h.tag_bits() == 3);
  CHECK(h.without_tag_bits() == Handle{0x804});
  CHECK(Handle::from_index(0x201) == Handle{0x804});
}

TEST_CASE("IDs: fmt prints numbers with the caller's spec, and Cid as PPPP.TTTT") {
  CHECK(fmt::format("{}", ProcessId{8}) == "8");
  CHECK(fmt::format("{:#x}", ThreadId{0x804}) == "0x804");
  CHECK(fmt::format("{:04x}", Handle{0xc}) == "000c");
  CHECK(fmt::format("{}", ClientId{ProcessId{8}, ThreadId{4}}) == "0008.0004");
  CHECK(fmt::format("{}", ClientId{ProcessId{0x1a2b4}, ThreadId{0xc}}) == "1a2b4.000c");
}
