// SPDX-License-Identifier: MIT
/// \file
/// `ntemu compare FILE [--kernel V1,V2,...] [--arch ARCH] [--format text|markdown] [-o OUT]`:
/// runs one scenario on several kernel versions (default: every version with a profile on the
/// arch) and prints viz::compare_runs' side-by-side table; Markdown adds a Mermaid sequence
/// diagram per version. Exit status: 0 no row differs, 1 some do, 2 a usage error, an unreadable
/// file or an error in the file (on any version: then nothing runs).
///
/// \code
///   int rc = ntemu::cli::run_compare({"compare", "zero-pid.ntemu", "--kernel", "win2000,xp"},
///                                    {stdin, stdout, stderr});
/// \endcode
#pragma once

#include <string>
#include <vector>

#include "cli.hpp"

namespace ntemu::cli {

/// `args[0]` is "compare". Usage errors are reported on `io.err` as the other commands do.
int run_compare(const std::vector<std::string>& args, const Streams& io);

}  // namespace ntemu::cli
