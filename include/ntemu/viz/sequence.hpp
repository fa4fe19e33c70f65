// SPDX-License-Identifier: MIT
/// \file
/// `sequence_diagram`: one run drawn as a Mermaid sequence diagram — lifelines for the thread
/// making the calls (the first system thread until a `context` statement changes it; a race's
/// second CPU gets one of its own), the kernel routines on the way (`nt!NtCreateThread` →
/// `nt!PspCreateThread`), PspCidTable, and each notify routine called. Each API call is an
/// arrow to its entry point and a return arrow with its status; the kernel events inside it hang
/// off the routine they were raised in: ExCreateHandle / ExDestroyHandle arrows to PspCidTable,
/// notify arrows to the routine with its arguments and the thread it runs on. Statements,
/// pokes, context switches, findings, failed expectations, breakpoints, races and bugchecks
/// are notes. An event kind the diagram does not know becomes a note with its fields.
///
/// The call chains come from the `frames` field `viz::StackStampSink` adds to kernel events;
/// without it every kernel event hangs off the call's entry point.
///
/// \code
///   ntemu::RecordingSink record;
///   ntemu::viz::StackStampSink stamp(record, ntemu::Arch::X86);
///   // ... run a scenario with `stamp` as the kernel's sink ...
///   std::string mermaid = ntemu::viz::sequence_diagram(record.events());
/// \endcode
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "ntemu/trace/event.hpp"

namespace ntemu::viz {

struct SequenceOptions {
  /// Lines of the diagram at most (GitHub's renderer gives up on very large diagrams); the
  /// events beyond are counted in a last note, not drawn.
  std::size_t max_lines = 1200;
};

/// A `sequenceDiagram` of the events of one run (one file), ending in a newline.
std::string sequence_diagram(std::span<const Event> events, const SequenceOptions& options = {});

}  // namespace ntemu::viz
