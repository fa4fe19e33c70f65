// SPDX-License-Identifier: MIT
// `ntemu compare`: the argument parsing, one compile and one run per version (each checked
// before any runs, so an error in the file on one version runs nothing), then the table.
#include "compare_command.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "ntemu/viz/compare.hpp"
#include "ntemu/viz/sequence.hpp"
#include "parser.hpp"
#include "runner.hpp"
#include "versions.hpp"

namespace ntemu::cli {
namespace {

constexpr std::size_t kMaxFileBytes = std::size_t{256} << 20;

struct CompareOptions {
  std::string file;
  std::vector<KernelVersion> kernels;
  std::optional<Arch> arch;
  bool markdown = false;
  std::optional<std::string> output;
};

struct Usage {
  std::string message;
};

std::vector<KernelVersion> parse_kernels(const std::string& list, Arch arch) {
  std::vector<KernelVersion> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string word = list.substr(start, end - start);
    const auto v = parse_kernel_version(word);
    if (!v) {
      throw Usage{
          fmt::format("unknown kernel version '{}' (expected {})", word, kernel_version_list())};
    }
    if (!Profile::make(*v, arch)) {
      throw Usage{fmt::format("kernel '{}' is not yet supported (supported: {})", word,
                              join_kernel_versions(supported_kernel_versions(arch), " and "))};
    }
    out.push_back(*v);
    start = end + 1;
  }
  return out;
}

CompareOptions parse(const std::vector<std::string>& args) {
  CompareOptions o;
  std::optional<std::string> kernels;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-" || a.empty() || a.front() != '-') {
      if (!o.file.empty()) throw Usage{"compare takes one scenario file"};
      o.file = a;
      continue;
    }
    std::string name = a;
    std::optional<std::string> value;
    if (const std::size_t eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (name != "--kernel" && name != "--arch" && name != "--format" && name != "-o") {
      throw Usage{fmt::format("unknown option '{}'", a)};
    }
    if (!value) {
      if (i + 1 >= args.size()) throw Usage{fmt::format("option '{}' needs a value", name)};
      value = args[++i];
    }
    if (name == "--kernel") {
      kernels = *value;
    } else if (name == "--arch") {
      o.arch = parse_arch(*value);
      if (!o.arch)
        throw Usage{fmt::format("unknown architecture '{}' (expected x86 or x64)", *value)};
    } else if (name == "--format") {
      if (*value != "text" && *value != "markdown") {
        throw Usage{fmt::format("unknown compare format '{}' (expected text or markdown)", *value)};
      }
      o.markdown = *value == "markdown";
    } else {
      o.output = *value;
    }
  }
  if (o.file.empty()) throw Usage{"no scenario file given"};
  const Arch arch = o.arch.value_or(Arch::X86);
  o.kernels = kernels ? parse_kernels(*kernels, arch) : supported_kernel_versions(arch);
  return o;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

bool read_file(const std::string& path, std::FILE* in, std::string& out) {
  std::unique_ptr<std::FILE, FileCloser> owned;
  std::FILE* f = in;
  if (path != "-") {
    owned.reset(std::fopen(path.c_str(), "rb"));
    if (!owned) return false;
    f = owned.get();
  }
  char buffer[1 << 14];
  std::size_t n = 0;
  while (out.size() <= kMaxFileBytes && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    out.append(buffer, n);
  return std::ferror(f) == 0 && out.size() <= kMaxFileBytes;
}

int compare(const CompareOptions& o, const Streams& io) {
  const std::string label = o.file == "-" ? "<stdin>" : o.file;
  std::error_code ec;
  if (o.output && o.file != "-" && std::filesystem::equivalent(*o.output, o.file, ec) && !ec) {
    std::fprintf(io.err, "ntemu: error: -o '%s' names the input file; it would be truncated\n",
                 o.output->c_str());
    return kExitError;
  }
  std::string text;
  errno = 0;
  if (!read_file(o.file, io.in, text)) {
    std::fprintf(io.err, "%s: error: cannot read file: %s\n", label.c_str(),
                 errno != 0 ? std::strerror(errno) : "too large or unreadable");
    return kExitError;
  }
  std::vector<Compiled> compiled;
  for (KernelVersion v : o.kernels) {
    compiled.push_back(compile_scenario(text, CheckOptions{v, o.arch}));
    if (compiled.back().ok()) continue;
    for (const Diagnostic& d : compiled.back().errors) {
      std::fprintf(io.err, "%s:%d:%d: error: %s (kernel %s)\n", label.c_str(), d.pos.line,
                   d.pos.column, d.message.c_str(), std::string(to_string(v)).c_str());
    }
    return kExitError;
  }
  std::vector<viz::ComparedRun> runs;
  for (std::size_t i = 0; i < o.kernels.size(); ++i) {
    RecordingSink record;
    RunOptions options;
    options.stacks = o.markdown;  // the sequence diagrams' call chains
    (void)run_script(compiled[i].script, label, record, options);
    runs.push_back({std::string(to_string(o.kernels[i])), record.events()});
  }
  const viz::Comparison c = viz::compare_runs(runs);
  std::string out;
  if (o.markdown) {
    out = viz::comparison_markdown(c, label);
    for (const viz::ComparedRun& r : runs) {
      out += fmt::format(
          "\n<details><summary>{}: sequence diagram</summary>\n\n```mermaid\n{}```\n"
          "\n</details>\n",
          r.version, viz::sequence_diagram(r.events));
    }
  } else {
    out = viz::comparison_text(c, label);
  }
  std::unique_ptr<std::FILE, FileCloser> owned;
  std::FILE* f = io.out;
  if (o.output) {
    owned.reset(std::fopen(o.output->c_str(), "wb"));
    if (!owned) {
      std::fprintf(io.err, "ntemu: error: cannot write '%s': %s\n", o.output->c_str(),
                   std::strerror(errno));
      return kExitError;
    }
    f = owned.get();
  }
  if (std::fwrite(out.data(), 1, out.size(), f) != out.size() || std::fflush(f) != 0) {
    std::fprintf(io.err, "ntemu: error: cannot write the output\n");
    return kExitError;
  }
  return c.differing() == 0 ? kExitOk : kExitExpectFailed;
}

}  // namespace

int run_compare(const std::vector<std::string>& args, const Streams& io) {
  try {
    return compare(parse(args), io);
  } catch (const Usage& e) {
    std::fprintf(io.err, "ntemu: error: %s\nTry 'ntemu --help' for more information.\n",
                 e.message.c_str());
    return kExitError;
  }
}

}  // namespace ntemu::cli
