// SPDX-License-Identifier: MIT
// The HTML report: the timeline is written as HTML here (it reads without script), the states
// as JSON in each section's <script type="application/json">, drawn by the page's own script
// (html_assets.cpp) when the slider moves.
#include "ntemu/viz/html_report.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "html_assets.hpp"
#include "json.hpp"
#include "ntemu/viz/describe.hpp"

namespace ntemu::viz {
namespace {

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A class name from an event name: letters, digits and '-' only.
std::string css_name(std::string_view s) {
  std::string out;
  for (char c : s)
    out += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '-';
  return out;
}

std::string hex(std::uint64_t v) {
  return fmt::format("{:#x}", v);
}

std::string address(std::uint64_t a, const State& s) {
  return s.arch == "x64" ? fmt::format("{:016x}", a) : fmt::format("{:08x}", a);
}

std::string state_json(const State& s) {
  json::Writer cid('[');
  for (const CidEntry& e : s.cid_entries) {
    std::string status = "live";
    if (e.type.empty()) {
      status = "no object";
    } else if (e.deleted) {
      status = "dangling";
    } else if (e.carried_id != e.handle) {
      status = fmt::format("stale (it carries {:#x})", e.carried_id);
    }
    cid.raw({}, json::Writer('[')
                    .str({}, fmt::format("{:#06x}", e.handle))
                    .str({}, address(e.object, s))
                    .str({}, e.type)
                    .str({}, e.name)
                    .str({}, status)
                    .done());
  }
  json::Writer arrays('[');
  for (const ArrayState& a : s.arrays) {
    json::Writer slots('[');
    for (const SlotState& slot : a.occupied) {
      json::Writer row('[');
      row.num({}, slot.index).str({}, slot.routine);
      if (a.ex_callback) {
        row.str({}, hex(slot.raw))
            .str({}, address(slot.block, s))
            .num({}, slot.cached)
            .str({}, fmt::format("{:#x} ({} holders{})", slot.rundown, slot.rundown >> 1,
                                 (slot.rundown & 1) != 0 ? ", active" : ""));
      }
      slots.raw({}, row.done());
    }
    arrays.raw({}, json::Writer('{')
                       .str("name", a.name)
                       .str("kind", a.kind)
                       .num("size", a.size)
                       .num("count", a.count)
                       .boolean("ex", a.ex_callback)
                       .raw("slots", slots.done())
                       .done());
  }
  json::Writer lost('[');
  for (const LostBlock& b : s.lost_blocks)
    lost.raw({}, json::Writer('[').str({}, address(b.address, s)).str({}, b.routine).done());
  json::Writer processes('[');
  for (const ProcessState& p : s.processes) {
    std::string threads;
    for (const ThreadState& t : p.threads) {
      if (!threads.empty()) threads += ", ";
      threads += fmt::format("{} {:04x}.{:04x}{}", t.name, t.cid_process, t.tid,
                             t.deleted      ? " (deleted)"
                             : t.terminated ? " (terminated)"
                                            : "");
    }
    processes.raw({}, json::Writer('[')
                          .str({}, p.name)
                          .str({}, hex(p.pid))
                          .str({}, p.deleted ? "deleted: a tombstone" : "live")
                          .str({}, threads)
                          .done());
  }
  return json::Writer('{')
      .raw("cid", cid.done())
      .num("handleCount", s.cid_handle_count)
      .raw("arrays", arrays.done())
      .raw("lost", lost.done())
      .raw("processes", processes.done())
      .boolean("down", s.bugchecked)
      .done();
}

bool on_cpu1(const Event& e) {
  return e.number("cpu") == 1;
}

std::string event_row(const Event& e, std::size_t seq, std::size_t step, bool two_cpus) {
  std::string detail;
  if (const std::string_view stack = e.text("stack"); !stack.empty()) {
    detail +=
        fmt::format("<div class=\"label\">kb</div><pre class=\"stack\">{}</pre>", escape(stack));
  } else if (e.name == "break") {
    detail += fmt::format("<pre class=\"stack\">{}</pre>", escape(e.text("text")));
  } else if (e.find("cpu") != nullptr) {
    detail += "<p class=\"nostack\">raised outside any modeled routine (boot)</p>";
  } else {
    detail += "<p class=\"nostack\">no kernel stack: an event of the scenario runner</p>";
  }
  detail += "<table class=\"fields\">";
  for (const Field& f : e.fields) {
    if (f.key == "stack" || f.key == "frames" || (e.name == "break" && f.key == "text")) continue;
    detail +=
        fmt::format("<tr><th>{}</th><td>{}</td></tr>", escape(f.key), escape(field_text(e, f.key)));
  }
  detail += "</table>";
  // The description of most kinds starts with the kind's name: it is shown once, in bold.
  std::string text = describe(e);
  if (text.rfind(e.name + " ", 0) == 0) {
    text.erase(0, e.name.size() + 1);
  } else if (text.rfind(e.name + ": ", 0) == 0) {
    text.erase(0, e.name.size() + 2);
  }
  const std::string cell = fmt::format(
      "<details><summary><span class=\"name\">{}</span> {}</summary><div "
      "class=\"detail\">{}</div></details>",
      escape(e.name), escape(text), detail);
  const bool cpu1 = on_cpu1(e);
  std::string row = fmt::format(
      "<tr class=\"event ev-{} cpu{}\" data-seq=\"{}\" data-step=\"{}\"><td class=\"seq\">{}</td>",
      css_name(e.name), cpu1 ? 1 : 0, seq, step, seq);
  if (!two_cpus) return row + "<td>" + cell + "</td></tr>\n";
  return row + (cpu1 ? "<td></td><td>" + cell + "</td>" : "<td>" + cell + "</td><td></td>") +
         "</tr>\n";
}

}  // namespace

HtmlReport::Section& HtmlReport::current() {
  if (sections_.empty()) sections_.emplace_back();
  return sections_.back();
}

void HtmlReport::add_event(const Event& e) {
  if (e.name == "begin") {
    sections_.emplace_back();
    sections_.back().title =
        fmt::format("{} — {} {}", e.text("file"), e.text("kernel"), e.text("arch"));
  }
  Section& s = current();
  ++total_events_;
  if (kept_events_ >= limits_.events) {
    ++s.events_not_kept;
    return;
  }
  ++kept_events_;
  if (on_cpu1(e)) s.two_cpus = true;
  s.entries.push_back({e, total_events_, s.steps.size()});
}

void HtmlReport::add_state(std::string label, const State& state) {
  Section& s = current();
  if (kept_states_ >= limits_.states) {
    ++s.states_not_kept;
    return;
  }
  ++kept_states_;
  std::string json = state_json(state);
  if (s.states.empty() || s.states.back() != json) s.states.push_back(std::move(json));
  s.steps.push_back({std::move(label), s.states.size() - 1});
}

std::string HtmlReport::section_html(const Section& s, std::size_t index) const {
  json::Writer steps('[');
  for (const Step& step : s.steps)
    steps.raw({}, json::Writer('{').str("label", step.label).num("state", step.state).done());
  json::Writer states('[');
  for (const std::string& st : s.states)
    states.raw({}, st);
  const std::string data =
      json::Writer('{').raw("steps", steps.done()).raw("states", states.done()).done();

  const std::size_t last = s.steps.empty() ? 0 : s.steps.size() - 1;
  std::string out = fmt::format("<section class=\"run\" id=\"run-{}\">\n<h2>{}</h2>\n", index,
                                escape(s.title.empty() ? "run" : s.title));
  out += fmt::format("<p class=\"summary\">{} events, {} states</p>\n", s.entries.size(),
                     s.steps.size());
  if (s.events_not_kept + s.states_not_kept > 0) {
    out += fmt::format(
        "<p class=\"truncated\">This page keeps the first {} events and {} states of a run: {} "
        "later events and {} later states of this file are not shown (--format jsonl has them "
        "all).</p>\n",
        limits_.events, limits_.states, s.events_not_kept, s.states_not_kept);
  }
  out += "<div class=\"layout\">\n<div class=\"state\">\n";
  out += fmt::format(
      "<label class=\"stepper\">step <input type=\"range\" class=\"slider\" min=\"0\" "
      "max=\"{}\" value=\"{}\" aria-label=\"step\"></label>\n<div class=\"step-label\"></div>\n",
      last, last);
  out +=
      "<h3>PspCidTable</h3>\n<table class=\"cid\"><thead><tr><th>handle</th><th>object</th>"
      "<th>type</th><th>name</th><th>entry</th></tr></thead><tbody></tbody></table>\n";
  out += "<h3>Notify routines</h3>\n<div class=\"slots\"></div>\n";
  out +=
      "<h3>Processes</h3>\n<table class=\"processes\"><thead><tr><th>process</th>"
      "<th>UniqueProcessId</th><th>object</th><th>threads</th></tr></thead><tbody></tbody></"
      "table>\n";
  out += "<noscript>The states need the page's script; the timeline reads without it.</noscript>\n";
  out += "</div>\n<div class=\"timeline-box\">\n<table class=\"timeline\"><thead><tr><th>#</th>";
  out += s.two_cpus ? "<th>CPU 0</th><th>CPU 1</th>" : "<th>CPU 0</th>";
  out += "</tr></thead><tbody>\n";
  for (const Entry& e : s.entries)
    out += event_row(e.event, e.seq, std::min(e.step, last), s.two_cpus);
  out += "</tbody></table>\n</div>\n</div>\n";
  out += fmt::format("<script type=\"application/json\" class=\"run-data\">{}</script>\n", data);
  out += "</section>\n";
  return out;
}

std::string HtmlReport::html(std::string_view title) const {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<link rel=\"icon\" href=\"data:,\">\n";
  out += fmt::format("<title>{} — ntemu</title>\n<style>\n{}</style>\n</head>\n<body>\n",
                     escape(title), assets::kReportCss);
  out += fmt::format(
      "<header><h1>{}</h1><p>ntemu's model of the Windows NT process and thread "
      "creation path: every event of the run, and the machine's state at each "
      "step.</p></header>\n",
      escape(title));
  for (std::size_t i = 0; i < sections_.size(); ++i)
    out += section_html(sections_[i], i);
  out += fmt::format("<script>\n{}</script>\n</body>\n</html>\n", assets::kReportJs);
  return out;
}

}  // namespace ntemu::viz
