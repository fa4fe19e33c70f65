// SPDX-License-Identifier: MIT
#include "ntemu/support/status.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace ntemu;

TEST_CASE("Status: values match the DDK's ntstatus.h") {
  CHECK(STATUS_SUCCESS.value() == 0x00000000U);
  CHECK(STATUS_UNSUCCESSFUL.value() == 0xC0000001U);
  CHECK(STATUS_INVALID_HANDLE.value() == 0xC0000008U);
  CHECK(STATUS_INVALID_CID.value() == 0xC000000BU);
  CHECK(STATUS_INVALID_PARAMETER.value() == 0xC000000DU);
  CHECK(STATUS_ACCESS_DENIED.value() == 0xC0000022U);
  CHECK(STATUS_PROCEDURE_NOT_FOUND.value() == 0xC000007AU);
  CHECK(STATUS_INSUFFICIENT_RESOURCES.value() == 0xC000009AU);
  CHECK(STATUS_PROCESS_IS_TERMINATING.value() == 0xC000010AU);
}

TEST_CASE("Status: NT_SUCCESS is true for success and informational severities only") {
  CHECK(NT_SUCCESS(STATUS_SUCCESS));
  CHECK(NT_SUCCESS(STATUS_PENDING));
  CHECK(NT_SUCCESS(Status{0x40000000U}));        // informational
  CHECK_FALSE(NT_SUCCESS(Status{0x80000005U}));  // warning
  CHECK_FALSE(NT_SUCCESS(STATUS_INVALID_PARAMETER));
  CHECK(STATUS_INVALID_PARAMETER.is_error());
  CHECK_FALSE(Status{0x80000005U}.is_error());
  CHECK(Status{} == STATUS_SUCCESS);
}

TEST_CASE("Status: names round-trip and format as NAME (0xVALUE)") {
  CHECK(STATUS_INVALID_PARAMETER.name() == "STATUS_INVALID_PARAMETER");
  CHECK(fmt::format("{}", STATUS_INVALID_PARAMETER) == "STATUS_INVALID_PARAMETER (0xC000000D)");
  CHECK(fmt::format("{}", STATUS_SUCCESS) == "STATUS_SUCCESS (0x00000000)");
  CHECK(fmt::format("{}", Status{0xC0DE0001U}) == "0xC0DE0001");
  CHECK(Status{0xC0DE0001U}.name().empty());
  for (Status s : Status::known()) {
    CAPTURE(s.hex());
    REQUIRE_FALSE(s.name().empty());
    auto back = Status::from_name(s.name());
    REQUIRE(back.has_value());
    CHECK(*back == s);
  }
  CHECK_FALSE(Status::from_name("STATUS_NO_SUCH_THING").has_value());
  CHECK_FALSE(Status::from_name("").has_value());
}
