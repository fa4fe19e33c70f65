// SPDX-License-Identifier: MIT
// What the parser's tests share: a syntax error checked at its line and column, the single
// statement of a text.
#pragma once

#include <string>

#include <doctest/doctest.h>

#include "parser.hpp"

namespace ntemu::cli::test {

// Parses `text`, which must have exactly one syntax error, and checks where and what it is.
inline void check_syntax_error(const std::string& text, int line, int column,
                               const std::string& needle) {
  CAPTURE(text);
  const Parsed p = parse_scenario(text);
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].pos.line == line);
  CHECK(p.errors[0].pos.column == column);
  CAPTURE(p.errors[0].message);
  CHECK(p.errors[0].message.find(needle) != std::string::npos);
}

template <class T>
const T& only_statement(const Parsed& p) {
  REQUIRE(p.errors.empty());
  REQUIRE(p.statements.size() == 1);
  const T* body = std::get_if<T>(&p.statements[0].body);
  REQUIRE(body != nullptr);
  return *body;
}

inline DumpStmt dump_of(const std::string& text) {
  const Parsed p = parse_scenario(text);
  return only_statement<DumpStmt>(p);
}

}  // namespace ntemu::cli::test
