// SPDX-License-Identifier: MIT
// The statement parsers: one function per statement, and the table that maps each statement
// word to its synopsis and parser (parse_api.cpp: the kernel-API statements; parse_tools.cpp:
// variables, pokes, checks, views and races, and the table).
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "cursor.hpp"

namespace ntemu::cli::syntax {

struct StatementSyntax {
  std::string_view keyword;
  std::string_view synopsis;
  std::function<StatementBody(Cursor&)> parse;
};

/// Every statement, in documentation order. `during`'s parser is null: it needs the whole line
/// (parse_during).
const std::vector<StatementSyntax>& statement_table();
/// The syntax of the statement word `keyword`, or nullptr.
const StatementSyntax* find_statement(std::string_view keyword);
StatementBody parse_during(Cursor& c, const std::vector<Word>& words, std::string_view line);

// parse_api.cpp
StatementBody parse_kernel(Cursor& c);
RoutineRef routine_ref(Cursor& c);
StatementBody parse_process_notify(Cursor& c, bool ex);
StatementBody parse_thread_notify(Cursor& c, bool remove);
StatementBody parse_image_notify(Cursor& c, bool remove);
StatementBody parse_load_image(Cursor& c, bool driver);
StatementBody parse_create_process(Cursor& c, bool with_thread, bool user_process = false);
StatementBody parse_create_thread(Cursor& c, bool system);
StatementBody parse_object_op(Cursor& c, ObjectOpStmt::Op op);
StatementBody parse_lookup(Cursor& c, LookupStmt::Api api);
StatementBody parse_ob_callbacks(Cursor& c, bool remove);
StatementBody parse_context(Cursor& c);

// parse_tools.cpp
StatementBody parse_let(Cursor& c);
StatementBody parse_poke(Cursor& c);
StatementBody parse_expect(Cursor& c);
StatementBody parse_dump(Cursor& c);
StatementBody parse_snapshot(Cursor& c);
StatementBody parse_break(Cursor& c);
StatementBody parse_audit(Cursor& c);

}  // namespace ntemu::cli::syntax
