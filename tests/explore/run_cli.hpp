// SPDX-License-Identifier: MIT
// What the explorer's command tests share: one `ntemu` command line run in process, its exit
// status and the bytes it wrote to standard output and standard error.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cli.hpp"

namespace ntemu::cli::test {

struct Ran {
  int rc = 0;
  std::string out;
  std::string err;
};

/// Reads `f` from the start, then closes it.
inline std::string slurp(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    s.append(buffer, n);
  std::fclose(f);
  return s;
}

/// Runs `ntemu ARGS...` with standard output and error in temporary files.
inline Ran run_ntemu(const std::vector<std::string>& args) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  REQUIRE(out != nullptr);
  REQUIRE(err != nullptr);
  Ran r;
  r.rc = run_command_line(args, {stdin, out, err});
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace ntemu::cli::test
