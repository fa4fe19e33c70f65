// SPDX-License-Identifier: MIT
// The JSON-lines and text sinks.
#include "ntemu/trace/sink.hpp"

#include <fmt/format.h>

namespace ntemu {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 if it is not one.
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = b(0);
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  }
  return n;
}

// A JSON string: escaped where JSON requires it, and valid UTF-8 whatever the input bytes (an
// ill-formed byte, from a scenario file's text, becomes U+FFFD).
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else if (const std::size_t n = utf8_sequence(s.substr(i)); n == 0) {
          out += "\\ufffd";
        } else {
          out.append(s.substr(i, n));
          i += n;
          continue;
        }
    }
    ++i;
  }
  out += '"';
}

std::string value_text(const Field& f, bool json) {
  struct Visitor {
    bool json;
    std::string operator()(std::uint64_t v) const { return fmt::format("{}", v); }
    std::string operator()(std::int64_t v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const {
      if (!json) return v;
      std::string out;
      append_json_string(out, v);
      return out;
    }
  };
  return std::visit(Visitor{json}, f.value);
}

std::uint64_t number(const Event& e, std::string_view key) {
  return e.number(key);
}

std::string text(const Event& e, std::string_view key) {
  const Field* f = e.find(key);
  return f == nullptr ? std::string{} : value_text(*f, false);
}

}  // namespace

std::string JsonlSink::to_json(const Event& e, std::uint64_t seq) {
  std::string out = fmt::format("{{\"seq\":{},\"event\":", seq);
  append_json_string(out, e.name);
  for (const auto& f : e.fields) {
    out += ',';
    append_json_string(out, f.key);
    out += ':';
    out += value_text(f, true);
  }
  out += '}';
  return out;
}

void JsonlSink::emit(const Event& e) {
  std::lock_guard hold(m_);
  const std::string line = to_json(e, ++seq_);
  std::fprintf(out_, "%s\n", line.c_str());
}

std::string TextSink::to_text(const Event& e) {
  if (e.name == "notify" && text(e, "kind") == "image") {
    return fmt::format(
        "  notify {:<7} {} [slot {}] ({}, ProcessId {:#x}, ImageBase {:#x}{})  on Cid "
        "{:04x}.{:04x}",
        "image", text(e, "symbol"), number(e, "slot"), text(e, "image"), number(e, "pid"),
        number(e, "base"), text(e, "system") == "true" ? ", SystemModeImage" : "",
        number(e, "context_pid"), number(e, "context_tid"));
  }
  if (e.name == "notify") {
    const bool process = text(e, "kind") == "process";
    const std::string args =
        process
            ? fmt::format("ParentId {:#x}, ProcessId {:#x}", number(e, "parent"), number(e, "pid"))
            : fmt::format("ProcessId {:#x}, ThreadId {:#x}", number(e, "pid"), number(e, "tid"));
    return fmt::format("  notify {:<7} {} [slot {}] ({}, Create {})  on Cid {:04x}.{:04x}",
                       text(e, "kind"), text(e, "symbol"), number(e, "slot"), args,
                       text(e, "create") == "true" ? "TRUE" : "FALSE", number(e, "context_pid"),
                       number(e, "context_tid"));
  }
  if (e.name == "cid") {
    return fmt::format("  cid    {:<7} {:#06x} -> {} {}", text(e, "op"), number(e, "handle"),
                       text(e, "type"), text(e, "name"));
  }
  std::string out = e.name;
  for (const auto& f : e.fields)
    out += fmt::format(" {}={}", f.key, value_text(f, false));
  return out;
}

void TextSink::emit(const Event& e) {
  std::lock_guard hold(m_);
  const std::string line = to_text(e);
  std::fprintf(out_, "%s\n", line.c_str());
}

}  // namespace ntemu
