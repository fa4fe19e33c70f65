// SPDX-License-Identifier: MIT
// `ntemu explore` (explore_command.hpp): options, the search and its report, and replays.
#include "explore_command.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "explore_machine.hpp"
#include "explore_output.hpp"
#include "ntemu/trace.hpp"

namespace ntemu::cli {
namespace {

struct ExploreOptions {
  std::string file;
  CheckOptions check;
  bool jsonl = false;
  std::optional<std::string> output;
  explore::Options search;
  std::optional<explore::Schedule> replay;
  std::string replay_text;
  bool help = false;
};

struct Usage {
  std::string message;
};

std::uint64_t number(const std::string& name, const std::string& v, std::uint64_t max) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || r.ec != std::errc{} || r.ptr != v.data() + v.size() || n > max) {
    throw Usage{fmt::format("option '{}' needs a number from 0 to {}, not '{}'", name, max, v)};
  }
  return n;
}

ExploreOptions parse_args(const std::vector<std::string>& args) {
  ExploreOptions o;
  bool have_file = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-" || a.empty() || a.front() != '-') {
      if (have_file) throw Usage{"ntemu explore takes one scenario file"};
      o.file = a;
      have_file = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a == "--no-reduction") {
      o.search.reduction = false;
      continue;
    }
    std::string name = a;
    std::optional<std::string> value;
    if (const std::size_t eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (name != "--kernel" && name != "--arch" && name != "--format" && name != "-o" &&
        name != "--preemption-bound" && name != "--max-interleavings" && name != "--replay") {
      throw Usage{fmt::format("unknown option '{}'", a)};
    }
    if (!value) {
      if (i + 1 >= args.size()) throw Usage{fmt::format("option '{}' needs a value", name)};
      value = args[++i];
    }
    if (name == "--kernel") {
      o.check.kernel = parse_kernel_version(*value);
      if (!o.check.kernel || !Profile::make(*o.check.kernel, Arch::X86)) {
        throw Usage{fmt::format("unknown or unsupported kernel version '{}'", *value)};
      }
    } else if (name == "--arch") {
      o.check.arch = parse_arch(*value);
      if (!o.check.arch) throw Usage{fmt::format("unknown architecture '{}'", *value)};
    } else if (name == "--format") {
      if (*value != "text" && *value != "jsonl") {
        throw Usage{fmt::format("unknown format '{}' (expected text or jsonl)", *value)};
      }
      o.jsonl = *value == "jsonl";
    } else if (name == "-o") {
      o.output = *value;
    } else if (name == "--preemption-bound") {
      o.search.preemption_bound =
          *value == "none" ? -1 : static_cast<int>(number(name, *value, 1000));
    } else if (name == "--max-interleavings") {
      o.search.max_interleavings = number(name, *value, std::uint64_t{1} << 40);
      if (o.search.max_interleavings == 0) throw Usage{"--max-interleavings must be at least 1"};
    } else {
      std::string error;
      o.replay = explore::Schedule::parse(*value, &error);
      if (!o.replay) throw Usage{fmt::format("--replay '{}': {}", *value, error)};
      o.replay_text = *value;
    }
  }
  if (!o.help && !have_file) throw Usage{"no scenario file given"};
  return o;
}

bool read_file(const std::string& path, std::FILE* in, std::string& out) {
  std::FILE* f = path == "-" ? in : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char buffer[1 << 14];
  std::size_t n = 0;
  while (out.size() <= (std::size_t{64} << 20) && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    out.append(buffer, n);
  const bool ok = std::ferror(f) == 0 && out.size() <= (std::size_t{64} << 20);
  if (f != in) std::fclose(f);
  return ok;
}

// A run whose CPUs all waited for one another (the scheduler unwound them).
constexpr const char* kDeadlock = "deadlock: every CPU waited for another";

struct Found {
  ExploreOutcome outcome;
  std::uint64_t schedules = 0;
  explore::RunResult shortest;
};

bool shorter(const explore::RunResult& a, const explore::RunResult& b) {
  if (a.preemptions != b.preemptions) return a.preemptions < b.preemptions;
  return a.schedule.choices.size() < b.schedule.choices.size();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines)
    out += (out.empty() ? "" : "\n") + l;
  return out;
}

int explore_file(const ExploreOptions& o, const Concurrent& program, const std::string& label,
                 TraceSink& sink) {
  sink.emit(Event{"explore", {}}
                .add("file", label)
                .add("kernel", std::string(to_string(program.script.version)))
                .add("arch", std::string(to_string(program.script.arch)))
                .add("cpus", program.cpus)
                .add("preemption_bound", o.search.preemption_bound < 0
                                             ? std::string("none")
                                             : fmt::format("{}", o.search.preemption_bound))
                .add("reduction", o.search.reduction)
                .add("max_interleavings", o.search.max_interleavings));
  std::vector<Found> found;
  std::map<std::string, std::size_t> index;
  explore::Explorer explorer(o.search);
  const explore::Summary summary =
      explorer.explore([&] { return std::make_unique<ExploreMachine>(program, nullptr); },
                       [&](explore::Execution& e, const explore::RunResult& r) {
                         ExploreOutcome outcome = static_cast<ExploreMachine&>(e).finish();
                         if (r.deadlock) outcome.failed.emplace_back(kDeadlock);
                         auto [it, fresh] = index.try_emplace(outcome.key(), found.size());
                         if (fresh) found.push_back({outcome, 0, r});
                         Found& f = found[it->second];
                         ++f.schedules;
                         if (shorter(r, f.shortest)) f.shortest = r;
                       });
  std::uint64_t with_findings = 0;
  std::uint64_t failing = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const Found& f = found[i];
    const auto id = static_cast<std::uint64_t>(i + 1);
    if (!f.outcome.findings.empty()) ++with_findings;
    if (!f.outcome.failed.empty()) ++failing;
    Event e{"outcome", {}};
    e.add("id", id)
        .add("schedules", f.schedules)
        .add("schedule", f.shortest.schedule.to_string())
        .add("preemptions", f.shortest.preemptions)
        .add("statuses", joined(f.outcome.statuses));
    if (f.outcome.bugcheck) e.add("bugcheck", *f.outcome.bugcheck);
    e.add("findings", std::uint64_t{f.outcome.findings.size()})
        .add("failed", std::uint64_t{f.outcome.failed.size()})
        .add("calls", f.outcome.calls)
        .add("state", f.outcome.state);
    sink.emit(e);
    for (const Kernel::Finding& finding : f.outcome.findings) {
      sink.emit(Event{"outcome_finding", {}}
                    .add("outcome", id)
                    .add("kind", std::string(verify::to_string(finding.kind)))
                    .add("detail", finding.detail)
                    .add("step", finding.step));
    }
    for (const std::string& failed : f.outcome.failed)
      sink.emit(Event{"outcome_failed", {}}.add("outcome", id).add("detail", failed));
  }
  std::string proved = summary.limit ? fmt::format(
                                           "NOT exhaustive: stopped at "
                                           "--max-interleavings {}",
                                           o.search.max_interleavings)
                       : summary.bounded ? fmt::format("exhaustive up to preemption bound {}",
                                                       o.search.preemption_bound)
                                         : std::string("exhaustive: every interleaving");
  proved += fmt::format(": {} schedule{}", summary.schedules, summary.schedules == 1 ? "" : "s");
  if (summary.redundant != 0) {
    proved += fmt::format(" (and {} run{} that found nothing new)", summary.redundant,
                          summary.redundant == 1 ? "" : "s");
  }
  proved += fmt::format(", {} outcome{}, {} with findings, {} failing expectations", found.size(),
                        found.size() == 1 ? "" : "s", with_findings, failing);
  if (summary.deadlocks != 0) proved += fmt::format(", {} deadlocked", summary.deadlocks);
  sink.emit(Event{"summary", {}}
                .add("file", label)
                .add("schedules", summary.schedules)
                .add("pruned", summary.redundant)
                .add("outcomes", std::uint64_t{found.size()})
                .add("with_findings", with_findings)
                .add("failing", failing)
                .add("deadlocks", summary.deadlocks)
                .add("exhaustive", !summary.limit)
                .add("bounded", summary.bounded)
                .add("text", proved));
  return failing == 0 ? kExitOk : kExitExpectFailed;
}

int replay_file(const ExploreOptions& o, const Concurrent& program, const std::string& label,
                TraceSink& sink, std::FILE* err) {
  HeldEvents held;
  held.emit(Event{"replay", {}}
                .add("file", label)
                .add("kernel", std::string(to_string(program.script.version)))
                .add("arch", std::string(to_string(program.script.arch)))
                .add("schedule", o.replay_text));
  ExploreMachine machine(program, &held);
  explore::Explorer explorer(o.search);
  std::uint64_t step = 0;
  const explore::RunResult r = explorer.run(machine, *o.replay, [&](const explore::Switch& s) {
    held.emit(Event{"switch", {}}
                  .add("step", ++step)
                  .add("cpu", s.cpu)
                  .add("what", std::string(s.what))
                  .add("arg", s.arg));
  });
  if (r.misfit) {
    std::fprintf(err, "%s: error: --replay %s does not fit this scenario: %s\n", label.c_str(),
                 o.replay_text.c_str(), r.misfit->c_str());
    return kExitError;
  }
  ExploreOutcome outcome = machine.finish();
  if (r.deadlock) outcome.failed.emplace_back(kDeadlock);
  held.emit(Event{"replayed", {}}
                .add("file", label)
                .add("schedule", r.schedule.to_string())
                .add("decisions", std::uint64_t{r.decisions})
                .add("preemptions", r.preemptions)
                .add("findings", std::uint64_t{outcome.findings.size()})
                .add("expects_failed", std::uint64_t{outcome.failed.size()}));
  held.forward(sink);
  return outcome.failed.empty() ? kExitOk : kExitExpectFailed;
}

}  // namespace

std::string explore_usage_text() {
  return "       ntemu explore FILE [--preemption-bound N|none] [--max-interleavings N]\n"
         "                     [--no-reduction] [--replay SCHEDULE] [--kernel VERSION]\n"
         "                     [--arch x86|x64] [--format text|jsonl] [-o OUT]\n";
}

int run_explore(const std::vector<std::string>& args, const Streams& io) {
  ExploreOptions o;
  try {
    o = parse_args(args);
  } catch (const Usage& u) {
    std::fprintf(io.err, "ntemu: error: %s\nTry 'ntemu --help' for more information.\n",
                 u.message.c_str());
    return kExitError;
  }
  if (o.help) {
    std::fputs(usage_text().c_str(), io.out);
    return kExitOk;
  }
  const std::string label = o.file == "-" ? "<stdin>" : o.file;
  std::string text;
  errno = 0;
  if (!read_file(o.file, io.in, text)) {
    std::fprintf(io.err, "%s: error: cannot read file: %s\n", label.c_str(),
                 std::strerror(errno != 0 ? errno : EIO));
    return kExitError;
  }
  const Concurrent program = compile_concurrent(text, o.check);
  if (!program.ok()) {
    for (const Diagnostic& d : program.errors) {
      std::fprintf(io.err, "%s:%d:%d: error: %s\n", label.c_str(), d.pos.line, d.pos.column,
                   d.message.c_str());
    }
    return kExitError;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  std::FILE* out = io.out;
  if (std::error_code ec;
      o.output && o.file != "-" && std::filesystem::equivalent(*o.output, o.file, ec) && !ec) {
    std::fprintf(io.err, "ntemu: error: -o '%s' names the input file; it would be truncated\n",
                 o.output->c_str());
    return kExitError;
  }
  if (o.output) {
    file.reset(std::fopen(o.output->c_str(), "wb"));
    if (!file) {
      std::fprintf(io.err, "ntemu: error: cannot write '%s': %s\n", o.output->c_str(),
                   std::strerror(errno));
      return kExitError;
    }
    out = file.get();
  }
  std::unique_ptr<TraceSink> sink;
  if (o.jsonl) {
    sink = std::make_unique<JsonlSink>(out);
  } else {
    sink = std::make_unique<ExploreTextOutput>(out);
  }
  const int rc = o.replay ? replay_file(o, program, label, *sink, io.err)
                          : explore_file(o, program, label, *sink);
  if (std::fflush(out) != 0 || std::ferror(out) != 0) {
    std::fprintf(io.err, "ntemu: error: cannot write the output\n");
    return kExitError;
  }
  return rc;
}

}  // namespace ntemu::cli
