# SPDX-License-Identifier: MIT
"""What bench/report.py's sections share: running a Google Benchmark binary for its medians,
the verdict words, time formatting and the machine line."""
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPETITIONS = 5


def run(binary, bench_filter=None, allow_errors=False, prefix=()):
    """Runs a Google Benchmark binary; returns its context, the median time of each benchmark
    (ns: wall time for the real_time rows, CPU time for the others), the median counters, and
    the errors the benchmarks reported ("name: message"). Errors end the report unless
    `allow_errors`."""
    argv = [*prefix, binary, "--benchmark_format=json", f"--benchmark_repetitions={REPETITIONS}",
            "--benchmark_report_aggregates_only=true"]
    if bench_filter:
        argv.append(f"--benchmark_filter={bench_filter}")
    done = subprocess.run(argv, capture_output=True, text=True)
    errors = []
    if done.returncode != 0:
        # Google Benchmark 1.7 aborts when a benchmark fails in some repetitions only (their
        # iteration counts differ), before printing the error: run once more, without
        # repetitions, to name it.
        n = len(prefix) + 1
        again = subprocess.run(argv[:n] + ["--benchmark_format=json"] + argv[n + 3:],
                               capture_output=True, text=True)
        try:
            for b in json.loads(again.stdout)["benchmarks"]:
                if b.get("error_occurred"):
                    errors.append(f"{b['name']}: {b.get('error_message')}")
        except (json.JSONDecodeError, KeyError):
            pass
        if not errors:
            errors.append(f"{os.path.basename(binary)} failed ({done.returncode}): "
                          f"{done.stderr.strip().splitlines()[-1:]}")
        if not allow_errors:
            raise SystemExit(f"{binary}: benchmarks reported errors:\n  " + "\n  ".join(errors))
        return {}, {}, {}, errors
    data = json.loads(done.stdout)
    medians = {}
    counters = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            errors.append(f"{b['name']}: {b.get('error_message')}")
            continue
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"]
        # Rows measured with UseRealTime (multi-threaded runs, host threads and processes)
        # report wall time per iteration; the others CPU time.
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        medians[name] = (b["real_time"] if "real_time" in name else b["cpu_time"]) * scale  # ns
        counters[name] = {k: v for k, v in b.items() if isinstance(v, (int, float))}
    if errors and not allow_errors:
        raise SystemExit(f"{binary}: benchmarks reported errors:\n  " + "\n  ".join(errors))
    return data["context"], medians, counters, errors


def verdict(ok):
    return "met" if ok else "**not met**"


def fmt_ns(t):
    if t >= 1e6:
        return f"{t / 1e6:.2f} ms"
    if t >= 1e4:
        return f"{t / 1e3:.1f} µs"
    if t >= 100:
        return f"{t:.0f} ns"
    return f"{t:.1f} ns"


def machine_line(context, what):
    return (f"Machine: {context.get('num_cpus')} CPUs at {context.get('mhz_per_cpu')} MHz; "
            f"{what}")
