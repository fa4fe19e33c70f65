// SPDX-License-Identifier: MIT
// The verifier's per-ID books (emu/verify/balance_map.hpp) against std::map: every key found
// with its value, absent keys not found, iteration in insertion order, across growths.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "../../emu/verify/balance_map.hpp"

TEST_CASE("verifier books: the balance map agrees with std::map across growths") {
  ntemu::verify::BalanceMap<std::uint64_t> m;
  std::map<std::uint64_t, std::uint64_t> ref;
  std::vector<std::uint64_t> order;
  std::mt19937_64 rng(7);
  CHECK(m.find(4) == nullptr);
  for (int i = 0; i < 20000; ++i) {
    // IDs as PspCidTable hands them out (multiples of 4), some repeated.
    const std::uint64_t key = 4 * (rng() % 12000);
    if (ref.find(key) == ref.end()) order.push_back(key);
    m[key] += 1;
    ref[key] += 1;
  }
  CHECK(m.size() == ref.size());
  for (const auto& [key, value] : ref) {
    const std::uint64_t* v = m.find(key);
    REQUIRE(v != nullptr);
    CHECK(*v == value);
  }
  CHECK(m.find(2) == nullptr);
  CHECK(m.find(4 * 12000) == nullptr);
  std::vector<std::uint64_t> seen;
  m.for_each([&](std::uint64_t key, const std::uint64_t& value) {
    seen.push_back(key);
    CHECK(ref[key] == value);
  });
  CHECK(seen == order);
}
