// SPDX-License-Identifier: MIT
// The ntemu command line. Usage errors are found before anything runs; each file is then read,
// parsed and checked completely before its first statement runs, so a file with an error
// produces error reports and nothing else.
#include "cli.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "ntemu/profile.hpp"
#include "ntemu/trace.hpp"
#include "ntemu/version.hpp"
#include "parser.hpp"
#include "runner.hpp"
#include "text_output.hpp"

namespace ntemu::cli {
namespace {

enum class Format : std::uint8_t { Text, Jsonl, Dot, Mermaid };

/// The largest scenario file read (a million CreateProcess lines are about 20 MiB).
constexpr std::size_t kMaxFileBytes = std::size_t{256} << 20;

struct Options {
  std::vector<std::string> files;
  CheckOptions check;
  Format format = Format::Text;
  std::optional<std::string> output;
  bool help = false;
};

struct UsageError {
  std::string message;
};

std::string supported_kernels() {
  std::string out;
  for (auto v : {KernelVersion::Win2000, KernelVersion::Xp, KernelVersion::Server2003,
                 KernelVersion::Vista}) {
    if (!Profile::make(v, Arch::X86)) continue;
    if (!out.empty()) out += ", ";
    out += to_string(v);
  }
  return out;
}

Options parse_run_args(const std::vector<std::string>& args) {
  Options o;
  bool only_files = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_files || a == "-" || a.empty() || a.front() != '-') {
      o.files.push_back(a);
      continue;
    }
    if (a == "--") {
      only_files = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    // An option with a value: "--kernel xp" or "--kernel=xp"; "-o OUT".
    std::string name = a;
    std::optional<std::string> value;
    if (const std::size_t eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (name != "--kernel" && name != "--arch" && name != "--format" && name != "-o") {
      throw UsageError{fmt::format("unknown option '{}'", a)};
    }
    if (!value) {
      if (i + 1 >= args.size()) throw UsageError{fmt::format("option '{}' needs a value", name)};
      value = args[++i];
    }
    if (name == "--kernel") {
      auto v = parse_kernel_version(*value);
      if (!v) {
        throw UsageError{fmt::format(
            "unknown kernel version '{}' (expected win2000, xp, server2003 or vista)", *value)};
      }
      o.check.kernel = *v;
    } else if (name == "--arch") {
      auto arch = parse_arch(*value);
      if (!arch)
        throw UsageError{fmt::format("unknown architecture '{}' (expected x86 or x64)", *value)};
      o.check.arch = *arch;
    } else if (name == "--format") {
      if (*value == "text") {
        o.format = Format::Text;
      } else if (*value == "jsonl") {
        o.format = Format::Jsonl;
      } else if (*value == "dot") {
        o.format = Format::Dot;
      } else if (*value == "mermaid") {
        o.format = Format::Mermaid;
      } else {
        throw UsageError{
            fmt::format("unknown format '{}' (expected text, jsonl, dot or mermaid)", *value)};
      }
    } else {
      o.output = *value;
    }
  }
  if (o.help) return o;
  if (o.files.empty()) throw UsageError{"no scenario file given"};
  if (o.format == Format::Dot || o.format == Format::Mermaid) {
    throw UsageError{fmt::format("--format {} is not yet supported",
                                 o.format == Format::Dot ? "dot" : "mermaid")};
  }
  if (o.check.kernel && !Profile::make(*o.check.kernel, o.check.arch.value_or(Arch::X86))) {
    throw UsageError{fmt::format("kernel '{}' is not yet supported (supported: {})",
                                 to_string(*o.check.kernel), supported_kernels())};
  }
  return o;
}

// A file name as diagnostics print it: control characters escaped, so a name holding a newline
// cannot break the one-line `FILE:LINE:COLUMN: error:` format.
std::string display_name(std::string_view path) {
  std::string out;
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

// Reads at most kMaxFileBytes (+1, to tell a file that is too large).
bool read_all(std::FILE* f, std::string& out) {
  char buffer[1 << 14];
  std::size_t n = 0;
  while (out.size() <= kMaxFileBytes && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    out.append(buffer, n);
  return std::ferror(f) == 0;
}

// Forwards every event and also reports failed expectations on standard error, so a run whose
// output goes to a file (or a pipe) still says why it exits with 1.
class ExpectReporter final : public TraceSink {
 public:
  ExpectReporter(TraceSink& inner, std::FILE* err, std::string_view file)
      : inner_(inner), err_(err), file_(file) {}
  void emit(const Event& e) override {
    inner_.emit(e);
    if (e.name != "expect") return;
    const Field* ok = e.find("ok");
    const bool* held = ok == nullptr ? nullptr : std::get_if<bool>(&ok->value);
    if (held == nullptr || *held) return;
    const Field* line = e.find("line");
    const Field* detail = e.find("detail");
    const auto* line_number = line == nullptr ? nullptr : std::get_if<std::int64_t>(&line->value);
    const auto* text = detail == nullptr ? nullptr : std::get_if<std::string>(&detail->value);
    std::fprintf(err_, "%s:%lld: expect failed: %s\n", std::string(file_).c_str(),
                 static_cast<long long>(line_number == nullptr ? 0 : *line_number),
                 text == nullptr ? "" : text->c_str());
  }

 private:
  TraceSink& inner_;
  std::FILE* err_;
  std::string_view file_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// True when `output` names the same file as one of the inputs: opening it for writing would
// truncate that input before it is read.
bool overwrites_input(const std::string& output, const std::vector<std::string>& inputs) {
  std::error_code ec;
  for (const std::string& in : inputs) {
    if (in == "-") continue;
    if (std::filesystem::equivalent(output, in, ec) && !ec) return true;
  }
  return false;
}

int run_files(const Options& o, const Streams& io) {
  std::unique_ptr<std::FILE, FileCloser> output_file;
  std::FILE* out = io.out;
  if (o.output && overwrites_input(*o.output, o.files)) {
    std::fprintf(io.err,
                 "ntemu: error: -o '%s' names an input file; it would be truncated "
                 "before it is read\n",
                 display_name(*o.output).c_str());
    return kExitError;
  }
  if (o.output) {
    output_file.reset(std::fopen(o.output->c_str(), "wb"));
    if (!output_file) {
      std::fprintf(io.err, "ntemu: error: cannot write '%s': %s\n", o.output->c_str(),
                   std::strerror(errno));
      return kExitError;
    }
    out = output_file.get();
  }
  // One sink for the whole output, so `seq` runs across files, kernel and runner events.
  std::unique_ptr<TraceSink> sink;
  if (o.format == Format::Jsonl) {
    sink = std::make_unique<JsonlSink>(out);
  } else {
    sink = std::make_unique<TextOutput>(out);
  }
  const bool jsonl = o.format == Format::Jsonl;

  int rc = kExitOk;
  for (const std::string& path : o.files) {
    const std::string label = path == "-" ? "<stdin>" : display_name(path);
    auto report = [&](Pos pos, const std::string& message) {
      if (pos.line > 0) {
        std::fprintf(io.err, "%s:%d:%d: error: %s\n", label.c_str(), pos.line, pos.column,
                     message.c_str());
      } else {
        std::fprintf(io.err, "%s: error: %s\n", label.c_str(), message.c_str());
      }
      if (jsonl) {
        sink->emit(Event{"error", {}}
                       .add("file", label)
                       .add("line", pos.line)
                       .add("column", pos.column)
                       .add("message", message));
      }
    };

    std::string text;
    bool read_ok = false;
    errno = 0;
    if (path == "-") {
      read_ok = read_all(io.in, text);
    } else if (std::unique_ptr<std::FILE, FileCloser> f{std::fopen(path.c_str(), "rb")}) {
      read_ok = read_all(f.get(), text);
    }
    if (!read_ok) {
      report({}, fmt::format("cannot read file: {}", std::strerror(errno != 0 ? errno : EIO)));
      rc = std::max(rc, kExitError);
      continue;
    }
    if (text.size() > kMaxFileBytes) {
      report({},
             fmt::format("file too large: a scenario may be at most {} MiB", kMaxFileBytes >> 20));
      rc = std::max(rc, kExitError);
      continue;
    }

    Compiled compiled = compile_scenario(text, o.check);
    if (!compiled.ok()) {
      for (const Diagnostic& d : compiled.errors)
        report(d.pos, d.message);
      rc = std::max(rc, kExitError);
      continue;
    }
    ExpectReporter reporter(*sink, io.err, label);
    const RunOutcome outcome = run_script(compiled.script, label, reporter);
    rc = std::max(rc, outcome.exit_code());
    if (std::ferror(out) != 0) break;  // the output is broken: reported below
  }
  // Every line written must have reached the output: a write error is an error.
  if (std::fflush(out) != 0 || std::ferror(out) != 0) {
    std::fprintf(io.err, "ntemu: error: cannot write the output%s%s\n", errno != 0 ? ": " : "",
                 errno != 0 ? std::strerror(errno) : "");
    return kExitError;
  }
  return rc;
}

}  // namespace

std::string usage_text() {
  return fmt::format(
      "usage: ntemu run FILE... [--kernel VERSION] [--arch x86|x64] [--format FORMAT] [-o OUT]\n"
      "       ntemu --help | --version\n"
      "\n"
      "Runs scenario files against ntemu's model of the Windows NT process/thread creation\n"
      "and exit paths and prints what the kernel does: client IDs, notify routines,\n"
      "statuses, and what its verifier finds.\n"
      "\n"
      "  FILE              a scenario file (.ntemu); '-' reads standard input. Several files\n"
      "                    run one after another, each on a fresh kernel.\n"
      "  --kernel VERSION  win2000, xp, server2003 or vista; overrides the file's 'kernel'\n"
      "                    statement (default win2000). Supported now: {}.\n"
      "  --arch ARCH       x86 or x64; overrides the file's arch= (default x86).\n"
      "  --format FORMAT   text (default) or jsonl (one JSON object per line); dot and\n"
      "                    mermaid are not yet supported.\n"
      "  -o OUT            write the output to OUT instead of standard output.\n"
      "\n"
      "Exit status: 0 every expect held; 1 an expect failed, or the machine stopped with a\n"
      "bugcheck the file does not expect; 2 usage error, unreadable file, or an error in a\n"
      "file (then nothing of that file runs). Audit findings do not change it.\n"
      "\n"
      "The scenario language is described in docs/scenario-language.md.\n",
      supported_kernels());
}

int run_command_line(const std::vector<std::string>& args, const Streams& io) {
  try {
    if (args.empty()) throw UsageError{"no command given"};
    const std::string& command = args.front();
    if (command == "--help" || command == "-h" || command == "help") {
      std::fputs(usage_text().c_str(), io.out);
      return kExitOk;
    }
    if (command == "--version") {
      std::fprintf(io.out, "ntemu %s\n", NTEMU_VERSION_STRING);
      return kExitOk;
    }
    if (command != "run") throw UsageError{fmt::format("unknown command '{}'", command)};
    const Options o = parse_run_args(args);
    if (o.help) {
      std::fputs(usage_text().c_str(), io.out);
      return kExitOk;
    }
    return run_files(o, io);
  } catch (const std::bad_alloc&) {
    // The host ran out of memory: every line written so far is whole, nothing more is.
    std::fprintf(io.err,
                 "ntemu: error: out of memory (see docs/robustness.md for the input "
                 "limits)\n");
    return kExitError;
  } catch (const UsageError& e) {
    std::fprintf(io.err, "ntemu: error: %s\nTry 'ntemu --help' for more information.\n",
                 e.message.c_str());
    return kExitError;
  }
}

}  // namespace ntemu::cli
