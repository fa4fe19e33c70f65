// SPDX-License-Identifier: MIT
/// \file
/// `PictureOutput`: the sink of `ntemu run --format mermaid|dot|html` (docs/scenario-language.md,
/// "Pictures"). It sees every event of the run and, as the runner's StateListener, the machine at
/// each point of it, and writes
///   - mermaid: one sequence diagram per file (viz/sequence.hpp), when the file's run ends;
///   - dot: one state graph (viz/dot.hpp) per `snapshot` statement and one at the end of each
///     file's run;
///   - html: one self-contained page (viz/html_report.hpp) for all the files, at `finish`.
/// Everything it writes is built from model values: the same files give the same bytes.
///
/// \code
///   ntemu::cli::PictureOutput out(ntemu::cli::PictureFormat::Html, stdout, "seed.ntemu");
///   run_script(script, "seed.ntemu", out, out.run_options());
///   out.finish();
/// \endcode
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "ntemu/trace.hpp"
#include "ntemu/viz/html_report.hpp"
#include "runner.hpp"

namespace ntemu::cli {

enum class PictureFormat : std::uint8_t { Mermaid, Dot, Html };

class PictureOutput final : public TraceSink, public StateListener {
 public:
  PictureOutput(PictureFormat format, std::FILE* out, std::string title);
  void emit(const Event& e) override;
  void state(const StatePoint& where, Kernel& kernel) override;
  /// The options a run needs for this format (the state listener, stack stamps).
  RunOptions run_options();
  /// Writes what is still held (the HTML page). Call once, after the last file.
  void finish();

 private:
  std::mutex m_;
  PictureFormat format_;
  std::FILE* out_;
  std::string title_;
  std::string file_;           // protected by m_: the file being run
  std::vector<Event> events_;  // protected by m_: mermaid, the file's events so far
  viz::HtmlReport report_;     // protected by m_
};

}  // namespace ntemu::cli
