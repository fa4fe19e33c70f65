// SPDX-License-Identifier: MIT
/// \file
/// `ntemu explore` (docs/concurrency.md): explores every schedule of a concurrent scenario
/// within a preemption bound and prints its distinct outcomes, each with a schedule that
/// `--replay` turns back into the ordinary trace.
///
/// \code
///   int rc = ntemu::cli::run_explore({"explore", "race.ntemu", "--preemption-bound", "2"},
///                                    {stdin, stdout, stderr});
/// \endcode
#pragma once

#include <string>
#include <vector>

#include "cli.hpp"

namespace ntemu::cli {

/// Runs `ntemu explore` with `args` (args[0] is "explore"); returns the exit status.
int run_explore(const std::vector<std::string>& args, const Streams& io);

/// True when `ntemu run` was given `--schedule S` (a concurrent scenario's replay).
bool wants_schedule(const std::vector<std::string>& args);
/// `ntemu run --schedule S FILE [--kernel V] [--arch A] [--format text|jsonl] [-o OUT]`: the
/// same as `ntemu explore FILE --replay S …`, the schedule replayed into the ordinary trace.
int run_schedule(const std::vector<std::string>& args, const Streams& io);

/// The usage lines `ntemu --help` shows for it.
std::string explore_usage_text();

}  // namespace ntemu::cli
