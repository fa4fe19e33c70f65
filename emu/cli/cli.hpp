// SPDX-License-Identifier: MIT
/// \file
/// The `ntemu` command (scenario-format.md): argument parsing, reading files, reporting errors,
/// choosing the output format, running each file on a fresh kernel. `main` is a thin wrapper,
/// so tests drive the whole command in process.
///
/// \code
///   int rc = ntemu::cli::run_command_line({"run", "seed.ntemu", "--format", "jsonl"},
///                                         {stdin, stdout, stderr});
/// \endcode
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace ntemu::cli {

/// Exit statuses of the command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitExpectFailed = 1;
inline constexpr int kExitError = 2;

struct Streams {
  std::FILE* in;   ///< read for the file name "-"
  std::FILE* out;  ///< output, unless -o names a file
  std::FILE* err;  ///< diagnostics
};

/// Runs the command with `args` (without the program name) and returns its exit status.
int run_command_line(const std::vector<std::string>& args, const Streams& io);

/// The text `--help` prints.
std::string usage_text();

}  // namespace ntemu::cli
