// SPDX-License-Identifier: MIT
// The scenario checker's one class, its members defined by concern: checker.cpp (the file and
// one statement more, the kernel version, diagnostics), checker_names.cpp (names bound in
// statement order, routine names), checker_statements.cpp (each statement's own checks).
// Internal to the checker: users call check_scenario / ScenarioChecker (parser.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "parser.hpp"

namespace ntemu::cli {

class Checker {
 public:
  Checker(const CheckOptions& options, Script& script) : options_(options), script_(script) {}

  /// The whole file: binds the boot names, then checks every statement in order.
  std::vector<Diagnostic> run(std::vector<Statement> statements);
  /// One statement after the file; on error every name it defined is undefined again.
  std::vector<Diagnostic> more(Statement& s);

 private:
  void check_one(Statement& s, std::size_t index);
  // The kernel version (checker.cpp).
  void choose_kernel(const std::vector<Statement>& statements);
  // Diagnostics: one error per statement (checker.cpp).
  void error(Pos p, std::string message);

  // Names and routines (checker_names.cpp).
  void predefine(std::string name, Symbol::Kind kind, Symbol::Boot boot, int process);
  std::string where_defined(const Symbol& s) const;
  int define(const Ident& id, Symbol::Kind kind, int process = kNoSymbol);
  int define_thread(const std::optional<Ident>& given, int process, Pos at);
  int resolve(const Ident& id, Symbol::Kind want);
  void resolve(IdExpr& e);
  int resolve_object(const Ident& id);
  void introduce(RoutineRef& r);

  // The statements (checker_statements.cpp).
  void check(const Statement& s, KernelStmt& b, std::size_t index);
  void check(const Statement& s, ProcessNotifyStmt& b, std::size_t index);
  void check(const Statement& s, ThreadNotifyStmt& b, std::size_t index);
  void check(const Statement& s, ImageNotifyStmt& b, std::size_t index);
  void check(const Statement& s, LoadImageStmt& b, std::size_t index);
  void check(const Statement& s, ObCallbackStmt& b, std::size_t index);
  void check(const Statement& s, CreateProcessStmt& b, std::size_t index);
  void check(const Statement& s, CreateThreadStmt& b, std::size_t index);
  void check(const Statement& s, ObjectOpStmt& b, std::size_t index);
  void check(const Statement& s, LookupStmt& b, std::size_t index);
  void check(const Statement& s, ContextStmt& b, std::size_t index);
  void check(const Statement& s, LetStmt& b, std::size_t index);
  void check(const Statement& s, PokePidStmt& b, std::size_t index);
  void check(const Statement& s, PokeSlotStmt& b, std::size_t index);
  void check(const Statement& s, AuditStmt& b, std::size_t index);
  void check(const Statement& s, ExpectStatusStmt& b, std::size_t index);
  void check(const Statement& s, ExpectFindingsStmt& b, std::size_t index);
  void check(const Statement& s, ExpectBugcheckStmt& b, std::size_t index);
  void check(const Statement& s, SnapshotStmt& b, std::size_t index);
  void check(const Statement& s, ExpectCallsStmt& b, std::size_t index);
  void check(const Statement& s, BreakStmt& b, std::size_t index);
  void check(const Statement& s, DuringStmt& b, std::size_t index);
  void check(const Statement& s, DumpStmt& b, std::size_t index);

  const CheckOptions& options_;
  Script& script_;
  Profile profile_;
  std::map<std::string, int, std::less<>> names_;
  std::map<std::string, int, std::less<>> routines_;
  std::map<std::string, int, std::less<>> automatic_;       // automatic thread name -> line
  std::map<std::string, int, std::less<>> next_automatic_;  // base name -> the N to try first
  std::vector<Diagnostic> errors_;
  bool error_in_statement_ = false;
  bool seen_api_ = false;
  bool seen_audit_ = false;
};

}  // namespace ntemu::cli
