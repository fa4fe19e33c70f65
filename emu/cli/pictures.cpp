// SPDX-License-Identifier: MIT
// The picture formats of `ntemu run`: which picture is drawn at which point of a run, and the
// labels the states get. The drawing itself is emu/viz's.
#include "pictures.hpp"

#include <fmt/format.h>

#include "ntemu/viz/dot.hpp"
#include "ntemu/viz/sequence.hpp"
#include "ntemu/viz/state.hpp"

namespace ntemu::cli {
namespace {

std::string state_label(const StatePoint& where) {
  switch (where.kind) {
    case StatePoint::Kind::Boot:
      return "after boot";
    case StatePoint::Kind::Statement:
      return fmt::format("after line {}: {}", where.line, where.source);
    case StatePoint::Kind::Snapshot:
      return where.label.empty() ? fmt::format("snapshot at line {}", where.line)
                                 : fmt::format("snapshot {} at line {}", where.label, where.line);
    case StatePoint::Kind::End:
      break;
  }
  return "end of run (after the automatic audit)";
}

}  // namespace

PictureOutput::PictureOutput(PictureFormat format, std::FILE* out, std::string title)
    : format_(format), out_(out), title_(std::move(title)) {}

RunOptions PictureOutput::run_options() {
  RunOptions o;
  o.states = this;
  o.stacks = format_ != PictureFormat::Dot;
  return o;
}

void PictureOutput::emit(const Event& e) {
  std::lock_guard hold(m_);
  if (e.name == "begin") file_ = std::string(e.text("file"));
  switch (format_) {
    case PictureFormat::Mermaid:
      if (e.name == "begin") events_.clear();
      events_.push_back(e);
      if (e.name == "end") {
        std::fputs(viz::sequence_diagram(events_).c_str(), out_);
        events_.clear();
      }
      break;
    case PictureFormat::Html:
      report_.add_event(e);
      break;
    case PictureFormat::Dot:
      break;
  }
}

void PictureOutput::state(const StatePoint& where, Kernel& kernel) {
  std::lock_guard hold(m_);
  if (format_ == PictureFormat::Html) {
    report_.add_state(state_label(where), viz::capture_state(kernel));
    return;
  }
  if (format_ != PictureFormat::Dot) return;
  if (where.kind != StatePoint::Kind::Snapshot && where.kind != StatePoint::Kind::End) return;
  const std::string title = fmt::format("{}: {}", file_, state_label(where));
  std::fputs(viz::state_to_dot(viz::capture_state(kernel), title).c_str(), out_);
}

void PictureOutput::finish() {
  std::lock_guard hold(m_);
  // No file ran (each had an error): no page, as the other formats write nothing.
  if (format_ == PictureFormat::Html && report_.events() > 0)
    std::fputs(report_.html(title_).c_str(), out_);
}

}  // namespace ntemu::cli
