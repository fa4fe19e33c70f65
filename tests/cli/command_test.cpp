// SPDX-License-Identifier: MIT
// The ntemu command, driven in process: arguments, exit statuses, error reports on standard
// error and as `error` events, files run on fresh kernels, standard input, -o.
#include "cli.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/version.hpp"

using namespace ntemu::cli;

namespace {

// A path as a JSON string's text: a Windows temporary path has backslashes, escaped in jsonl.
std::string json_text(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

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

Result ntemu_cmd(const std::vector<std::string>& args, const std::string& input = {}) {
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

// A scenario file in a fresh temporary directory, removed with the object.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text) {
    static const unsigned run = std::random_device{}();
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("ntemu-cli-test-" + std::to_string(run) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / name;
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }
  std::string dir() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("command: --version prints the project version") {
  const Result r = ntemu_cmd({"--version"});
  CHECK(r.rc == kExitOk);
  CHECK(r.out == std::string("ntemu ") + NTEMU_VERSION_STRING + "\n");
  CHECK(r.err.empty());
}

TEST_CASE("command: --help prints the usage on standard output") {
  for (const auto& args : {std::vector<std::string>{"--help"}, {"run", "--help"}}) {
    const Result r = ntemu_cmd(args);
    CHECK(r.rc == kExitOk);
    CHECK(r.out.rfind("usage: ntemu run FILE...", 0) == 0);
    CHECK(r.out.find("Supported now: win2000") != std::string::npos);
    CHECK(r.err.empty());
  }
}

TEST_CASE("command: usage errors exit 2 with a message and run nothing") {
  const TempFile f("ok.ntemu", "NtCreateProcess a\n");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "no command given"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"run"}, "no scenario file given"},
      {{"run", f.path(), "--colour"}, "unknown option '--colour'"},
      {{"run", f.path(), "--kernel"}, "option '--kernel' needs a value"},
      {{"run", f.path(), "--kernel", "win98"}, "unknown kernel version 'win98'"},
      {{"run", f.path(), "--arch", "arm64"}, "unknown architecture 'arm64'"},
      {{"run", f.path(), "--format", "xml"}, "unknown format 'xml'"},
      {{"run", f.path(), "--format=svg"}, "unknown format 'svg'"},
      {{"compare"}, "no scenario file given"},
      {{"compare", f.path(), f.path()}, "compare takes one scenario file"},
      {{"compare", f.path(), "--kernel", "xp,win98"}, "unknown kernel version 'win98'"},
      {{"compare", f.path(), "--format", "html"}, "unknown compare format 'html'"},
      {{"compare", f.path(), "--colour"}, "unknown option '--colour'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    const Result r = ntemu_cmd(c.args);
    CHECK(r.rc == kExitError);
    CHECK(r.out.empty());
    CHECK(r.err.find("ntemu: error: " + c.message) != std::string::npos);
  }
}

TEST_CASE("command: an unreadable file is an error, other files still run") {
  const TempFile ok("ok.ntemu", "NtCreateProcess a\n");
  const std::string missing = ok.dir() + "/missing.ntemu";
  const Result r = ntemu_cmd({"run", missing, ok.path(), "--format", "jsonl"});
  CHECK(r.rc == kExitError);
  CHECK(r.err == missing + ": error: cannot read file: No such file or directory\n");
  CHECK(r.out.rfind("{\"seq\":1,\"event\":\"error\",\"file\":\"" + json_text(missing) +
                        "\",\"line\":0,\"column\":0,",
                    0) == 0);
  CHECK(count(r.out, "\"event\":\"call\"") == 1);  // the second file ran
}

TEST_CASE("command: an error on the last line stops the whole file before it runs") {
  const TempFile f("bad.ntemu",
                   "PsSetCreateProcessNotifyRoutine edr\nCreateProcess a\n"
                   "PsLookupProcessByProcessId a.pid\nexpect status STATUS_SUCCES\n");
  const Result text = ntemu_cmd({"run", f.path()});
  CHECK(text.rc == kExitError);
  CHECK(text.out.empty());
  CHECK(text.err == f.path() + ":4:15: error: unknown status 'STATUS_SUCCES'\n");

  const Result jsonl = ntemu_cmd({"run", f.path(), "--format", "jsonl"});
  CHECK(jsonl.rc == kExitError);
  CHECK(jsonl.err == text.err);
  CHECK(jsonl.out == "{\"seq\":1,\"event\":\"error\",\"file\":\"" + json_text(f.path()) +
                         "\",\"line\":4,\"column\":15,\"message\":\"unknown status "
                         "'STATUS_SUCCES'\"}\n");
}

TEST_CASE("command: every error of a file is reported in FILE:LINE:COLUMN form") {
  const Result r =
      ntemu_cmd({"run", "-"}, "NtCreateThread nobody\nlet x = 1\nlet x = 2\nexpect findings 0\n");
  CHECK(r.rc == kExitError);
  CHECK(r.err ==
        "<stdin>:1:16: error: unknown name 'nobody'\n"
        "<stdin>:3:5: error: redefinition of 'x' (first defined at line 2)\n"
        "<stdin>:4:1: error: 'expect findings' needs an 'audit' statement before it\n");
  CHECK(r.out.empty());
}

TEST_CASE("command: - reads the scenario from standard input") {
  const Result r = ntemu_cmd({"run", "-", "--format", "jsonl"},
                             "CreateProcess a\nexpect status STATUS_SUCCESS\n");
  CHECK(r.rc == kExitOk);
  CHECK(r.err.empty());
  CHECK(r.out.find("\"event\":\"begin\",\"file\":\"<stdin>\"") != std::string::npos);
  CHECK(count(r.out, "\"event\":\"call\"") == 2);
}

TEST_CASE("command: several files run one after another, each on a fresh kernel") {
  const TempFile a("a.ntemu", "CreateProcess a\n");
  const TempFile b("b.ntemu", "CreateProcess b\n");
  const Result r = ntemu_cmd({"run", a.path(), b.path(), "--format", "jsonl"});
  CHECK(r.rc == kExitOk);
  // Both boots hand out TID 4 and PID 8 again; both first processes get PID 0x10.
  CHECK(count(r.out, "\"op\":\"create\",\"handle\":4,\"type\":\"thread\"") == 2);
  CHECK(count(r.out, "\"handle\":16,\"type\":\"process\"") == 2);
  CHECK(count(r.out, "\"event\":\"begin\"") == 2);
  // One sequence across both files.
  std::istringstream lines(r.out);
  std::string line;
  int expected = 0;
  while (std::getline(lines, line)) {
    ++expected;
    CHECK(line.rfind("{\"seq\":" + std::to_string(expected) + ",", 0) == 0);
  }
  CHECK(expected > 10);
}

TEST_CASE("command: the exit status is the worst of the files") {
  const TempFile pass("pass.ntemu", "CreateProcess a\nexpect status STATUS_SUCCESS\n");
  const TempFile fail("fail.ntemu", "CreateProcess a\nexpect status STATUS_UNSUCCESSFUL\n");
  const TempFile bad("bad.ntemu", "CreateProcess\n");
  CHECK(ntemu_cmd({"run", pass.path()}).rc == kExitOk);
  const Result failed = ntemu_cmd({"run", pass.path(), fail.path()});
  CHECK(failed.rc == kExitExpectFailed);
  CHECK(failed.err == fail.path() +
                          ":2: expect failed: expected STATUS_UNSUCCESSFUL, got STATUS_SUCCESS "
                          "(line 1)\n");
  CHECK(ntemu_cmd({"run", fail.path(), bad.path()}).rc == kExitError);
  CHECK(ntemu_cmd({"run", bad.path(), pass.path()}).rc == kExitError);
}

TEST_CASE("command: -o writes the output to a file") {
  const TempFile f("s.ntemu", "CreateProcess a\n");
  const std::string out = f.dir() + "/out.jsonl";
  const Result r = ntemu_cmd({"run", "-o", out, f.path(), "--format", "jsonl"});
  CHECK(r.rc == kExitOk);
  CHECK(r.out.empty());
  std::ifstream in(out);
  std::stringstream written;
  written << in.rdbuf();
  CHECK(written.str().rfind("{\"seq\":1,\"event\":\"begin\"", 0) == 0);
  const Result unwritable = ntemu_cmd({"run", "-o", f.dir() + "/no/such/dir/out", f.path()});
  CHECK(unwritable.rc == kExitError);
  CHECK(unwritable.err.find("cannot write") != std::string::npos);
}

TEST_CASE("command: --kernel overrides the file's kernel statement") {
  const TempFile f("xp.ntemu", "kernel xp\nCreateProcess a\n");
  const Result xp = ntemu_cmd({"run", f.path()});
  CHECK(xp.rc == kExitOk);
  CHECK(xp.out.rfind("== " + f.path() + ": xp x86 ==\n", 0) == 0);
  const Result r = ntemu_cmd({"run", f.path(), "--kernel", "win2000", "--arch", "x64"});
  CHECK(r.rc == kExitOk);
  CHECK(r.out.rfind("== " + f.path() + ": win2000 x64 ==\n", 0) == 0);
}

TEST_CASE("command: text output echoes statements and indents their events") {
  const Result r = ntemu_cmd({"run", "-"}, "# comment\nCreateProcess a as t   # trailing\n");
  CHECK(r.rc == kExitOk);
  CHECK(r.out.find("\n   2> CreateProcess a as t\n      call   NtCreateProcess -> "
                   "STATUS_SUCCESS  via=CreateProcess name=a") != std::string::npos);
  CHECK(r.out.find("\n      cid    create  0x000c -> thread t\n") != std::string::npos);
  CHECK(r.out.find("== <stdin>: 0 expects passed, 0 failed ==\n") != std::string::npos);
}

// --- regressions from adversarial testing (issue 14) ------------------------------------------

TEST_CASE("command: a write error is an error (exit 2), not a silent success") {
  TempFile f("ok.ntemu", "NtCreateProcess app\n");
  if (std::filesystem::exists("/dev/full")) {
    const Result r = ntemu_cmd({"run", f.path(), "-o", "/dev/full"});
    CHECK(r.rc == kExitError);
    CHECK(r.err.find("cannot write the output") != std::string::npos);
  }
  // An output stream that refuses writes (opened read-only), as a closed stdout does.
  std::FILE* in = std::tmpfile();
  std::FILE* err = std::tmpfile();
  std::FILE* ro = std::fopen(f.path().c_str(), "rb");
  REQUIRE(ro != nullptr);
  const int rc = run_command_line({"run", f.path()}, {in, ro, err});
  CHECK(rc == kExitError);
  CHECK(slurp(err).find("cannot write the output") != std::string::npos);
  std::fclose(ro);
  std::fclose(in);
  std::fclose(err);
}

TEST_CASE("command: -o naming an input file is refused before the input is touched") {
  const std::string text = "NtCreateProcess app\n";
  TempFile f("in.ntemu", text);
  const Result r = ntemu_cmd({"run", f.path(), "-o", f.path()});
  CHECK(r.rc == kExitError);
  CHECK(r.err.find("names an input file") != std::string::npos);
  // (Read through rdbuf(): GCC 12 at -O1 with TSan warns of a null dereference inside
  // libstdc++'s istreambuf_iterator, a false positive that -Werror turns into a failed build.)
  std::ifstream in(f.path(), std::ios::binary);
  std::ostringstream after;
  after << in.rdbuf();
  CHECK(after.str() == text);
}

TEST_CASE("command: every jsonl line is valid UTF-8 JSON, whatever bytes the input holds") {
  TempFile f("bad.ntemu", "NtCreateProcess app\n\xff\xfe\xc0\xaf bad\n");
  const Result r = ntemu_cmd({"run", f.path(), "--format", "jsonl"});
  CHECK(r.rc == kExitError);
  REQUIRE(r.out.find("\"event\":\"error\"") != std::string::npos);
  // The ill-formed bytes became U+FFFD escapes; no byte >= 0x80 is left unpaired.
  CHECK(r.out.find("\\ufffd\\ufffd\\ufffd\\ufffd") != std::string::npos);
  CHECK(r.out.find('\xff') == std::string::npos);
  // Well-formed UTF-8 passes through as it is.
  TempFile g("ok.ntemu", "NtCreateProcess caf\xc3\xa9\xe2\x82\xac\n");
  const Result ok = ntemu_cmd({"run", g.path(), "--format", "jsonl"});
  CHECK(ok.out.find("caf\xc3\xa9\xe2\x82\xac") != std::string::npos);
}

#if !defined(_WIN32)  // Windows file names cannot hold a control character
TEST_CASE("command: a file name holding a newline keeps FILE:LINE:COLUMN: error: on one line") {
  TempFile f("two\nlines.ntemu", "bogus\n");
  const Result r = ntemu_cmd({"run", f.path()});
  CHECK(r.rc == kExitError);
  CHECK(r.err.find("two\\nlines.ntemu:1:1: error: unknown statement 'bogus'") != std::string::npos);
  CHECK(count(r.err, "\n") == 1);
}
#endif
