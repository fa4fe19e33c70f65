// SPDX-License-Identifier: MIT
// A small JSON writer for the HTML report's embedded data: strings escaped for JSON *and* for
// an HTML <script> element (every '<', '>' and '&' as \u escapes, so no "</script>" can appear),
// arrays and objects written in the order they are built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ntemu::viz::json {

/// `s` as a JSON string literal, safe inside <script>. Bytes that are not UTF-8 become U+FFFD.
std::string string(std::string_view s);

/// Builds `{"k":v,...}` or `[v,...]` by appending already-written values.
class Writer {
 public:
  explicit Writer(char open) : out_(1, open), close_(open == '{' ? '}' : ']') {}
  /// An object member or an array element (key ignored in arrays).
  Writer& raw(std::string_view key, std::string_view value);
  Writer& str(std::string_view key, std::string_view value) { return raw(key, string(value)); }
  Writer& num(std::string_view key, std::uint64_t value) { return raw(key, std::to_string(value)); }
  Writer& boolean(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
  std::string done() { return out_ + close_; }

 private:
  std::string out_;
  char close_;
  bool first_ = true;
};

}  // namespace ntemu::viz::json
