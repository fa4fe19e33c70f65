/// \file
/// Running a checked scenario: one fresh `Kernel` per file, every statement executed in order,
/// every observable step reported as an `Event` to one sink (the kernel's own `notify` and `cid`
/// events and the runner's `begin`, `statement`, `call`, `expect`, `dump`, `context`, `let`,
/// `poke`, `skip`, `note`, `end`; docs/scenario-language.md lists their fields).
///
/// \code
///   ntemu::cli::Compiled c = ntemu::cli::compile_scenario(text, {});
///   ntemu::JsonlSink sink(stdout);
///   ntemu::cli::RunOutcome r = ntemu::cli::run_script(c.script, "file.ntemu", sink);
///   return r.exit_code();   // 0, or 1 if an expect failed
/// \endcode
#pragma once

#include <cstdint>
#include <string_view>

#include "ntemu/trace.hpp"
#include "scenario.hpp"

namespace ntemu::cli {

struct RunOutcome {
  std::uint64_t expects_passed = 0;
  std::uint64_t expects_failed = 0;
  int exit_code() const { return expects_failed == 0 ? 0 : 1; }
};

/// Runs `script` (checked without error; its version and arch must have a profile) on a new
/// kernel. `file` names the file in the `begin` and `end` events. Single-threaded: the notify
/// routines report to the calling host thread.
RunOutcome run_script(const Script& script, std::string_view file, TraceSink& sink);

}  // namespace ntemu::cli
