// SPDX-License-Identifier: MIT
/// \file
/// `ntemu kd FILE`: a kernel-debugger session over the model (docs/kd.md). The scenario is
/// read and checked as `ntemu run` does; the session then stops before its first statement at a
/// `kd>` prompt and reads commands — from a terminal with line editing and history, otherwise
/// line by line from standard input (echoed after the prompt, so a transcript reads as a
/// session). Everything the run reports is printed as `ntemu run --format text` prints it.
///
/// \code
///   ntemu::cli::Script script;
///   ntemu::cli::ScenarioChecker checker({}, script);
///   if (checker.check_file(parse_scenario(text).statements).empty())
///     rc = ntemu::cli::kd::run_session(script, checker, "seed.ntemu", {stdin, stdout, stderr});
/// \endcode
#pragma once

#include <string>

#include "cli.hpp"
#include "parser.hpp"
#include "scenario.hpp"

namespace ntemu::cli::kd {

/// Debugs `script` (checked by `checker`, which then checks the statements typed at the
/// prompt) until `q` or the end of `io.in`. `label` names the file in the output. Returns the
/// exit status of the part of the file that ran (0, or 1 if an expect failed); output write
/// errors give 2.
int run_session(Script& script, ScenarioChecker& checker, const std::string& label,
                const Streams& io);

}  // namespace ntemu::cli::kd
