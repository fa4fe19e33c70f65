// SPDX-License-Identifier: MIT
// libFuzzer harness: arbitrary bytes as a scenario file, through the whole `ntemu run` command
// (reading, parsing, checking, running, text and jsonl output). Whatever the bytes, the command
// must answer with a run (exit 0 or 1) or a clean error (exit 2 with `FILE:LINE:COL: error:`
// diagnostics and no output): never a crash, a hang, an exception or a sanitizer report.
//
// Checked per input:
//   - the exit status is 0, 1 or 2;
//   - exit 2: nothing on standard output in text form, and every line on standard error is an
//     error diagnostic for `<stdin>`;
//   - exit 0/1: the text output is one block opened by `== <stdin>: ` and closed by
//     `== <stdin>: N expects passed, M failed ==`; standard error holds only `expect failed`
//     lines (exit 1) or nothing (exit 0);
//   - jsonl: every line is a JSON object starting `{"seq":N,` with N = 1, 2, 3, ...;
//   - determinism: the jsonl output of a second run is byte-identical to the first.
//
// The kernel comes from the file's `kernel` statement, or, for one input size in nine of each
// (size % 9 = 1..8), from `--kernel`/`--arch`, so every profile is reached by a mutated seed.
// Nothing depends on clocks or addresses: the same input always runs the same way.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_scenario: invariant violated: %s\n%.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// A FILE* that collects what is written into a std::string (open_memstream).
class Capture {
 public:
  Capture() : file_(open_memstream(&data_, &size_)) {
    if (file_ == nullptr) fail("open_memstream failed", "");
  }
  ~Capture() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(data_);
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_ == nullptr ? "" : data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_ = nullptr;
};

struct Result {
  int rc = 0;
  std::string out;
  std::string err;
};

Result run(const std::uint8_t* data, std::size_t size, const std::vector<std::string>& extra,
           const char* format) {
  // fmemopen rejects a zero-sized buffer on some C libraries: an empty file is /dev/null.
  std::FILE* in = size == 0 ? std::fopen("/dev/null", "rb")
                            : fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (in == nullptr) fail("cannot open the input", "");
  Capture out;
  Capture err;
  std::vector<std::string> args{"run", "-", "--format", format};
  args.insert(args.end(), extra.begin(), extra.end());
  Result r;
  r.rc = ntemu::cli::run_command_line(args, {in, out.file(), err.file()});
  std::fclose(in);
  r.out = out.text();
  r.err = err.text();
  return r;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) fail("output does not end with a newline", text);
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void check_stderr(const Result& r) {
  for (std::string_view line : lines(r.err)) {
    const bool error = starts_with(line, "<stdin>:") && line.find(": error: ") != line.npos;
    const bool expect =
        starts_with(line, "<stdin>:") && line.find(": expect failed: ") != line.npos;
    if (r.rc == 2 && !error) fail("exit 2 with a stderr line that is no error", r.err);
    if (r.rc == 1 && !expect) fail("exit 1 with a stderr line that is no expect failure", r.err);
    if (r.rc == 0) fail("exit 0 with something on stderr", r.err);
  }
  if (r.rc == 2 && r.err.empty()) fail("exit 2 without an error message", "");
  if (r.rc == 1 && r.err.empty()) fail("exit 1 without an expect failure message", "");
}

void check_text(const Result& r) {
  if (r.rc < 0 || r.rc > 2) fail("exit status out of range", std::to_string(r.rc));
  check_stderr(r);
  if (r.rc == 2) {
    if (!r.out.empty()) fail("an error run wrote text output", r.out);
    return;
  }
  const std::vector<std::string_view> out = lines(r.out);
  if (out.size() < 2 || !starts_with(out.front(), "== <stdin>: ") ||
      !starts_with(out.back(), "== <stdin>: ") ||
      out.back().find(" expects passed, ") == std::string_view::npos) {
    fail("text output is not one framed block", r.out);
  }
}

void check_jsonl(const Result& r) {
  if (r.rc < 0 || r.rc > 2) fail("exit status out of range", std::to_string(r.rc));
  std::uint64_t seq = 0;
  for (std::string_view line : lines(r.out)) {
    const std::string prefix = "{\"seq\":" + std::to_string(++seq) + ",\"event\":\"";
    if (!starts_with(line, prefix) || line.back() != '}') fail("bad jsonl line", line);
  }
  if (r.rc == 2 && seq == 0) fail("an error run wrote no error event", r.err);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kVersions[] = {"win2000", "xp", "server2003", "vista"};
  static const char* const kArches[] = {"x86", "x64"};
  std::vector<std::string> extra;
  if (const std::size_t pick = size % 9; pick != 0) {
    extra = {"--kernel", kVersions[(pick - 1) / 2], "--arch", kArches[(pick - 1) % 2]};
  }
  check_text(run(data, size, extra, "text"));
  const Result first = run(data, size, extra, "jsonl");
  check_jsonl(first);
  const Result second = run(data, size, extra, "jsonl");
  if (first.rc != second.rc || first.out != second.out || first.err != second.err) {
    fail("two runs of the same input differ", first.out + "\n----\n" + second.out);
  }
  return 0;
}
