// SPDX-License-Identifier: MIT
// The ntemu command's --help text and the kernel version lists its messages name.
#include <string>

#include <fmt/format.h>

#include "cli.hpp"
#include "explore_command.hpp"
#include "ntemu/profile.hpp"
#include "versions.hpp"

namespace ntemu::cli {

std::string supported_kernels() {
  return join_kernel_versions(supported_kernel_versions(Arch::X86), ", ");
}

std::string known_kernels() {
  return kernel_version_list();
}

std::string usage_text() {
  return fmt::format(
      "usage: ntemu run FILE... [--kernel VERSION] [--arch x86|x64] [--format FORMAT] [-o OUT]\n"
      "                 [--reclaim]\n"
      "       ntemu compare FILE [--kernel VERSION,VERSION...] [--arch x86|x64]\n"
      "                     [--format text|markdown] [-o OUT]\n"
      "       ntemu kd FILE [--kernel VERSION] [--arch x86|x64]\n"
      "{}"
      "       ntemu --help | --version\n"
      "\n"
      "Runs scenario files against ntemu's model of the Windows NT process/thread creation\n"
      "and exit paths and prints what the kernel does: client IDs, notify routines,\n"
      "statuses, and what its verifier finds. 'kd' debugs one file interactively: it stops\n"
      "before the first statement at a kd> prompt (bp, g, p, t, kb, r, !process, dt, ed,\n"
      "any statement; .help lists the commands; docs/kd.md describes them), reading the\n"
      "commands from standard input, with line editing and history on a terminal.\n"
      "\n"
      "  FILE              a scenario file (.ntemu); '-' reads standard input. Several files\n"
      "                    run one after another, each on a fresh kernel.\n"
      "  --kernel VERSION  win2000, xp, server2003, vista, win7 or win10; overrides the\n"
      "                    file's 'kernel' statement (default win2000). Supported now: {}.\n"
      "  --arch ARCH       x86 or x64; overrides the file's arch= (default x86).\n"
      "  --format FORMAT   text (default); jsonl (one JSON object per line); mermaid (a\n"
      "                    sequence diagram per file); dot (a Graphviz state graph at each\n"
      "                    'snapshot' and at the end of each file); html (one self-contained\n"
      "                    page: a timeline per CPU with kb stacks, a slider over the states).\n"
      "  -o OUT            write the output to OUT instead of standard output.\n"
      "  --reclaim         release deleted objects no PspCidTable entry names (run only):\n"
      "                    flat memory for long runs; a name of a released object is skipped.\n"
      "\n"
      "compare runs FILE on each VERSION (default: every supported one) and shows, statement\n"
      "by statement, where they diverge (IDs, notifies, statuses, findings); markdown adds a\n"
      "sequence diagram per version. It exits 0 when no statement differs, 1 when one does.\n"
      "\n"
      "Exit status of run: 0 every expect held; 1 an expect failed, or the machine stopped with a\n"
      "bugcheck the file does not expect; 2 usage error, unreadable file, or an error in a\n"
      "file (then nothing of that file runs). Audit findings do not change it. 'kd' exits\n"
      "the same way for the part of the file that ran when the session ended (q, or the\n"
      "end of standard input); a bad command at its prompt is reported and the session goes\n"
      "on.\n"
      "\n"
      "ntemu explore runs a concurrent scenario (statements prefixed 'cpu N:') under every\n"
      "schedule within a preemption bound (default 2) and prints each distinct outcome with\n"
      "a schedule that --replay SCHEDULE (or 'ntemu run --schedule') turns back into the\n"
      "trace (docs/concurrency.md). --shard I/N explores part I of N of the search (--merge\n"
      "joins the parts' jsonl reports); --pct samples schedules at random instead.\n"
      "\n"
      "The scenario language is described in docs/scenario-language.md.\n",
      explore_usage_text(), supported_kernels());
}

}  // namespace ntemu::cli
