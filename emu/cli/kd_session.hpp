// SPDX-License-Identifier: MIT
/// \file
/// `ntemu kd FILE`: a kernel-debugger session over the model (docs/kd.md). The scenario is
/// read and checked as `ntemu run` does; the session then stops before its first statement at a
/// `kd>` prompt and reads commands — from a terminal with line editing and history, otherwise
/// line by line from standard input (echoed after the prompt, so a transcript reads as a
/// session). Everything the run reports is printed as `ntemu run --format text` prints it.
///
/// \code
///   if (ntemu::cli::compile_scenario(text, {}).ok())
///     rc = ntemu::cli::kd::run_session(text, {}, "seed.ntemu", {stdin, stdout, stderr});
/// \endcode
#pragma once

#include <string>
#include <string_view>

#include "cli.hpp"
#include "parser.hpp"
#include "scenario.hpp"

namespace ntemu::cli::kd {

/// Debugs the scenario `text` (which compile_scenario accepts with `options`) until `q` or the
/// end of `io.in`; each run (the first, each `.restart`) checks it afresh, so names typed at the
/// prompt last only until the next. `label` names the file in the output. Returns the exit
/// status of the part of the file that ran (0, or 1 if an expect failed); an output write error
/// gives 2.
int run_session(std::string_view text, const CheckOptions& options, const std::string& label,
                const Streams& io);

}  // namespace ntemu::cli::kd
