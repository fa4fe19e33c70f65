// SPDX-License-Identifier: MIT
// The picture formats and `ntemu compare`, driven in process: what each picture holds for a
// run (one timeline entry per event, balanced activations, one graph per snapshot), that they
// are the same bytes run after run, and that bad input gets an error and no picture.
#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cli.hpp"

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

// The command with `scenario` on standard input (the file argument "-").
Result ntemu_cmd(const std::vector<std::string>& args, const std::string& scenario) {
  std::FILE* in = std::tmpfile();
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  REQUIRE(in != nullptr);
  REQUIRE(out != nullptr);
  REQUIRE(err != nullptr);
  std::fwrite(scenario.data(), 1, scenario.size(), in);
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

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

const std::string kZeroPid =
    "PsSetCreateProcessNotifyRoutine edr\n"
    "PsSetCreateThreadNotifyRoutine edr\n"
    "CreateProcess notepad as t1\n"
    "snapshot created\n"
    "poke notepad.UniqueProcessId = 0\n"
    "NtCreateThread notepad as t2\n"
    "NtTerminateProcess notepad\n"
    "NtClose t1\n"
    "NtClose t2\n"
    "NtClose notepad\n"
    "snapshot\n";

}  // namespace

TEST_CASE("pictures: the HTML report has one timeline entry per event and no external resource") {
  const Result jsonl = ntemu_cmd({"run", "-", "--format", "jsonl"}, kZeroPid);
  const Result html = ntemu_cmd({"run", "-", "--format", "html"}, kZeroPid);
  REQUIRE(jsonl.rc == 0);
  REQUIRE(html.rc == 0);
  CHECK(html.err.empty());
  CHECK(html.out.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(html.out, "<tr class=\"event ") == count(jsonl.out, "\n"));
  // One state after boot, after each of the 11 statements, at the 2 snapshots, at the end.
  CHECK(html.out.find("\"label\":\"after boot\"") != std::string::npos);
  CHECK(count(html.out, "{\"label\":") == 1 + 11 + 2 + 1);
  // Self-contained: nothing is fetched.
  CHECK(html.out.find("src=") == std::string::npos);
  CHECK(html.out.find("http") == std::string::npos);
  // Kernel events expand to their kb stacks: a notify's, inside the creation path.
  const std::size_t notify = html.out.find("<span class=\"name\">notify</span>");
  REQUIRE(notify != std::string::npos);
  const std::size_t stack = html.out.find("<pre class=\"stack\">", notify);
  const std::size_t row_end = html.out.find("</tr>\n", notify);
  CHECK(stack < row_end);
  CHECK(html.out.find("-------- nt!PspCreateThread\n", stack) < row_end);
  CHECK(ntemu_cmd({"run", "-", "--format", "html"}, kZeroPid).out == html.out);
}

TEST_CASE("pictures: the sequence diagram closes every activation it opens") {
  const Result r = ntemu_cmd({"run", "-", "--format", "mermaid"}, kZeroPid);
  REQUIRE(r.rc == 0);
  CHECK(r.out.rfind("sequenceDiagram\n", 0) == 0);
  const std::size_t opened = count(r.out, "->>+");
  const std::size_t closed = count(r.out, "-->>-") + count(r.out, "\ndeactivate ");
  CHECK(opened > 0);
  CHECK(opened == closed);
  CHECK(r.out.find("participant C2 as PspCidTable") != std::string::npos);
  CHECK(r.out.find("->>C2: ExCreateHandle → 0x18 process notepad") != std::string::npos);
  CHECK(r.out.find("ExDestroyHandle 0x18 process notepad") != std::string::npos);
  CHECK(r.out.find("finding dangling-cid") != std::string::npos);
  CHECK(r.out.find(';') == std::string::npos);  // Mermaid's statement separator, escaped
}

TEST_CASE(
    "pictures: dot draws one graph per snapshot and one at the end, the dangling entry dashed") {
  const Result r = ntemu_cmd({"run", "-", "--format", "dot"}, kZeroPid);
  REQUIRE(r.rc == 0);
  CHECK(count(r.out, "digraph ") == 3);
  CHECK(r.out.rfind("digraph \"<stdin>: snapshot created at line 4\" {", 0) == 0);
  CHECK(count(r.out, "label=\"dangling\"") == 2);  // at the last snapshot and at the end
}

TEST_CASE("pictures: a file with an error gets the error and no picture") {
  for (const char* format : {"mermaid", "dot", "html"}) {
    CAPTURE(format);
    const Result r = ntemu_cmd({"run", "-", "--format", format}, "CreateProcess a\nNtClose b\n");
    CHECK(r.rc == kExitError);
    CHECK(r.out.empty());
    CHECK(r.err == "<stdin>:2:9: error: unknown name 'b'\n");
  }
}

TEST_CASE("compare: exit 0 when the versions agree, 1 with the differing rows marked") {
  const std::string same = "PsSetCreateProcessNotifyRoutine edr\nCreateProcess a\n";
  const Result agree = ntemu_cmd({"compare", "-", "--kernel", "xp,server2003"}, same);
  CHECK(agree.rc == 0);
  CHECK(agree.out.find("0 of 4 rows differ") != std::string::npos);
  CHECK(agree.out.find("[differs]") == std::string::npos);

  const Result differ = ntemu_cmd({"compare", "-", "--kernel", "win2000,xp"}, same);
  CHECK(differ.rc == 1);
  CHECK(differ.out.find("line 2: CreateProcess a   [differs]") != std::string::npos);
  CHECK(differ.out.find("  win2000       NtCreateProcess STATUS_SUCCESS pid=0x0") !=
        std::string::npos);

  const Result md = ntemu_cmd({"compare", "-", "--kernel=win2000,xp", "--format=markdown"}, same);
  CHECK(md.rc == 1);
  CHECK(md.out.find("| | line | statement | win2000 | xp |") != std::string::npos);
  CHECK(count(md.out, "```mermaid\nsequenceDiagram\n") == 2);
}

TEST_CASE("compare: a file with an error on one version runs on none") {
  // image-notify[8] exists on no version; a slot of win2000's 8 exists on every one.
  const Result r =
      ntemu_cmd({"compare", "-", "--kernel", "win2000,vista"}, "poke process-notify[9] = 0\n");
  CHECK(r.rc == kExitError);
  CHECK(r.out.empty());
  CHECK(r.err.find("<stdin>:1:") == 0);
  CHECK(r.err.find("(kernel win2000)") != std::string::npos);
}
