// SPDX-License-Identifier: MIT
// FlatMap64 against std::unordered_map: the same random inserts, finds and erases (keys chosen
// from a small range so probe runs collide and deletions shift), then the same contents.
#include "ntemu/support/flat_map.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <unordered_map>

#include <doctest/doctest.h>

using ntemu::FlatMap64;

TEST_CASE("FlatMap64 agrees with std::unordered_map over random operations") {
  std::mt19937_64 rng(12345);
  FlatMap64<std::uint64_t> flat;
  std::unordered_map<std::uint64_t, std::uint64_t> ref;
  for (int step = 0; step < 200000; ++step) {
    // Addresses 8 apart, like model objects; a few thousand distinct keys.
    const std::uint64_t key = 0x89A01000 + 8 * (rng() % 3000);
    switch (rng() % 3) {
      case 0:
        flat[key] = static_cast<std::uint64_t>(step);
        ref[key] = static_cast<std::uint64_t>(step);
        break;
      case 1: {
        const std::uint64_t* v = flat.find(key);
        auto it = ref.find(key);
        REQUIRE((v != nullptr) == (it != ref.end()));
        if (v != nullptr) REQUIRE(*v == it->second);
        break;
      }
      default:
        REQUIRE(flat.erase(key) == (ref.erase(key) == 1));
        break;
    }
    REQUIRE(flat.size() == ref.size());
  }
  std::size_t seen = 0;
  flat.for_each([&](std::uint64_t k, const std::uint64_t& v) {
    ++seen;
    auto it = ref.find(k);
    REQUIRE(it != ref.end());
    CHECK(it->second == v);
  });
  CHECK(seen == ref.size());
}

TEST_CASE("FlatMap64 holds move-only values and default-initialises new ones") {
  FlatMap64<std::unique_ptr<int>> m;
  CHECK(m.find(7) == nullptr);
  CHECK(m[7] == nullptr);
  m[7] = std::make_unique<int>(42);
  for (std::uint64_t k = 100; k < 1100; ++k)  // force several growths
    m[k] = std::make_unique<int>(static_cast<int>(k));
  REQUIRE(m.find(7) != nullptr);
  CHECK(**m.find(7) == 42);
  CHECK(**m.find(1099) == 1099);
  CHECK(m.erase(7));
  CHECK_FALSE(m.erase(7));
  CHECK(m.size() == 1000);
  // Key 0 is an ordinary key (balance keys of kind 0, ID 0 use it).
  m[0] = std::make_unique<int>(1);
  REQUIRE(m.find(0) != nullptr);
  CHECK(**m.find(0) == 1);
}
