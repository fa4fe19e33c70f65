// SPDX-License-Identifier: MIT
/// \file
/// The kd command line's words: a command's arguments split at blanks, and numbers as the
/// debugger reads them (hexadecimal by default, `0x` allowed, `0n` for decimal).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ntemu::cli::kd {

constexpr char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// The words of `text`, taken one by one.
class Words {
 public:
  explicit Words(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
        ++i;
      const std::size_t start = i;
      while (i < text.size() && text[i] != ' ' && text[i] != '\t')
        ++i;
      if (i > start) words_.push_back(text.substr(start, i - start));
    }
  }
  std::size_t size() const { return words_.size(); }
  bool done() const { return next_ == words_.size(); }
  /// The next word, or "" after the last.
  std::string_view next() { return done() ? std::string_view{} : words_[next_++]; }
  std::string_view peek() const { return done() ? std::string_view{} : words_[next_]; }

 private:
  std::vector<std::string_view> words_;
  std::size_t next_ = 0;
};

/// A number as the debugger reads one: hexadecimal (`89a01290`, `0x10`), or decimal with `0n`
/// (`0n16`); a backquote inside (`00000000`fffff800`) is ignored. nullopt for anything else.
inline std::optional<std::uint64_t> parse_number(std::string_view w) {
  int base = 16;
  if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
    w.remove_prefix(2);
  } else if (w.size() > 2 && w[0] == '0' && (w[1] == 'n' || w[1] == 'N')) {
    w.remove_prefix(2);
    base = 10;
  }
  std::string_view digits = w;
  char buffer[40];
  if (const std::size_t tick = w.find('`'); tick != std::string_view::npos) {
    if (w.size() > sizeof buffer || w.find('`', tick + 1) != std::string_view::npos) return {};
    std::size_t n = 0;
    for (char c : w) {
      if (c != '`') buffer[n++] = c;
    }
    digits = std::string_view(buffer, n);
  }
  if (digits.empty()) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return v;
}

}  // namespace ntemu::cli::kd
