// SPDX-License-Identifier: MIT
/// \file
/// `HtmlReport`: a run as one self-contained HTML page — no network, no external script or
/// style. Each file run gets a section with
///   - a timeline with one entry per event, in output order, in a column per CPU (a `during`
///     race's second CPU gets its own); each entry expands to the event's fields and its `kb`
///     stack (the `stack` field viz::StackStampSink adds, or a breakpoint's debugger session);
///   - a slider over the states recorded with `add_state` (after boot, after each statement,
///     at the end), showing PspCidTable and the notify arrays' slots at that point; the
///     timeline entries of the chosen step are highlighted, and clicking an entry moves the
///     slider to it.
/// The page is built from model values only: the same run gives the same bytes.
///
/// \code
///   ntemu::viz::HtmlReport report;
///   report.add_event(e);                                        // every event, in order
///   report.add_state("after line 8", ntemu::viz::capture_state(kernel));
///   std::string page = report.html("zero-pid.ntemu");
/// \endcode
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ntemu/trace/event.hpp"
#include "ntemu/viz/state.hpp"

namespace ntemu::viz {

class HtmlReport {
 public:
  /// What one page holds at most; beyond, events and states are counted, not kept, and the page
  /// says so (a browser would not open a page of a million-statement run anyway).
  struct Limits {
    std::size_t events = 20000;
    std::size_t states = 4000;
  };
  HtmlReport() : HtmlReport(Limits{}) {}
  explicit HtmlReport(Limits limits) : limits_(limits) {}

  /// The next event, in output order. A `begin` event starts a new file's section (events
  /// before any `begin` open an untitled one).
  void add_event(const Event& e);
  /// The state after the events added so far: the next position of the section's slider.
  void add_state(std::string label, const State& state);
  /// The page, titled `title`.
  std::string html(std::string_view title) const;

  std::size_t events() const { return total_events_; }

 private:
  struct Entry {
    Event event;
    std::size_t seq;   // 1-based, over the whole page (the jsonl output's seq)
    std::size_t step;  // the slider position this event leads to
  };
  struct Step {
    std::string label;
    std::size_t state;  // index into Section::states (equal consecutive states are shared)
  };
  struct Section {
    std::string title;
    std::vector<Entry> entries;
    std::vector<std::string> states;  // JSON, one per distinct consecutive state
    std::vector<Step> steps;
    bool two_cpus = false;
    std::size_t events_not_kept = 0;
    std::size_t states_not_kept = 0;
  };
  Section& current();
  std::string section_html(const Section& s, std::size_t index) const;

  Limits limits_;
  std::vector<Section> sections_;
  std::size_t total_events_ = 0;
  std::size_t kept_events_ = 0;
  std::size_t kept_states_ = 0;
};

}  // namespace ntemu::viz
