// SPDX-License-Identifier: MIT
// The scenario lexer (cursor.hpp).
#include "cursor.hpp"

#include <cctype>
#include <charconv>

namespace ntemu::cli::syntax {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<Word> split_words(std::string_view line, int line_no) {
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < line.size()) {
    if (is_blank(line[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    std::size_t quote = std::string_view::npos;  // where the open quoted part starts
    while (i < line.size() && (quote != std::string_view::npos || !is_blank(line[i]))) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c < 0x20 || c == 0x7F) {
        throw SyntaxError{{line_no, to_int(i) + 1},
                          fmt::format("unexpected control character 0x{:02X}", c)};
      }
      if (c == '"') {
        if (quote == std::string_view::npos) {
          quote = i;
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          ++i;  // "" inside quotes: one quote character
        } else {
          quote = std::string_view::npos;
        }
      }
      ++i;
    }
    if (quote != std::string_view::npos) {
      throw SyntaxError{{line_no, to_int(quote) + 1}, "unterminated '\"' (close it on this line)"};
    }
    words.push_back({line.substr(start, i - start), to_int(start) + 1});
  }
  return words;
}

std::string_view cut_comment(std::string_view line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;  // "" toggles twice: still inside
    if (line[i] == '#' && !quoted) return line.substr(0, i);
  }
  return line;
}

std::string unquote(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') {
      out += text[i];
    } else if (quoted && i + 1 < text.size() && text[i + 1] == '"') {
      out += '"';  // "" inside quotes
      ++i;
    } else {
      quoted = !quoted;
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

NumberError parse_number(std::string_view s, std::uint64_t& value) {
  int base = 10;
  std::string_view digits = s;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    digits = s.substr(2);
  }
  if (digits.empty()) return NumberError::Invalid;
  for (char c : digits) {
    const bool ok =
        base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '9');
    if (!ok) return NumberError::Invalid;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec == std::errc::result_out_of_range) return NumberError::OutOfRange;
  if (ec != std::errc{} || end != digits.data() + digits.size()) return NumberError::Invalid;
  return NumberError::None;
}

}  // namespace ntemu::cli::syntax
