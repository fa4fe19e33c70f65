// SPDX-License-Identifier: MIT
#include "ntemu/viz/describe.hpp"

#include <fmt/format.h>

namespace ntemu::viz {
namespace {

std::string value_text(const Field& f) {
  struct Visitor {
    std::string operator()(std::uint64_t v) const { return fmt::format("{:#x}", v); }
    std::string operator()(std::int64_t v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
  };
  return std::visit(Visitor{}, f.value);
}

bool listed(std::string_view list, std::string_view key) {
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(' ', start);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(start, end - start) == key) return true;
    start = end + 1;
  }
  return false;
}

std::string truth(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  const bool* b = f == nullptr ? nullptr : std::get_if<bool>(&f->value);
  return b != nullptr && *b ? "TRUE" : "FALSE";
}

}  // namespace

std::string field_text(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  return f == nullptr ? std::string() : value_text(*f);
}

std::string field_list(const Event& e, std::string_view skip) {
  std::string out;
  for (const Field& f : e.fields) {
    if (f.key == "cpu" || f.key == "frames" || f.key == "stack" || listed(skip, f.key)) continue;
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", f.key, value_text(f));
  }
  return out;
}

std::string notify_arguments(const Event& e) {
  const std::string_view kind = e.text("kind");
  if (kind == "process") {
    return fmt::format("ParentId {:#x}, ProcessId {:#x}, Create {}", e.number("parent"),
                       e.number("pid"), truth(e, "create"));
  }
  if (kind == "thread") {
    return fmt::format("ProcessId {:#x}, ThreadId {:#x}, Create {}", e.number("pid"),
                       e.number("tid"), truth(e, "create"));
  }
  if (kind == "image" && e.find("image") != nullptr) {
    return fmt::format("{}, ProcessId {:#x}, ImageBase {:#x}, ImageSize {:#x}{}", e.text("image"),
                       e.number("pid"), e.number("base"), e.number("size"),
                       truth(e, "system") == "TRUE" ? ", SystemModeImage" : "");
  }
  return field_list(e, "kind routine symbol slot context_pid context_tid");
}

std::string notify_context(const Event& e) {
  return fmt::format("{:04x}.{:04x}", e.number("context_pid"), e.number("context_tid"));
}

std::string call_results(const Event& e) {
  return field_list(e, "line api status ntstatus");
}

std::string describe(const Event& e) {
  const std::string_view n = e.name;
  if (n == "notify") {
    return fmt::format("notify {} {} ({}) on Cid {}", e.text("kind"), e.text("symbol"),
                       notify_arguments(e), notify_context(e));
  }
  if (n == "cid") {
    return fmt::format("cid {} {:#06x} -> {} {}", e.text("op"), e.number("handle"), e.text("type"),
                       e.text("name"));
  }
  if (n == "call") {
    const std::string results = call_results(e);
    return fmt::format("{} -> {}{}{}", e.text("api"), e.text("status"), results.empty() ? "" : "  ",
                       results);
  }
  if (n == "statement") return fmt::format("{}> {}", e.number("line"), e.text("source"));
  if (n == "finding") return fmt::format("finding {}: {}", e.text("kind"), e.text("detail"));
  if (n == "expect") {
    return fmt::format("expect {}: {}", truth(e, "ok") == "TRUE" ? "ok" : "FAILED",
                       e.text("detail"));
  }
  if (n == "audit") return fmt::format("audit: {} findings", e.number("findings"));
  if (n == "context") {
    return fmt::format("context {} in {}, Cid {:04x}.{:04x}", e.text("name"), e.text("process"),
                       e.number("pid"), e.number("tid"));
  }
  if (n == "let") return fmt::format("let {} = {:#x}", e.text("name"), e.number("value"));
  if (n == "poke") {
    const std::string old =
        e.find("old") != nullptr ? field_text(e, "old") : std::string(e.text("old_routine"));
    return fmt::format("poke {}: {} -> {}", e.text("target"), old, field_text(e, "value"));
  }
  if (n == "bugcheck") {
    return fmt::format("BugCheck {:#x} {} ({})", e.number("code"), e.text("name"),
                       e.text("parameters"));
  }
  if (n == "race") return std::string(e.text("text"));
  if (n == "break") {
    return fmt::format("break {} on Cid {:04x}.{:04x}", e.text("symbol"), e.number("context_pid"),
                       e.number("context_tid"));
  }
  if (n == "skip") return fmt::format("skip: {}", e.text("reason"));
  if (n == "note") return fmt::format("note: {}", e.text("message"));
  if (n == "dump") return fmt::format("dump {}", e.text("what"));
  if (n == "begin")
    return fmt::format("begin {} ({} {})", e.text("file"), e.text("kernel"), e.text("arch"));
  if (n == "end") {
    return fmt::format("end {}: {} expects passed, {} failed", e.text("file"),
                       e.number("expects_passed"), e.number("expects_failed"));
  }
  const std::string fields = field_list(e);
  return fields.empty() ? e.name : e.name + " " + fields;
}

}  // namespace ntemu::viz
