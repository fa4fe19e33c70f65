// SPDX-License-Identifier: MIT
/// \file
/// Reading a scenario file: `parse_scenario` turns the text into statements (syntax only),
/// `check_scenario` resolves names and applies the rules that need the whole file or the kernel
/// profile, and `compile_scenario` does both. A file runs only if both report no error.
///
/// \code
///   ntemu::cli::Compiled c = ntemu::cli::compile_scenario("NtCreateProcess notepad\n", {});
///   if (!c.ok()) print(c.errors.front());   // {line, column}, message
///   run(c.script);
/// \endcode
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "scenario.hpp"

namespace ntemu::cli {

/// Distinct recording routines one file may name (the size of the trampoline pool).
inline constexpr std::size_t kMaxRoutines = 128;

struct Parsed {
  std::vector<Statement> statements;
  /// At most one per line; the statement of a line with an error is left out.
  std::vector<Diagnostic> errors;
};

/// Syntax: the statement table, arities, options, names, numbers, ID expressions, statuses.
Parsed parse_scenario(std::string_view text);

/// What the command line imposes on every file (overriding its `kernel` statement).
struct CheckOptions {
  std::optional<KernelVersion> kernel;
  std::optional<Arch> arch;
};

/// Semantics: names bound in order, kinds, redefinitions, the routine pool, the effective
/// kernel version and what it supports. Fills `script` (also on error, best effort) and
/// returns the errors, in line order.
std::vector<Diagnostic> check_scenario(std::vector<Statement> statements,
                                       const CheckOptions& options, Script& script);

struct Compiled {
  Script script;
  std::vector<Diagnostic> errors;  ///< syntax errors, or else the semantic ones
  bool ok() const { return errors.empty(); }
};

/// parse_scenario, then (only if the syntax is clean) check_scenario.
Compiled compile_scenario(std::string_view text, const CheckOptions& options);

}  // namespace ntemu::cli
