// SPDX-License-Identifier: MIT
// The ntemu command line: `run` and `kd`. Usage errors are found before anything runs; each file
// is then read, parsed and checked completely before its first statement runs, so a file with an
// error produces error reports and nothing else.
#include "cli.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "compare_command.hpp"
#include "explore_command.hpp"
#include "kd_session.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/trace.hpp"
#include "ntemu/version.hpp"
#include "parser.hpp"
#include "pictures.hpp"
#include "runner.hpp"
#include "text_output.hpp"

namespace ntemu::cli {
namespace {

enum class Format : std::uint8_t { Text, Jsonl, Dot, Mermaid, Html };

/// The largest scenario file read (a million CreateProcess lines are about 20 MiB).
constexpr std::size_t kMaxFileBytes = std::size_t{256} << 20;

struct Options {
  std::vector<std::string> files;
  CheckOptions check;
  Format format = Format::Text;
  std::optional<std::string> output;
  bool help = false;
  bool kd = false;       // `ntemu kd`: one file, no --format or -o
  bool reclaim = false;  // --reclaim: release deleted objects no PspCidTable entry names
};

struct UsageError {
  std::string message;
};

Options parse_args(const std::vector<std::string>& args) {
  Options o;
  o.kd = args.front() == "kd";
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
    if (a == "--reclaim" && !o.kd) {
      o.reclaim = true;
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
    if (o.kd && (name == "--format" || name == "-o")) {
      throw UsageError{
          fmt::format("option '{}' is for 'run': 'kd' writes its session to "
                      "standard output",
                      name)};
    }
    if (!value) {
      if (i + 1 >= args.size()) throw UsageError{fmt::format("option '{}' needs a value", name)};
      value = args[++i];
    }
    if (name == "--kernel") {
      auto v = parse_kernel_version(*value);
      if (!v) {
        throw UsageError{
            fmt::format("unknown kernel version '{}' (expected {})", *value, known_kernels())};
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
      } else if (*value == "html") {
        o.format = Format::Html;
      } else {
        throw UsageError{fmt::format(
            "unknown format '{}' (expected text, jsonl, mermaid, dot or html)", *value)};
      }
    } else {
      o.output = *value;
    }
  }
  if (o.help) return o;
  if (o.files.empty()) throw UsageError{"no scenario file given"};
  if (o.kd && o.files.size() > 1) throw UsageError{"'kd' debugs one scenario file at a time"};
  if (o.kd && o.files.front() == "-") {
    throw UsageError{"'kd' reads its commands from standard input: the scenario must be a file"};
  }
  if (o.check.kernel && !Profile::make(*o.check.kernel, o.check.arch.value_or(Arch::X86))) {
    throw UsageError{fmt::format("kernel '{}' is not yet supported (supported: {})",
                                 to_string(*o.check.kernel), supported_kernels())};
  }
  return o;
}

// A file name as diagnostics print it: control characters escaped, so a name holding a newline
// cannot break the one-line `FILE:LINE:COLUMN: error:` format. A backslash is escaped too (so
// the escapes stay unambiguous) except on Windows, where it is the path separator and a file
// name cannot hold a control character.
std::string display_name(std::string_view path) {
#if defined(_WIN32)
  constexpr bool kEscapeBackslash = false;
#else
  constexpr bool kEscapeBackslash = true;
#endif
  std::string out;
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\' && kEscapeBackslash) {
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

using Report = std::function<void(Pos, const std::string&)>;

// The text of the scenario at `path` ('-': standard input), or nullopt after reporting why not.
std::optional<std::string> read_scenario(const std::string& path, const Streams& io,
                                         const Report& report) {
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
    return std::nullopt;
  }
  if (text.size() > kMaxFileBytes) {
    report({},
           fmt::format("file too large: a scenario may be at most {} MiB", kMaxFileBytes >> 20));
    return std::nullopt;
  }
  return text;
}

void print_error(std::FILE* err, const std::string& label, Pos pos, const std::string& message) {
  if (pos.line > 0) {
    std::fprintf(err, "%s:%d:%d: error: %s\n", label.c_str(), pos.line, pos.column,
                 message.c_str());
  } else {
    std::fprintf(err, "%s: error: %s\n", label.c_str(), message.c_str());
  }
}

// `ntemu kd FILE`: the file is read and checked as by `run`, then debugged.
int run_kd(const Options& o, const Streams& io) {
  const std::string& path = o.files.front();
  const std::string label = display_name(path);
  auto report = [&](Pos pos, const std::string& message) {
    print_error(io.err, label, pos, message);
  };
  const std::optional<std::string> text = read_scenario(path, io, report);
  if (!text) return kExitError;
  const Compiled compiled = compile_scenario(*text, o.check);
  if (!compiled.ok()) {
    for (const Diagnostic& d : compiled.errors)
      report(d.pos, d.message);
    return kExitError;
  }
  return kd::run_session(*text, o.check, label, io);
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
  PictureOutput* picture = nullptr;
  if (o.format == Format::Jsonl) {
    sink = std::make_unique<JsonlSink>(out);
  } else if (o.format == Format::Text) {
    sink = std::make_unique<TextOutput>(out);
  } else {
    const PictureFormat f = o.format == Format::Mermaid ? PictureFormat::Mermaid
                            : o.format == Format::Dot   ? PictureFormat::Dot
                                                        : PictureFormat::Html;
    std::string title;
    for (const std::string& path : o.files)
      title += (title.empty() ? "" : ", ") + (path == "-" ? "<stdin>" : display_name(path));
    auto p = std::make_unique<PictureOutput>(f, out, title);
    picture = p.get();
    sink = std::move(p);
  }
  const bool jsonl = o.format == Format::Jsonl;

  int rc = kExitOk;
  for (const std::string& path : o.files) {
    const std::string label = path == "-" ? "<stdin>" : display_name(path);
    auto report = [&](Pos pos, const std::string& message) {
      print_error(io.err, label, pos, message);
      if (jsonl) {
        sink->emit(Event{"error", {}}
                       .add("file", label)
                       .add("line", pos.line)
                       .add("column", pos.column)
                       .add("message", message));
      }
    };

    const std::optional<std::string> text = read_scenario(path, io, report);
    if (!text) {
      rc = std::max(rc, kExitError);
      continue;
    }

    Compiled compiled = compile_scenario(*text, o.check);
    if (!compiled.ok()) {
      for (const Diagnostic& d : compiled.errors)
        report(d.pos, d.message);
      rc = std::max(rc, kExitError);
      continue;
    }
    ExpectReporter reporter(*sink, io.err, label);
    RunOptions options = picture != nullptr ? picture->run_options() : RunOptions{};
    options.reclaim = o.reclaim;
    const RunOutcome outcome = run_script(compiled.script, label, reporter, options);
    rc = std::max(rc, outcome.exit_code());
    if (std::ferror(out) != 0) break;  // the output is broken: reported below
  }
  if (picture != nullptr) picture->finish();
  // Every line written must have reached the output: a write error is an error.
  if (std::fflush(out) != 0 || std::ferror(out) != 0) {
    std::fprintf(io.err, "ntemu: error: cannot write the output%s%s\n", errno != 0 ? ": " : "",
                 errno != 0 ? std::strerror(errno) : "");
    return kExitError;
  }
  return rc;
}

}  // namespace

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
    if (command == "compare") return run_compare(args, io);
    if (command == "explore") return run_explore(args, io);
    if (command == "run" && wants_schedule(args)) return run_schedule(args, io);
    if (command != "run" && command != "kd") {
      throw UsageError{fmt::format("unknown command '{}'", command)};
    }
    const Options o = parse_args(args);
    if (o.help) {
      std::fputs(usage_text().c_str(), io.out);
      return kExitOk;
    }
    return o.kd ? run_kd(o, io) : run_files(o, io);
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
