# SPDX-License-Identifier: MIT
"""`ntemu run` at scale, for bench/report.py: generated scenarios of 10k, 100k and 1M lines
(every process live; create-and-delete churn with and without --reclaim; lookups that create
nothing), their CPU time and peak memory, and the targets of issues 14 and 15 beside them."""
import os
import subprocess
import tempfile

from report_common import ROOT, verdict


# --- ntemu run at scale ---------------------------------------------------------------------

SCALE_LINES = [10_000, 100_000, 1_000_000]


def write_scale_scenario(path, kind, lines):
    """A generated scenario of `lines` statements (after its `kernel` line). `live`: one
    CreateProcess per line, every process and thread alive at the end. `churn`: four lines per
    process (CreateProcess, NtTerminateProcess, NtClose of both handles), every object deleted.
    `lookup`: a PsLookupProcessByProcessId per line, which creates nothing: what a statement
    costs the parser and runner alone."""
    with open(path, "w") as f:
        f.write("kernel xp\n")
        if kind == "live":
            for i in range(lines):
                f.write(f"CreateProcess p{i}\n")
        elif kind == "churn":
            for i in range(lines // 4):
                f.write(f"CreateProcess p{i}\nNtTerminateProcess p{i}\nNtClose p{i}_t1\n"
                        f"NtClose p{i}\n")
        else:
            for i in range(lines):
                f.write(f"PsLookupProcessByProcessId {4 * (i % 1000)}\n")


RUNS = 3


def run_measured(argv):
    """CPU seconds (user + system) and peak RSS (bytes) of one run, output discarded. CPU time,
    not wall time: on a machine shared with other work a run waits for a CPU, and the wait is
    not the run's. (The script itself stays small — the scenarios are written line by line —
    since a child's peak RSS counts its pages from before exec too.)"""
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err[-500:]!r}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def scale_section(binary):
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, reclaim in [("live", False), ("churn", False), ("churn", True),
                              ("lookup", False)]:
            for n in SCALE_LINES:
                path = os.path.join(tmp, f"{kind}-{n}.ntemu")
                if not os.path.exists(path):
                    write_scale_scenario(path, kind, n)
                argv = [binary, "run", path] + (["--reclaim"] if reclaim else [])
                # The least CPU time of three runs (the machine is shared; a run only gets
                # slower by what else runs), with that run's peak RSS.
                rows[(kind, reclaim, n)] = min(run_measured(argv) for _ in range(RUNS))
    def slope(key):  # bytes per line between 100k and 1M lines: what each further line costs
        return (rows[key + (1_000_000,)][1] - rows[key + (100_000,)][1]) / 900_000
    lines = [
        "Generated scenarios (`bench/report.py` `write_scale_scenario`), output discarded; the "
        f"least CPU time (user + system) of {RUNS} runs each, with that run's peak RSS, from `wait4`. Bytes per line: the RSS growth from 100k to 1M lines "
        "divided by the 900k lines between them (start-up costs cancel out); the lookup lines, "
        "which create nothing, give what a line costs the parsed file, the runner and the "
        "verifier's step labels alone.",
        "",
        "| Scenario | 10k lines | 100k lines | 1M lines | 1M / 100k CPU time | bytes per line | "
        "Target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    names = {("live", False): "`CreateProcess pN` — every process and thread live",
             ("churn", False): "create + terminate + close (4 lines per process), tombstones "
                               "kept (default)",
             ("churn", True): "the same with `--reclaim`",
             ("lookup", False): "`PsLookupProcessByProcessId` lines: the parser and runner "
                                "alone, no object"}
    base = slope(("lookup", False))
    for key, label in names.items():
        cells = [f"{rows[key + (n,)][0]:.2f} s, {rows[key + (n,)][1] / 2**20:.0f} MiB"
                 for n in SCALE_LINES]
        ratio = rows[key + (1_000_000,)][0] / rows[key + (100_000,)][0]
        per = slope(key)
        # Linear, with room for a ten times larger working set's cache and TLB misses (~5% here);
        # an n log n step would give 12x, a quadratic one 100x.
        linear = f"linear: 1M/100k <= 11x: {verdict(ratio <= 11.0)}"
        if key == ("live", False):
            # A live process with its first thread: what its line costs beyond a line that
            # creates nothing (the parsed statement and the runner's step, which every line has).
            target = (f"<= 1 KB per live process: {verdict(per - base <= 1024)} "
                      f"({per - base:.0f} B beyond the lookup lines); {linear}")
        elif key == ("churn", True):
            # Flat: a deleted process costs only its four script lines, as lines that create
            # nothing do (within 64 bytes a line).
            target = (f"flat per deleted process under reclaim: {verdict(per <= base + 64)} "
                      f"({per - base:+.0f} B a line beside the lookup lines); {linear}")
        else:
            target = linear
        lines.append(f"| {label} | {' | '.join(cells)} | {ratio:.2f}x | {per:.0f} | {target} |")
    return "\n".join(lines)
