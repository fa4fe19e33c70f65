// SPDX-License-Identifier: MIT
// `ntemu kd`, driven in process: bp's list of modeled routines against the frames runs really
// push, usage errors, a file with an error, robustness against arbitrary command lines, and
// determinism. The sessions' transcripts are golden tests (tests/cli/kd/*.kd).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cli.hpp"
#include "kd_session_impl.hpp"
#include "ntemu/dbg/shadow_stack.hpp"
#include "parser.hpp"
#include "runner.hpp"

using namespace ntemu::cli;

namespace {

std::string slurp(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    out.append(buffer, n);
  return out;
}

struct Result {
  int rc = -1;
  std::string out;
  std::string err;
};

Result kd_cmd(std::vector<std::string> args, const std::string& input) {
  std::FILE* in = std::tmpfile();
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  REQUIRE(in != nullptr);
  REQUIRE(out != nullptr);
  REQUIRE(err != nullptr);
  std::fwrite(input.data(), 1, input.size(), in);
  std::rewind(in);
  Result r;
  r.rc = run_command_line(args, {in, out, err});
  r.out = slurp(out);
  r.err = slurp(err);
  std::fclose(in);
  std::fclose(out);
  std::fclose(err);
  return r;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The article's scenario (tests/cli/kd/article.ntemu), in a temporary file for the test.
class Article {
 public:
  Article() {
    path_ = std::filesystem::temp_directory_path() / "ntemu-kd-test-article.ntemu";
    std::ofstream(path_, std::ios::binary)
        << "kernel win2000\nPsSetCreateProcessNotifyRoutine edr\n"
           "PsSetCreateThreadNotifyRoutine edr\nCreateProcess notepad as t1\n"
           "NtCreateThread notepad as t2\nexpect status STATUS_SUCCESS\n"
           "NtTerminateProcess notepad\nNtClose t1\nNtClose t2\nNtClose notepad\n";
  }
  ~Article() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  Article(const Article&) = delete;
  Article& operator=(const Article&) = delete;
  std::string string() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

struct NullSink final : ntemu::TraceSink {
  void emit(const ntemu::Event&) override {}
};

// Collects the kernel's frames (nt!, ntdll!) pushed on this host thread.
struct FrameNames final : ntemu::dbg::FrameObserver {
  std::set<std::string> seen;
  void frame_entered(const ntemu::dbg::Frame& f, std::size_t) override {
    if (f.module == "nt" || f.module == "ntdll") {
      seen.insert(std::string(f.module) + "!" + std::string(f.function));
    }
  }
};

}  // namespace

TEST_CASE("kd: bp knows every modeled routine a run pushes a frame for") {
  FrameNames frames;
  int runs = 0;
  for (const char* dir : {NTEMU_CLI_EXAMPLES_DIR, NTEMU_CLI_TEST_DIR "/scenarios"}) {
    // A cross build run elsewhere (mingw under wine) may not see the source tree.
    if (!std::filesystem::is_directory(dir)) return;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".ntemu") continue;
      for (const ntemu::KernelVersion v : ntemu::kKernelVersions) {
        for (const ntemu::Arch arch : {ntemu::Arch::X86, ntemu::Arch::X64}) {
          CheckOptions options;
          options.kernel = v;
          options.arch = arch;
          const Compiled c = compile_scenario(read_text(entry.path()), options);
          if (!c.ok()) continue;  // the files of syntax and semantic errors
          NullSink sink;
          ntemu::dbg::FrameObserverScope observing(frames);
          run_script(c.script, entry.path().filename().string(), sink);
          ++runs;
        }
      }
    }
  }
  CHECK(runs > 100);
  const std::span<const std::string_view> known = kd::modeled_routines();
  for (const std::string& name : frames.seen) {
    INFO(name);
    CHECK(std::find(known.begin(), known.end(), name) != known.end());
  }
  // And bp's list names nothing the model never pushes (a few only on paths no file takes).
  for (std::string_view name : known) {
    INFO(name);
    const bool rare = name == "nt!MmLoadSystemImage" || name == "nt!PsRemoveLoadImageNotifyRoutine";
    CHECK((frames.seen.count(std::string(name)) == 1 || rare));
  }
  CHECK(std::is_sorted(known.begin(), known.end()));
}

TEST_CASE("kd: usage errors exit 2 before anything runs") {
  const Article article;
  const std::string file = article.string();
  for (const std::vector<std::string>& args : {std::vector<std::string>{"kd"},
                                               {"kd", file, file},
                                               {"kd", file, "-o", "x"},
                                               {"kd", file, "--format", "jsonl"},
                                               {"kd", "-"},
                                               {"kd", file, "--kernel", "nt4"}}) {
    INFO(args.size());
    const Result r = kd_cmd(args, "g\n");
    CHECK(r.rc == kExitError);
    CHECK(r.out.empty());
    CHECK(r.err.find("error: ") != std::string::npos);
  }
}

TEST_CASE("kd: a file with an error is reported and nothing runs") {
  const std::filesystem::path bad =
      std::filesystem::temp_directory_path() / "ntemu-kd-test-bad.ntemu";
  std::ofstream(bad, std::ios::binary) << "NtCreateProcess notepad\nNtCreateThread nosuch\n";
  const Result r = kd_cmd({"kd", bad.string()}, "g\n");
  std::filesystem::remove(bad);
  CHECK(r.rc == kExitError);
  CHECK(r.out.empty());
  CHECK(r.err.find("ntemu-kd-test-bad.ntemu:2:16: error: unknown name 'nosuch'") !=
        std::string::npos);
}

TEST_CASE("kd: the exit status is the run's and q ends the session at once") {
  const Article article;
  // Nothing ran: no expect failed.
  CHECK(kd_cmd({"kd", article.string()}, "q\nthis is never read\n").rc == kExitOk);
  // An expect typed at the prompt that fails makes it 1, as in a file.
  const Result r = kd_cmd({"kd", article.string()}, "expect calls edr 5\ng\n");
  CHECK(r.rc == kExitExpectFailed);
  CHECK(r.out.find("expect FAILED") != std::string::npos);
  CHECK(r.out.find(": 1 expects passed, 1 failed ==") != std::string::npos);
}

TEST_CASE("kd: arbitrary command lines never crash or hang, and the output is deterministic") {
  const Article article;
  // Commands, arguments and statements in a fixed pseudo-random mix (a linear congruential
  // generator, so the test is the same everywhere): every one ends in an error or runs.
  const std::vector<std::string> heads = {"g",
                                          "p",
                                          "t",
                                          "bp",
                                          "bl",
                                          "bc",
                                          "kb",
                                          "r",
                                          "!process",
                                          "!thread",
                                          "dt",
                                          "!cidtable",
                                          "!handle",
                                          "!callbacks",
                                          "!audit",
                                          "ed",
                                          "eq",
                                          ".restart",
                                          ".help",
                                          "NtCreateProcess",
                                          "NtCreateThread",
                                          "NtClose",
                                          "poke",
                                          "dump",
                                          "expect",
                                          "CreateProcess",
                                          "bogus",
                                          "!",
                                          "",
                                          "\t",
                                          "\x01\x02",
                                          "kd>"};
  const std::vector<std::string> args = {"",
                                         "0",
                                         "0 0",
                                         "notepad",
                                         "t1",
                                         "System",
                                         "nt!PspCreateThread",
                                         "edr!ProcessNotifyRoutine",
                                         "finding dangling-cid",
                                         "nt!_EPROCESS notepad",
                                         "nt!_ETHREAD t1",
                                         "notepad 0",
                                         "nt!PspCreateProcessNotifyRoutine 0",
                                         "nt!PspCreateProcessNotifyRoutine+4 0",
                                         "89a019f0",
                                         "89a019f0+4 1",
                                         "*",
                                         "0n12",
                                         "0x",
                                         "ffffffffffffffffffff",
                                         "`",
                                         "x y z",
                                         "notepad.UniqueProcessId = 0",
                                         "cidtable",
                                         "calls edr 1",
                                         "extra as y"};
  std::uint32_t seed = 12345;
  auto next = [&](std::size_t n) {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<std::size_t>(seed >> 8) % n;
  };
  std::string input;
  for (int i = 0; i < 600; ++i)
    input += heads[next(heads.size())] + " " + args[next(args.size())] + "\n";
  input += std::string(5000, 'x') + "\n";  // longer than a line may be
  const Result first = kd_cmd({"kd", article.string()}, input);
  CHECK((first.rc == kExitOk || first.rc == kExitExpectFailed));
  CHECK(first.err.empty());
  CHECK(first.out.find("kd> ") != std::string::npos);
  CHECK(first.out.find("error: line too long (at most 4096 bytes): ignored") != std::string::npos);
  const Result second = kd_cmd({"kd", article.string()}, input);
  CHECK(second.rc == first.rc);
  CHECK(second.out == first.out);
}

TEST_CASE("kd: an output write error exits 2") {
  const Article article;
  if (!std::filesystem::exists("/dev/full")) return;
  std::FILE* in = std::tmpfile();
  std::FILE* full = std::fopen("/dev/full", "w");
  std::FILE* err = std::tmpfile();
  REQUIRE(in != nullptr);
  REQUIRE(full != nullptr);
  REQUIRE(err != nullptr);
  std::fputs("g\nq\n", in);
  std::rewind(in);
  CHECK(run_command_line({"kd", article.string()}, {in, full, err}) == kExitError);
  CHECK(slurp(err).find("cannot write") != std::string::npos);
  std::fclose(in);
  std::fclose(full);
  std::fclose(err);
}

TEST_CASE(
    "kd: a statement typed after the file is checked against its names, and undone on error") {
  Script script;
  ScenarioChecker checker({}, script);
  REQUIRE(checker.check_file(parse_scenario("NtCreateProcess notepad\n").statements).empty());
  const std::size_t symbols = script.symbols.size();
  auto one = [](const char* text) {
    Parsed p = parse_scenario(text);
    REQUIRE(p.errors.empty());
    REQUIRE(p.statements.size() == 1);
    return std::move(p.statements.front());
  };
  // An error: the thread name it would define is not kept.
  Statement bad = one("NtCreateThread nosuch as t9\n");
  CHECK_FALSE(checker.check_more(bad).empty());
  CHECK(script.symbols.size() == symbols);
  Statement uses_t9 = one("NtClose t9\n");
  CHECK_FALSE(checker.check_more(uses_t9).empty());
  // A good one defines names later statements use, and resolves against the file's.
  Statement good = one("NtCreateThread notepad as t9\n");
  CHECK(checker.check_more(good).empty());
  CHECK(script.symbols.size() == symbols + 1);
  Statement close = one("NtClose t9\n");
  CHECK(checker.check_more(close).empty());
  // The kernel version is the file's.
  Statement kernel = one("kernel xp\n");
  CHECK_FALSE(checker.check_more(kernel).empty());
}
