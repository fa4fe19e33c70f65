// SPDX-License-Identifier: MIT
// ntemu: runs scenario files against the modeled kernel (docs/scenario-language.md).
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i)
    args.emplace_back(argv[i]);
  return ntemu::cli::run_command_line(args, {stdin, stdout, stderr});
}
