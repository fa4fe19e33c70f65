// SPDX-License-Identifier: MIT
// A schedule's printed form (explore/engine.hpp): runs of `CPU:COUNT` joined by commas, `-` for
// none.
#include <charconv>

#include <fmt/format.h>

#include "ntemu/explore/engine.hpp"

namespace ntemu::explore {
namespace {
constexpr std::uint64_t kMaxRun = 10'000'000;  // a replay longer than this is not a schedule
}  // namespace

std::string Schedule::to_string() const {
  if (choices.empty()) return "-";
  std::string out;
  for (std::size_t i = 0; i < choices.size();) {
    std::size_t j = i;
    while (j < choices.size() && choices[j] == choices[i])
      ++j;
    if (!out.empty()) out += ',';
    out += j - i == 1 ? fmt::format("{}", choices[i]) : fmt::format("{}:{}", choices[i], j - i);
    i = j;
  }
  return out;
}

std::optional<Schedule> Schedule::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Schedule> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  Schedule s;
  if (text == "-") return s;
  if (text.empty()) return fail("empty schedule (write '-' for the default schedule)");
  std::uint64_t total = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view run = text.substr(start, end - start);
    const std::size_t colon = run.find(':');
    const std::string_view cpu_text = run.substr(0, colon);
    const std::string_view count_text =
        colon == std::string_view::npos ? std::string_view("1") : run.substr(colon + 1);
    unsigned cpu = 0;
    std::uint64_t count = 0;
    const auto c = std::from_chars(cpu_text.data(), cpu_text.data() + cpu_text.size(), cpu);
    const auto n = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (cpu_text.empty() || c.ec != std::errc{} || c.ptr != cpu_text.data() + cpu_text.size() ||
        cpu >= static_cast<unsigned>(kMaxCpus)) {
      return fail(fmt::format("'{}' at offset {}: expected CPU[:COUNT] with a CPU from 0 to {}",
                              run, start, kMaxCpus - 1));
    }
    if (count_text.empty() || n.ec != std::errc{} ||
        n.ptr != count_text.data() + count_text.size() || count == 0 || count > kMaxRun) {
      return fail(
          fmt::format("'{}' at offset {}: expected a count from 1 to {}", run, start, kMaxRun));
    }
    total += count;
    if (total > kMaxRun) return fail(fmt::format("more than {} decisions", kMaxRun));
    s.choices.insert(s.choices.end(), count, static_cast<std::uint8_t>(cpu));
    start = end + 1;
  }
  return s;
}

}  // namespace ntemu::explore
