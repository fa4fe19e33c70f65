// SPDX-License-Identifier: MIT
// The scenario parser: the file, line by line, each line's statement word looked up in the
// statement table and its words handed to that statement's parser (statement_parsers.hpp).
#include "parser.hpp"

#include <utility>

#include "statement_parsers.hpp"

namespace ntemu::cli {

using namespace syntax;

bool calls_api(const Statement& s) {
  return std::holds_alternative<ProcessNotifyStmt>(s.body) ||
         std::holds_alternative<ImageNotifyStmt>(s.body) ||
         std::holds_alternative<LoadImageStmt>(s.body) ||
         std::holds_alternative<ThreadNotifyStmt>(s.body) ||
         std::holds_alternative<CreateProcessStmt>(s.body) ||
         std::holds_alternative<CreateThreadStmt>(s.body) ||
         std::holds_alternative<ObjectOpStmt>(s.body) ||
         std::holds_alternative<LookupStmt>(s.body) ||
         std::holds_alternative<ObCallbackStmt>(s.body);
}

namespace {

// Lines whose first non-blank character starts a statement (not a comment): at least as many as
// the statements the file holds, so the statement list is allocated once, at its size. Growing
// it by doubling would need up to three times the list's size at once, and the list is most of
// what a million-line file costs besides the kernel.
std::size_t statement_lines(std::string_view text) {
  std::size_t n = 0;
  bool at_start = true;  // no non-blank character on this line yet
  for (const char c : text) {
    if (c == '\n') {
      at_start = true;
    } else if (at_start && c != ' ' && c != '\t' && c != '\r') {
      at_start = false;
      if (c != '#') ++n;
    }
  }
  return n;
}

}  // namespace

Parsed parse_scenario(std::string_view text) {
  Parsed out;
  out.statements.reserve(statement_lines(text));
  int line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = cut_comment(line);
    try {
      const std::vector<Word> words = split_words(line, line_no);
      if (words.empty()) continue;
      const Word& keyword = words.front();
      const StatementSyntax* syntax = find_statement(keyword.text);
      if (syntax == nullptr) {
        std::string message = fmt::format("unknown statement '{}'", keyword.text);
        for (const auto& s : statement_table()) {
          if (lower(s.keyword) == lower(keyword.text)) {
            message += fmt::format("; did you mean '{}'?", s.keyword);
          }
        }
        throw SyntaxError{{line_no, keyword.column}, std::move(message)};
      }
      Cursor cursor(words, line_no, syntax->synopsis);
      const std::string_view source = trim(line);
      Statement st{{line_no, keyword.column},
                   std::string(keyword.text),
                   std::string(source),
                   syntax->parse ? syntax->parse(cursor) : parse_during(cursor, words, line)};
      out.statements.push_back(std::move(st));
    } catch (const SyntaxError& e) {
      out.errors.push_back({e.pos, e.message});
    }
  }
  return out;
}

Compiled compile_scenario(std::string_view text, const CheckOptions& options) {
  Compiled c;
  Parsed parsed = parse_scenario(text);
  if (!parsed.errors.empty()) {
    c.errors = std::move(parsed.errors);
    return c;
  }
  c.errors = check_scenario(std::move(parsed.statements), options, c.script);
  // The names are kept for the whole run: no spare capacity from growing.
  c.script.symbols.shrink_to_fit();
  return c;
}

}  // namespace ntemu::cli
