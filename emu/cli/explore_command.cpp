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
#include "explore_merge.hpp"
#include "explore_options.hpp"
#include "explore_output.hpp"
#include "explore_progress.hpp"
#include "explore_report.hpp"
#include "ntemu/trace.hpp"

namespace ntemu::cli {
namespace {

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

int explore_file(const ExploreOptions& o, const Concurrent& program, const std::string& label,
                 TraceSink& sink, std::FILE* err) {
  Event header{"explore", {}};
  header.add("file", label)
      .add("kernel", std::string(to_string(program.script.version)))
      .add("arch", std::string(to_string(program.script.arch)))
      .add("cpus", program.cpus);
  if (o.pct) {
    header.add("pct", true)
        .add("seed", o.pct_options.seed)
        .add("depth", o.pct_options.depth)
        .add("samples", o.pct_options.schedules);
  } else {
    header
        .add("preemption_bound", o.search.preemption_bound < 0
                                     ? std::string("none")
                                     : fmt::format("{}", o.search.preemption_bound))
        .add("reduction", o.search.reduction)
        .add("max_interleavings", o.search.max_interleavings);
    if (o.search.shard_count > 1) {
      header.add("shard", fmt::format("{}/{}", o.search.shard_index, o.search.shard_count));
    }
  }
  sink.emit(header);
  OutcomeTable table;
  explore::Explorer explorer(o.search);
  ExploreProgress display(err);
  const auto make = [&] { return std::make_unique<ExploreMachine>(program, nullptr); };
  const auto visit = [&](explore::Execution& e, const explore::RunResult& r) {
    ExploreOutcome outcome = static_cast<ExploreMachine&>(e).finish();
    if (r.deadlock) outcome.failed.emplace_back(kDeadlock);
    table.add(std::move(outcome), r.schedule.to_string(), r.schedule.choices.size(), r.preemptions,
              r.subtree);
  };
  explore::Explorer::OnProgress progress;
  if (display.active()) progress = [&](const explore::Progress& p) { display.update(p); };
  const explore::Summary summary = o.pct
                                       ? explorer.explore_pct(o.pct_options, make, visit, progress)
                                       : explorer.explore(make, visit, progress);
  return emit_report(sink, label, table, summary, {o.search, o.pct, o.pct_options, 0});
}

int replay_file(const ExploreOptions& o, const Concurrent& program, const std::string& label,
                TraceSink& sink, std::FILE* err) {
  HeldEvents held;
  held.emit(Event{"replay", {}}
                .add("file", label)
                .add("kernel", std::string(to_string(program.script.version)))
                .add("arch", std::string(to_string(program.script.arch)))
                .add("schedule", o.replay_text));
  KbStampSink stamped(held, program.script.arch);  // a replay's notifies show their kb stacks
  ExploreMachine machine(program, &stamped);
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
         "                     [--no-reduction] [--shard I/N] [--replay SCHEDULE]\n"
         "                     [--kernel VERSION] [--arch x86|x64] [--format text|jsonl] [-o OUT]\n"
         "       ntemu explore FILE --pct [--seed N] [--depth D] [--schedules N] [...]\n"
         "       ntemu explore --merge SHARD.jsonl... [--format text|jsonl] [-o OUT]\n"
         "       ntemu run --schedule SCHEDULE FILE [--kernel VERSION] [--arch x86|x64]\n"
         "                     [--format text|jsonl] [-o OUT]\n";
}

bool wants_schedule(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;
    if (a == "--schedule" || a.rfind("--schedule=", 0) == 0) return true;
  }
  return false;
}

int run_schedule(const std::vector<std::string>& args, const Streams& io) {
  std::vector<std::string> as{"explore"};
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--schedule") {
      as.emplace_back("--replay");
    } else if (args[i].rfind("--schedule=", 0) == 0) {
      as.push_back("--replay=" + args[i].substr(11));
    } else if (args[i] == "--replay" || args[i].rfind("--replay=", 0) == 0 || args[i] == "--pct" ||
               args[i] == "--shard" || args[i] == "--merge") {
      std::fprintf(io.err,
                   "ntemu: error: unknown option '%s' for 'run'\nTry 'ntemu --help' for more "
                   "information.\n",
                   args[i].c_str());
      return kExitError;
    } else {
      as.push_back(args[i]);
    }
  }
  return run_explore(as, io);
}

int run_explore(const std::vector<std::string>& args, const Streams& io) {
  ExploreOptions o;
  try {
    o = parse_explore_args(args);
  } catch (const ExploreUsage& u) {
    std::fprintf(io.err, "ntemu: error: %s\nTry 'ntemu --help' for more information.\n",
                 u.message.c_str());
    return kExitError;
  }
  if (o.help) {
    std::fputs(usage_text().c_str(), io.out);
    return kExitOk;
  }
  std::optional<MergedReport> merged;
  std::optional<Concurrent> program;
  const std::string label = o.file == "-" ? "<stdin>" : o.file;
  if (!o.merge.empty()) {
    merged = merge_reports(o.merge, io.in, io.err);
    if (!merged) return kExitError;
  } else {
    std::string text;
    errno = 0;
    if (!read_file(o.file, io.in, text)) {
      std::fprintf(io.err, "%s: error: cannot read file: %s\n", label.c_str(),
                   std::strerror(errno != 0 ? errno : EIO));
      return kExitError;
    }
    program = compile_concurrent(text, o.check);
    if (!program->ok()) {
      for (const Diagnostic& d : program->errors) {
        std::fprintf(io.err, "%s:%d:%d: error: %s\n", label.c_str(), d.pos.line, d.pos.column,
                     d.message.c_str());
      }
      return kExitError;
    }
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  std::FILE* out = io.out;
  std::vector<std::string> inputs = o.merge;
  if (o.merge.empty()) inputs.push_back(o.file);
  for (const std::string& input : inputs) {
    if (std::error_code ec;
        o.output && input != "-" && std::filesystem::equivalent(*o.output, input, ec) && !ec) {
      std::fprintf(io.err, "ntemu: error: -o '%s' names an input file; it would be truncated\n",
                   o.output->c_str());
      return kExitError;
    }
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
  int rc = kExitOk;
  if (merged) {
    sink->emit(merged->header);
    rc = emit_report(*sink, merged->label, merged->table, merged->summary, merged->kind);
  } else if (o.replay) {
    rc = replay_file(o, *program, label, *sink, io.err);
  } else {
    rc = explore_file(o, *program, label, *sink, io.err);
  }
  if (std::fflush(out) != 0 || std::ferror(out) != 0) {
    std::fprintf(io.err, "ntemu: error: cannot write the output\n");
    return kExitError;
  }
  return rc;
}

}  // namespace ntemu::cli
