// SPDX-License-Identifier: MIT
/// \file
/// Concurrent scenarios for `ntemu explore` (docs/concurrency.md): an ordinary scenario whose
/// middle part is prefixed `cpu N:` — each such statement runs on emulated CPU N, all CPUs at
/// once on one kernel. The statements before the first `cpu` line are the setup (run once, in
/// order, before the CPUs start); the ones after the last are the checks (run on the finished
/// machine of every schedule).
///
/// The `cpu N:` prefix is blanked out and the whole text goes through the ordinary parser and
/// checker, so every name, line and column means what it means to `ntemu run`; the statements
/// are then sorted into the three parts and the ones explore cannot run are errors.
///
/// \code
///   ntemu::cli::Concurrent c = ntemu::cli::compile_concurrent(
///       "PsSetCreateProcessNotifyRoutine edr\n"
///       "cpu 0: CreateProcess a\n"
///       "cpu 1: PsSetCreateProcessNotifyRoutine edr remove\n", {});
///   // c.cpus == 2, c.cpu[0] == {1}, c.cpu[1] == {2}, c.setup == {0}
/// \endcode
#pragma once

#include <string_view>
#include <vector>

#include "parser.hpp"

namespace ntemu::cli {

struct Concurrent {
  Script script;
  int cpus = 0;
  std::vector<std::size_t> setup;             ///< statement indices, in order
  std::vector<std::vector<std::size_t>> cpu;  ///< per CPU, its statements in order
  std::vector<std::size_t> checks;
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

/// Parses, checks and sorts a concurrent scenario.
Concurrent compile_concurrent(std::string_view text, const CheckOptions& options);

}  // namespace ntemu::cli
