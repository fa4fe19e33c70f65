// SPDX-License-Identifier: MIT
#include "text_output.hpp"

#include <string_view>

#include <fmt/format.h>

namespace ntemu::cli {
namespace {

// Event lines start in this column; a statement's prompt ("  12> ") is as wide.
constexpr std::string_view kIndent = "    ";

std::string field_text(const Field& f) {
  struct Visitor {
    std::string operator()(std::uint64_t v) const { return fmt::format("{:#x}", v); }
    std::string operator()(std::int64_t v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
  };
  return std::visit(Visitor{}, f.value);
}

std::string get(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  return f == nullptr ? std::string{} : field_text(*f);
}

std::uint64_t number(const Event& e, std::string_view key) {
  return e.number(key);
}

// "  name   rest": the layout of TextSink's lines.
std::string line(std::string_view name, std::string_view rest) {
  return fmt::format("{}  {:<6} {}\n", kIndent, name, rest);
}

// Multi-line text (a dump, a debugger session), indented under its event line.
std::string block(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += fmt::format("{}    {}\n", kIndent, std::string_view(text).substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string call_text(const Event& e) {
  std::string rest = fmt::format("{} -> {}", get(e, "api"), get(e, "status"));
  bool first = true;
  for (const Field& f : e.fields) {
    if (f.key == "line" || f.key == "api" || f.key == "status" || f.key == "ntstatus") continue;
    rest += first ? "  " : " ";
    first = false;
    rest += fmt::format("{}={}", f.key, field_text(f));
  }
  return line("call", rest);
}

}  // namespace

std::string TextOutput::to_text(const Event& e) {
  if (e.name == "begin") {
    // win10 with a release named: "win10 1703 x86".
    const std::string release =
        e.find("release") != nullptr ? fmt::format(" {}", number(e, "release")) : std::string();
    return fmt::format("== {}: {}{} {} ==\n", get(e, "file"), get(e, "kernel"), release,
                       get(e, "arch"));
  }
  if (e.name == "end") {
    return fmt::format("== {}: {} expects passed, {} failed ==\n", get(e, "file"),
                       number(e, "expects_passed"), number(e, "expects_failed"));
  }
  if (e.name == "statement") {
    return fmt::format("{:>4}> {}\n", number(e, "line"), get(e, "source"));
  }
  if (e.name == "error") return {};
  if (e.name == "call") return call_text(e);
  if (e.name == "expect") {
    return line("expect", fmt::format("{:<6} {}", get(e, "ok") == "true" ? "ok" : "FAILED",
                                      get(e, "detail")));
  }
  if (e.name == "audit") {
    const std::uint64_t n = number(e, "findings");
    const std::string count =
        n == 0 ? std::string("no findings") : fmt::format("{} finding{}", n, n == 1 ? "" : "s");
    const std::string same =
        e.find("same_as") != nullptr
            ? fmt::format(", the same as at line {} (not repeated)", number(e, "same_as"))
            : std::string();
    if (get(e, "automatic") == "true") {
      // The automatic audit has no statement of its own: it gets a prompt here.
      return fmt::format("{:>4}> audit (automatic)\n", "end") + line("audit", count + same);
    }
    return line("audit", count + same);
  }
  if (e.name == "finding") {
    // The step that caused it, unless the sentence already names it.
    const std::string detail = get(e, "detail");
    const std::string step = get(e, "step");
    const bool named = step.empty() || detail.find(step) != std::string::npos;
    return line("finding", fmt::format("{}  {}{}", get(e, "kind"), detail,
                                       named ? std::string() : " [" + step + "]"));
  }
  if (e.name == "bugcheck") {
    return line("bugcheck", fmt::format("{:#x} {} ({}): the machine is down", number(e, "code"),
                                        get(e, "name"), get(e, "parameters")));
  }
  if (e.name == "skip") return line("skip", get(e, "reason"));
  if (e.name == "race") return line("race", get(e, "text"));
  if (e.name == "obcallback") return line("obcallback", get(e, "text"));
  if (e.name == "note") return line("note", get(e, "message"));
  if (e.name == "let") return line("let", fmt::format("{} = {}", get(e, "name"), get(e, "value")));
  if (e.name == "context") {
    return line("context", fmt::format("{} in {}, Cid {:04x}.{:04x}", get(e, "name"),
                                       get(e, "process"), number(e, "pid"), number(e, "tid")));
  }
  if (e.name == "poke") {
    const std::string old = e.find("old") != nullptr ? get(e, "old") : get(e, "old_routine");
    return line("poke", fmt::format("{}: {} -> {}", get(e, "target"), old, get(e, "value")));
  }
  if (e.name == "snapshot") {
    const std::string label = e.find("label") != nullptr ? get(e, "label") + ": " : std::string();
    return line("snapshot",
                fmt::format("{}{} PspCidTable entries ({} dangling), {} processes, {} "
                            "threads, {} notify slots in use",
                            label, number(e, "cid_entries"), number(e, "dangling"),
                            number(e, "processes"), number(e, "threads"), number(e, "slots")));
  }
  if (e.name == "dump") {
    std::string what = get(e, "what");
    if (e.find("name") != nullptr) what += " " + get(e, "name");
    return line("dump", what) + block(get(e, "text"));
  }
  if (e.name == "break") {
    return line("break", fmt::format("{} on Cid {:04x}.{:04x}", get(e, "symbol"),
                                     number(e, "context_pid"), number(e, "context_tid"))) +
           block(get(e, "text"));
  }
  // The kernel's events (notify, cid, ...), as TextSink writes them; a replay's notifies with
  // the stack they were called from (`kb`).
  const std::string kernel_line = fmt::format("{}{}\n", kIndent, TextSink::to_text(e));
  return e.find("kb") != nullptr ? kernel_line + block(get(e, "kb")) : kernel_line;
}

void TextOutput::emit(const Event& e) {
  std::lock_guard hold(m_);
  // The findings of an audit that repeats an earlier one are not printed again.
  if (e.name == "audit") {
    repeated_audit_ = e.find("same_as") != nullptr;
  } else if (e.name != "finding") {
    repeated_audit_ = false;
  } else if (repeated_audit_) {
    return;
  }
  const std::string text = to_text(e);
  if (text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), out_);
}

}  // namespace ntemu::cli
