// SPDX-License-Identifier: MIT
#include "ntemu/support/result.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace ntemu;

namespace {
Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return STATUS_INVALID_PARAMETER;
  return c - '0';
}
}  // namespace

TEST_CASE("Result: carries a value or the failing status") {
  auto ok = parse_digit('7');
  REQUIRE(ok);
  CHECK(*ok == 7);
  CHECK(ok.status() == STATUS_SUCCESS);

  auto bad = parse_digit('x');
  CHECK_FALSE(bad);
  CHECK(bad.status() == STATUS_INVALID_PARAMETER);
}

TEST_CASE("Result: reading a failed result's value throws, it is never undefined") {
  auto bad = parse_digit('x');
  CHECK_THROWS_AS(static_cast<void>(bad.value()), BadResultAccess);
  try {
    static_cast<void>(*bad);
  } catch (const BadResultAccess& e) {
    CHECK(e.status() == STATUS_INVALID_PARAMETER);
    CHECK(std::string(e.what()).find("STATUS_INVALID_PARAMETER") != std::string::npos);
  }
}

TEST_CASE("Result: a success status cannot make a value-less success") {
  Result<int> r{STATUS_SUCCESS};
  CHECK_FALSE(r);
  CHECK(r.status() == STATUS_UNSUCCESSFUL);
}
