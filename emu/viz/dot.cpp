// SPDX-License-Identifier: MIT
// The state graph in Graphviz's language, with HTML-like labels (tables with one port per
// PspCidTable entry and per slot), so an edge starts at the row it belongs to.
#include "ntemu/viz/dot.hpp"

#include <cctype>

#include <fmt/format.h>

namespace ntemu::viz {
namespace {

// Text inside an HTML-like label.
std::string html(std::string_view s) {
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

// A double-quoted DOT string.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

std::string address(std::uint64_t a, const State& s) {
  return s.arch == "x64" ? fmt::format("{:016x}", a) : fmt::format("{:08x}", a);
}

std::string node_id(std::uint64_t address) {
  return fmt::format("o{:x}", address);
}

std::string block_id(std::uint64_t address) {
  return fmt::format("b{:x}", address);
}

constexpr std::string_view kDangling = "#c0392b";
constexpr std::string_view kStale = "#d35400";
constexpr std::string_view kTombstone = "#7f8c8d";

void cid_table(std::string& out, const State& s) {
  out += fmt::format(
      "  cid [shape=plaintext, label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" "
      "cellpadding=\"3\"><tr><td colspan=\"2\" bgcolor=\"#dfe6ee\"><b>PspCidTable</b> "
      "(HandleCount {})</td></tr>",
      s.cid_handle_count);
  if (s.cid_entries.empty()) out += "<tr><td colspan=\"2\">(empty)</td></tr>";
  for (const CidEntry& e : s.cid_entries) {
    std::string what = e.type.empty() ? "(no object)" : html(e.type + " " + e.name);
    std::string color;
    if (e.deleted) {
      what += " <i>dangling</i>";
      color = fmt::format(" bgcolor=\"#f6d5d1\"");
    } else if (!e.type.empty() && e.carried_id != e.handle) {
      what += " <i>stale</i>";
      color = fmt::format(" bgcolor=\"#fae5d3\"");
    }
    out += fmt::format("<tr><td{}>{:#06x}</td><td port=\"h{:x}\" align=\"left\"{}>{}</td></tr>",
                       color, e.handle, e.handle, color, what);
  }
  out += "</table>>];\n";
  for (const CidEntry& e : s.cid_entries) {
    if (e.type.empty()) continue;
    if (e.deleted) {
      out += fmt::format(
          "  cid:h{:x}:e -> {} [color=\"{}\", style=dashed, fontcolor=\"{}\", "
          "label=\"dangling\"];\n",
          e.handle, node_id(e.object), kDangling, kDangling);
    } else if (e.carried_id != e.handle) {
      out += fmt::format(
          "  cid:h{:x}:e -> {} [color=\"{}\", fontcolor=\"{}\", label=\"stale: it carries "
          "{:#x}\"];\n",
          e.handle, node_id(e.object), kStale, kStale, e.carried_id);
    } else {
      out += fmt::format("  cid:h{:x}:e -> {};\n", e.handle, node_id(e.object));
    }
  }
}

void objects(std::string& out, const State& s) {
  for (const ProcessState& p : s.processes) {
    std::string label =
        fmt::format("<b>process {}</b><br/>{}", html(p.name), address(p.address, s));
    label += fmt::format("<br/>UniqueProcessId {:#x}<br/>InheritedFrom {:#x}", p.pid, p.parent);
    label += fmt::format("<br/>ActiveThreads {}  Pointer/Handle {}/{}", p.active_threads,
                         p.pointer_count, p.handle_count);
    std::string style = "shape=box, style=\"rounded,filled\", fillcolor=\"#eaf2e3\"";
    if (p.deleted) {
      label += "<br/><i>deleted: a tombstone</i>";
      style = fmt::format("shape=box, style=\"rounded,dashed\", color=\"{}\", fontcolor=\"{}\"",
                          kTombstone, kTombstone);
    }
    out += fmt::format("  {} [{}, label=<{}>];\n", node_id(p.address), style, label);
    for (const ThreadState& t : p.threads) {
      std::string tl = fmt::format("<b>thread {}</b><br/>{}<br/>Cid {:04x}.{:04x}", html(t.name),
                                   address(t.address, s), t.cid_process, t.tid);
      if (t.system) tl += "<br/>system thread";
      std::string ts = "shape=box, style=filled, fillcolor=\"#fdf6e3\"";
      if (t.deleted) {
        tl += "<br/><i>deleted: a tombstone</i>";
        ts = fmt::format("shape=box, style=dashed, color=\"{}\", fontcolor=\"{}\"", kTombstone,
                         kTombstone);
      } else if (t.terminated) {
        tl += "<br/><i>terminated</i>";
      }
      out += fmt::format("  {} [{}, label=<{}>];\n", node_id(t.address), ts, tl);
      out += fmt::format("  {} -> {} [arrowhead=none, color=\"#95a5a6\"];\n", node_id(p.address),
                         node_id(t.address));
    }
  }
}

// A routine node per distinct symbol, shared by the arrays that name it.
std::string routine_id(std::string_view symbol) {
  std::string out = "r_";
  for (char c : symbol)
    out += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
  return out;
}

void arrays(std::string& out, const State& s) {
  std::vector<std::string> routines;
  auto routine = [&](const std::string& symbol) {
    const std::string id = routine_id(symbol);
    for (const std::string& r : routines) {
      if (r == symbol) return id;
    }
    routines.push_back(symbol);
    out += fmt::format("  {} [shape=ellipse, style=filled, fillcolor=\"#e8e0f0\", label={}];\n", id,
                       quoted(symbol));
    return id;
  };
  for (const ArrayState& a : s.arrays) {
    const std::string id = "a_" + a.kind;
    out += fmt::format(
        "  {} [shape=plaintext, label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" "
        "cellpadding=\"3\"><tr><td bgcolor=\"#dfe6ee\"><b>{}</b><br/>{} slots, {}, Count "
        "{}</td></tr>",
        id, html(a.name), a.size, a.ex_callback ? "EX_CALLBACK" : "plain", a.count);
    if (a.occupied.empty()) out += "<tr><td>(every slot empty)</td></tr>";
    for (const SlotState& slot : a.occupied) {
      out += fmt::format("<tr><td port=\"s{}\" align=\"left\">[{}] {}", slot.index, slot.index,
                         html(slot.routine));
      if (a.ex_callback) {
        out += fmt::format("<br/>raw {:#x}: cached {}", slot.raw, slot.cached);
      }
      out += "</td></tr>";
    }
    out += "</table>>];\n";
    for (const SlotState& slot : a.occupied) {
      const std::string r = routine(slot.routine);
      if (!a.ex_callback) {
        out += fmt::format("  {}:s{}:e -> {};\n", id, slot.index, r);
        continue;
      }
      const std::string b = block_id(slot.block);
      out += fmt::format(
          "  {} [shape=box, label=<<b>EX_CALLBACK_ROUTINE_BLOCK</b><br/>{}<br/>RundownProtect "
          "{:#x} ({} holders{})>];\n",
          b, address(slot.block, s), slot.rundown, slot.rundown >> 1,
          (slot.rundown & 1) != 0 ? ", rundown active" : "");
      out += fmt::format("  {}:s{}:e -> {};\n  {} -> {} [label=\"Function\"];\n", id, slot.index, b,
                         b, r);
    }
  }
  for (const LostBlock& b : s.lost_blocks) {
    const std::string id = block_id(b.address);
    out += fmt::format(
        "  {} [shape=box, style=dashed, color=\"{}\", fontcolor=\"{}\", "
        "label=<<b>EX_CALLBACK_ROUTINE_BLOCK</b><br/>{}<br/>RundownProtect {:#x}<br/><i>lost: no "
        "slot names it, never freed</i>>];\n",
        id, kDangling, kDangling, address(b.address, s), b.rundown);
    out += fmt::format("  {} -> {} [label=\"Function\"];\n", id, routine(b.routine));
  }
}

}  // namespace

std::string state_to_dot(const State& state, std::string_view title) {
  std::string out = fmt::format("digraph {} {{\n", quoted(title));
  out += fmt::format(
      "  graph [rankdir=LR, fontname=\"DejaVu Sans\", fontsize=12, labelloc=t, label={}];\n",
      quoted(fmt::format("{} ({} {}){}", title, state.kernel, state.arch,
                         state.bugchecked ? ": the machine is down" : "")));
  out += "  node [fontname=\"DejaVu Sans\", fontsize=10];\n";
  out += "  edge [fontname=\"DejaVu Sans\", fontsize=9];\n";
  cid_table(out, state);
  objects(out, state);
  arrays(out, state);
  out += "}\n";
  return out;
}

}  // namespace ntemu::viz
