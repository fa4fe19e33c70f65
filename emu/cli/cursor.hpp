// SPDX-License-Identifier: MIT
// The scenario lexer and the cursor every statement parser reads with: one statement per line,
// blank-separated words, each word taken apart where it has inner structure (`parent=NAME`,
// `NAME.pid+1`, `process-notify[3]`), so every error points at the exact column of the
// offending part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "scenario.hpp"

namespace ntemu::cli::syntax {

struct Word {
  std::string_view text;
  int column = 0;  // 1-based
};

struct SyntaxError {
  Pos pos;
  std::string message;
};

inline int to_int(std::size_t n) {
  return static_cast<int>(n);
}

inline bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

inline bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

inline bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

inline bool is_name(std::string_view s) {
  if (s.empty() || !is_name_start(s.front())) return false;
  for (char c : s) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

/// `s` in lower case (ASCII).
std::string lower(std::string_view s);
/// `s` without leading and trailing blanks.
std::string_view trim(std::string_view s);
/// `line` without its comment: from the first `#` outside double quotes.
std::string_view cut_comment(std::string_view line);
/// The words of one line (after cut_comment). Control characters are errors. A word may hold
/// double-quoted parts, blanks included (`cmdline="a b"`); inside them `""` is one quote. An
/// unterminated quote is an error at the quote.
std::vector<Word> split_words(std::string_view line, int line_no);
/// A word's text with its quotes taken out (`"a ""b"""` is `a "b"`).
std::string unquote(std::string_view text);

enum class NumberError { None, Invalid, OutOfRange };

/// Decimal or 0x-hexadecimal, nothing else (no sign, no suffix).
NumberError parse_number(std::string_view s, std::uint64_t& value);

class Cursor {
 public:
  Cursor(const std::vector<Word>& words, int line, std::string_view synopsis)
      : words_(words), line_(line), synopsis_(synopsis) {}

  bool at_end() const { return next_ >= words_.size(); }
  const Word& peek() const { return words_[next_]; }
  const Word& keyword() const { return words_.front(); }
  Pos pos(const Word& w, std::size_t offset = 0) const {
    return {line_, w.column + to_int(offset)};
  }
  /// Just past the last word: where a missing argument would go.
  Pos end_pos() const {
    const Word& last = words_.back();
    return {line_, last.column + to_int(last.text.size())};
  }

  const Word& take(std::string_view what) {
    if (at_end()) fail(end_pos(), fmt::format("expected {}; usage: {}", what, synopsis_));
    return words_[next_++];
  }
  void skip() { ++next_; }

  [[noreturn]] void fail(Pos p, std::string message) const {
    throw SyntaxError{p, std::move(message)};
  }
  [[noreturn]] void unexpected(const Word& w) const {
    fail(pos(w), fmt::format("unexpected '{}'; usage: {}", w.text, synopsis_));
  }
  void expect_end() const {
    if (!at_end()) unexpected(peek());
  }

  Ident name(const Word& w, std::size_t offset, std::string_view text) const {
    if (text.empty()) fail(pos(w, offset), "expected a name");
    if (!is_name(text)) {
      fail(pos(w, offset),
           fmt::format("invalid name '{}' (names are [A-Za-z_][A-Za-z0-9_]*)", text));
    }
    return Ident{std::string(text), pos(w, offset)};
  }
  Ident name(const Word& w) const { return name(w, 0, w.text); }
  Ident take_name(std::string_view what) { return name(take(what)); }

  std::uint64_t number(const Word& w, std::size_t offset, std::string_view text) const {
    std::uint64_t v = 0;
    switch (parse_number(text, v)) {
      case NumberError::None:
        return v;
      case NumberError::OutOfRange:
        fail(pos(w, offset), fmt::format("number '{}' is out of range", text));
      case NumberError::Invalid:
        break;
    }
    fail(pos(w, offset), fmt::format("invalid number '{}'", text));
  }
  std::uint64_t take_number(std::string_view what) {
    const Word& w = take(what);
    return number(w, 0, w.text);
  }

  IdExpr id(const Word& w) const {
    IdExpr e;
    e.pos = pos(w);
    std::string_view base = w.text;
    const std::size_t op_at = base.find_first_of("+|");
    if (op_at != std::string_view::npos) {
      e.op = base[op_at] == '+' ? IdExpr::Op::Plus : IdExpr::Op::Or;
      std::string_view operand = base.substr(op_at + 1);
      if (operand.empty()) fail(pos(w, op_at + 1), "expected a number after '+' or '|'");
      e.operand = number(w, op_at + 1, operand);
      base = base.substr(0, op_at);
    }
    if (base.empty()) fail(pos(w), "expected an ID (a number, VAR, NAME.pid or NAME.tid)");
    if (base.front() >= '0' && base.front() <= '9') {
      e.kind = IdExpr::Kind::Number;
      e.number = number(w, 0, base);
      return e;
    }
    const std::size_t dot = base.find('.');
    if (dot == std::string_view::npos) {
      e.kind = IdExpr::Kind::Variable;
      e.name = name(w, 0, base);
      return e;
    }
    e.name = name(w, 0, base.substr(0, dot));
    const std::string_view field = base.substr(dot + 1);
    e.field_pos = pos(w, dot + 1);
    if (field == "pid") {
      e.kind = IdExpr::Kind::Pid;
    } else if (field == "tid") {
      e.kind = IdExpr::Kind::Tid;
    } else {
      fail(e.field_pos, fmt::format("unknown field '.{}' (an ID is NAME.pid or NAME.tid)", field));
    }
    return e;
  }
  IdExpr take_id(std::string_view what) { return id(take(what)); }

  /// `key=VALUE` if `w` is that option: the value's offset in the word, else npos.
  static std::size_t option_value(const Word& w, std::string_view key) {
    if (w.text.size() > key.size() && w.text.substr(0, key.size()) == key &&
        w.text[key.size()] == '=') {
      return key.size() + 1;
    }
    if (w.text == key) return key.size();  // "parent" without '=': value empty, reported
    return std::string_view::npos;
  }

  Ident option_name(const Word& w, std::size_t offset) const {
    if (offset >= w.text.size()) {
      fail(pos(w, offset), fmt::format("expected a name after '{}'", w.text.substr(0, offset)));
    }
    return name(w, offset, w.text.substr(offset));
  }

  /// The text of `w` from `offset` (an option's value, or a whole word), quotes taken out.
  /// Empty text is an error naming `what`.
  TextOption text(const Word& w, std::size_t offset, std::string_view what) const {
    std::string value = unquote(w.text.substr(std::min(offset, w.text.size())));
    if (value.empty()) fail(pos(w, offset), fmt::format("expected {}", what));
    return TextOption{std::move(value), pos(w, offset)};
  }

  Status status(const Word& w) const {
    if (auto s = Status::from_name(w.text)) return *s;
    std::uint64_t v = 0;
    if (parse_number(w.text, v) == NumberError::None && v <= 0xFFFFFFFFU) {
      return Status{static_cast<std::uint32_t>(v)};
    }
    fail(pos(w), fmt::format("unknown status '{}'", w.text));
  }

  template <class T>
  static void once(std::optional<T>& slot, T value, const Cursor& c, const Word& w) {
    if (slot) c.fail(c.pos(w), fmt::format("'{}' given twice", w.text));
    slot = std::move(value);
  }
  void flag_once(bool& flag, const Word& w) const {
    if (flag) fail(pos(w), fmt::format("'{}' given twice", w.text));
    flag = true;
  }

 private:
  const std::vector<Word>& words_;
  std::size_t next_ = 1;  // words_[0] is the statement word
  int line_;
  std::string_view synopsis_;
};

}  // namespace ntemu::cli::syntax
