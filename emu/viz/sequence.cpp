// SPDX-License-Identifier: MIT
// The sequence diagram. One pass over the events builds the body and declares the lifelines in
// order of first use; the header with every lifeline is written in front of it. Each CPU keeps
// the chain of kernel routines open on it (activation bars): a kernel event's frames are
// matched against it, the routines it left are deactivated, the ones it entered are called; a
// `call` event closes the chain with a return arrow carrying its status. So every activation is
// closed, and Mermaid never sees an unbalanced diagram.
#include "ntemu/viz/sequence.hpp"

#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "ntemu/viz/describe.hpp"

namespace ntemu::viz {
namespace {

// Text after a message's or note's colon: `#` and `;` are Mermaid's entity and statement marks.
std::string text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '#') {
      out += "#35;";
    } else if (c == ';') {
      out += "#59;";
    } else if (c == '\n') {
      out += "<br/>";
    } else {
      out += c;
    }
  }
  return out;
}

// A lifeline's label: none of the characters that end a participant name.
std::string label(std::string_view s) {
  std::string out;
  for (char c : s)
    out += (c == '-' || c == '>' || c == ':' || c == ',' || c == ';' || c == '#') ? ' ' : c;
  return out;
}

// Long details wrapped onto lines of about `width` characters at blanks.
std::string wrap(std::string_view s, std::size_t width = 72) {
  std::string out;
  std::size_t column = 0;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(' ', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view word = s.substr(start, end - start);
    if (column > 0 && column + 1 + word.size() > width) {
      out += '\n';
      column = 0;
    } else if (column > 0) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    start = end + 1;
  }
  return out;
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(' ', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The system-call gate's frames (ntdll's stub, nt!Ki*, nt!Zw*): part of the arrow into the
// kernel, not lifelines of their own.
bool gate_frame(std::string_view symbol) {
  const std::size_t bang = symbol.find('!');
  const std::string_view module = symbol.substr(0, bang);
  const std::string_view function = bang == std::string_view::npos ? "" : symbol.substr(bang + 1);
  return module == "ntdll" || function.rfind("Ki", 0) == 0 || function.rfind("Zw", 0) == 0;
}

std::string function_of(std::string_view symbol) {
  const std::size_t bang = symbol.find('!');
  return std::string(bang == std::string_view::npos ? symbol : symbol.substr(bang + 1));
}

class Builder {
 public:
  explicit Builder(const SequenceOptions& options) : options_(options) {}

  void add(const Event& e) {
    if (full()) {
      if (e.name != "begin" && e.name != "end" && e.name != "statement") ++not_drawn_;
      return;
    }
    const std::string_view n = e.name;
    if (n == "begin") {
      header_ = fmt::format("%% {}: {} {}", e.text("file"), e.text("kernel"), e.text("arch"));
    } else if (n == "end") {
      close_all();
    } else if (n == "statement") {
      close_all();
      pending_ = fmt::format("line {}: {}", e.number("line"), e.text("source"));
    } else if (n == "call") {
      call(e);
    } else if (n == "race") {
      statement_note();
      race(e);
    } else if (e.find("cpu") != nullptr || n == "cid" || n == "notify") {
      kernel_event(e);
    } else if (n == "context") {
      callers_[0] = std::string(e.text("name"));
      statement_note();
    } else if (n == "let" || n == "dump") {
      // Bookkeeping and views: not part of the kernel's sequence.
    } else if (n == "poke") {
      statement_note(fmt::format(" (was {})", e.find("old") != nullptr
                                                  ? field_text(e, "old")
                                                  : std::string(e.text("old_routine"))));
    } else if (n == "expect") {
      if (e.text("detail").empty() || field_text(e, "ok") == "true") return;
      statement_note();
      note_over_caller(0, "expect FAILED: " + std::string(e.text("detail")));
    } else if (n == "audit") {
      if (e.number("findings") == 0) return;
      if (e.number("line") == 0) pending_ = "end of file: the automatic audit";
      statement_note();
      if (e.find("same_as") != nullptr) {
        note_over_caller(0, fmt::format("audit: {} findings, the same as at line {}",
                                        e.number("findings"), e.number("same_as")));
        repeated_audit_ = true;
        return;
      }
      repeated_audit_ = false;
      note_over_caller(0, fmt::format("audit: {} findings", e.number("findings")));
    } else if (n == "finding") {
      if (repeated_audit_) return;
      statement_note();
      finding(e);
    } else if (n == "break") {
      statement_note();
      break_note(e);
    } else if (n == "bugcheck") {
      statement_note();
      close_all();
      line(fmt::format("Note over {},{}: {}", caller(0), cid(), text(describe(e))));
    } else {
      statement_note();
      note_over_caller(0, describe(e));
    }
  }

  std::string finish() {
    close_all();
    if (not_drawn_ > 0) {
      body_.push_back(fmt::format(
          "Note over {}: {} more events not drawn (the diagram stops at {} lines: see --format "
          "jsonl)",
          caller(0), not_drawn_, options_.max_lines));
    }
    std::string out = "sequenceDiagram\n";
    if (!header_.empty()) out += header_ + "\n";
    for (const auto& [alias, name] : participants_)
      out += fmt::format("participant {} as {}\n", alias, name);
    for (const std::string& l : body_)
      out += l + "\n";
    return out;
  }

 private:
  bool full() const { return body_.size() >= options_.max_lines; }
  void line(std::string l) { body_.push_back(std::move(l)); }

  // The alias of the lifeline named `name`, declared on first use.
  std::string lifeline(const std::string& name, char prefix) {
    const std::string key = label(name);
    if (auto it = aliases_.find(key); it != aliases_.end()) return it->second;
    const std::string alias = fmt::format("{}{}", prefix, participants_.size());
    aliases_.emplace(key, alias);
    participants_.emplace_back(alias, key);
    return alias;
  }
  std::string caller(int cpu) {
    return lifeline(cpu == 0 ? callers_[0] : "CPU 1 " + callers_[1], 'T');
  }
  std::string cid() { return lifeline("PspCidTable", 'C'); }

  void note_over_caller(int cpu, std::string_view s) {
    line(fmt::format("Note over {}: {}", caller(cpu), text(wrap(s))));
  }
  void statement_note(std::string_view extra = {}) {
    if (!pending_) return;
    line(fmt::format("Note over {}: {}{}", caller(0), text(*pending_), text(extra)));
    pending_.reset();
  }

  // Deactivates the routines of `cpu`'s chain beyond its first `keep`.
  void close(int cpu, std::size_t keep) {
    auto& chain = open_[cpu];
    while (chain.size() > keep) {
      line("deactivate " + chain.back());
      chain.pop_back();
    }
  }
  void close_all() {
    close(0, 0);
    close(1, 0);
  }

  // Matches `cpu`'s open chain to `frames` (outermost first): leaves what it no longer runs,
  // calls what it entered. Returns the innermost routine's alias, or "" when none.
  std::string enter(int cpu, const std::vector<std::string>& frames) {
    std::vector<std::string> real;
    std::string gate;
    const std::string self = caller(cpu);  // the caller's lifeline comes first
    for (const std::string& f : frames) {
      if (gate_frame(f) && real.empty()) {
        gate += (gate.empty() ? "via " : " → ") + f;
      } else {
        real.push_back(lifeline(f, 'K'));
      }
    }
    auto& chain = open_[cpu];
    std::size_t common = 0;
    while (common < chain.size() && common < real.size() && chain[common] == real[common])
      ++common;
    close(cpu, common);
    for (std::size_t i = common; i < real.size(); ++i) {
      const std::string from = i == 0 ? self : real[i - 1];
      const std::string& name = participants_name(real[i]);
      std::string message = function_of(name);
      if (i == 0 && !gate.empty()) message += " (" + gate + ")";
      line(fmt::format("{}->>+{}: {}", from, real[i], text(message)));
      chain.push_back(real[i]);
    }
    return chain.empty() ? std::string() : chain.back();
  }
  const std::string& participants_name(const std::string& alias) const {
    for (const auto& [a, name] : participants_) {
      if (a == alias) return name;
    }
    return alias;
  }

  void kernel_event(const Event& e) {
    statement_note();
    const int cpu = e.number("cpu") == 1 ? 1 : 0;
    const std::string inner = enter(cpu, split(e.text("frames")));
    const std::string from = inner.empty() ? caller(cpu) : inner;
    if (e.name == "cid") {
      const bool create = e.text("op") == "create";
      const std::string what =
          fmt::format("{:#x} {} {}", e.number("handle"), e.text("type"), e.text("name"));
      if (inner.empty() && !seen_statement()) {
        line(fmt::format("Note over {}: boot: {}", cid(), text(what)));
      } else {
        line(fmt::format("{}->>{}: {} {}", from, cid(),
                         create ? "ExCreateHandle →" : "ExDestroyHandle", text(what)));
      }
      return;
    }
    if (e.name == "notify") {
      const std::string routine = lifeline(std::string(e.text("symbol")), 'R');
      last_routine_ = routine;
      line(
          fmt::format("{}->>{}: {}", from, routine,
                      text(fmt::format("({}) on Cid {}", notify_arguments(e), notify_context(e)))));
      return;
    }
    if (e.name == "finding") return finding(e);
    line(fmt::format("Note over {}: {}", from, text(wrap(describe(e)))));
  }
  bool seen_statement() const { return !body_.empty() || pending_.has_value(); }

  void call(const Event& e) {
    const int cpu = e.number("cpu") == 1 ? 1 : 0;
    if (cpu == 0) statement_note();
    std::string result(e.text("status"));
    for (const char* key : {"pid", "tid", "id"}) {
      if (e.find(key) != nullptr) result += fmt::format(" {}={}", key, field_text(e, key));
    }
    auto& chain = open_[cpu];
    if (!chain.empty()) {
      close(cpu, 1);
      line(fmt::format("{}-->>-{}: {}", chain.front(), caller(cpu), text(result)));
      chain.clear();
      return;
    }
    const std::string api = lifeline("nt!" + std::string(e.text("api")), 'K');
    std::string args;
    for (const char* key : {"routine", "name", "remove", "veto"}) {
      if (e.find(key) == nullptr) continue;
      if (!args.empty()) args += ", ";
      args += field_text(e, key);
    }
    line(fmt::format("{}->>+{}: {}({})", caller(cpu), api, text(e.text("api")), text(args)));
    line(fmt::format("{}-->>-{}: {}", api, caller(cpu), text(result)));
  }

  void finding(const Event& e) {
    line(fmt::format("Note over {},{}: {}", caller(0), cid(),
                     text(wrap(fmt::format("finding {}: {}", e.text("kind"), e.text("detail"))))));
  }

  void break_note(const Event& e) {
    // The kb lines of the debugger session, under the routine that stopped.
    const std::string_view t = e.text("text");
    const std::size_t kb = t.find("kd> kb\n");
    std::string stack = std::string(kb == std::string_view::npos ? t : t.substr(kb));
    const std::string where =
        last_routine_.empty() ? lifeline(std::string(e.text("symbol")), 'R') : last_routine_;
    line(fmt::format("Note right of {}: {}", where, text("breakpoint\n" + stack)));
  }

  void race(const Event& e) {
    line(fmt::format("Note over {},{}: {}", caller(0), caller(1), text(wrap(e.text("text")))));
  }

  const SequenceOptions& options_;
  std::string header_;
  std::vector<std::pair<std::string, std::string>> participants_;  // alias, label
  std::map<std::string, std::string> aliases_;                     // label -> alias
  std::vector<std::string> body_;
  std::string callers_[2] = {"system_thread", "system_thread"};
  std::vector<std::string> open_[2];
  std::optional<std::string> pending_;  // a statement not yet noted
  std::string last_routine_;
  bool repeated_audit_ = false;
  std::size_t not_drawn_ = 0;
};

}  // namespace

std::string sequence_diagram(std::span<const Event> events, const SequenceOptions& options) {
  Builder b(options);
  for (const Event& e : events)
    b.add(e);
  return b.finish();
}

}  // namespace ntemu::viz
