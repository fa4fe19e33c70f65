#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the `fuzz` preset and runs each libFuzzer harness for SECONDS (docs/robustness.md).
#
#   tests/fuzz/run.sh SECONDS [FUZZER...]     FUZZER: scenario, api (default: both)
#
# Each fuzzer starts from a fresh temporary corpus seeded with examples/scenarios/,
# tests/cli/scenarios/ (and tests/fuzz/corpus/api/ for the API fuzzer), runs with one worker,
# -max_total_time=SECONDS -timeout=5 -rss_limit_mb=2048, shows libFuzzer's progress lines, and
# ends with one summary line:
#   fuzz: scenario: PASS 123456 execs in 60 s (2057/s), cov 5460, ft 15196, corpus 321
# The script fails if any fuzzer reports a crash, a leak, a timeout, an out-of-memory or a
# sanitizer error (its reproducer is kept under $NTEMU_FUZZ_ARTIFACTS, default
# build/fuzz-artifacts/). Environment: NTEMU_FUZZ_BUILD_DIR (default build/fuzz, the preset's
# directory), NTEMU_FUZZ_NO_BUILD=1 to use an existing build, NTEMU_FUZZ_JOBS (build jobs, 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [scenario|api]..." >&2
  exit 2
fi
seconds=$1
shift
fuzzers=("$@")
[ ${#fuzzers[@]} -gt 0 ] || fuzzers=(scenario api)

build_dir=${NTEMU_FUZZ_BUILD_DIR:-$root/build/fuzz}
artifacts=${NTEMU_FUZZ_ARTIFACTS:-$root/build/fuzz-artifacts}
mkdir -p "$artifacts"

if [ "${NTEMU_FUZZ_NO_BUILD:-0}" != 1 ]; then
  echo "fuzz: building the fuzz preset in $build_dir"
  cmake --preset fuzz -B "$build_dir" >/dev/null
  cmake --build "$build_dir" -j "${NTEMU_FUZZ_JOBS:-2}" --target ntemu_fuzz_scenario ntemu_fuzz_api
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

for name in "${fuzzers[@]}"; do
  bin=$build_dir/tests/fuzz/ntemu_fuzz_$name
  if [ ! -x "$bin" ]; then
    echo "fuzz: $name: FAIL no binary $bin" >&2
    status=1
    continue
  fi
  corpus=$work/$name
  mkdir -p "$corpus"
  cp examples/scenarios/*.ntemu tests/cli/scenarios/*.ntemu "$corpus"/
  [ "$name" != api ] || cp tests/fuzz/corpus/api/* "$corpus"/
  log=$work/$name.log
  echo "== fuzz: $name for ${seconds}s (corpus $(ls "$corpus" | wc -l) seeds) =="
  # libFuzzer writes its progress on stderr; show the progress lines as they come.
  set +e
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$corpus" 2>&1 |
    tee "$log" | grep --line-buffered -E '^#[0-9]+.*(INITED|pulse|DONE|RELOAD)|ERROR|invariant'
  statuses=("${PIPESTATUS[@]}")
  set -e
  rc=${statuses[0]}
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
  secs=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)
  secs=${secs:-$seconds}
  rate=$((${execs:-0} / (secs > 0 ? secs : 1)))
  if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:|invariant violated' "$log"; then
    echo "fuzz: $name: FAIL (exit $rc) after ${execs:-?} execs; reproducer in $artifacts/"
    grep -E 'ERROR|runtime error|invariant violated|Test unit written' "$log" | head -5 || true
    status=1
  else
    echo "fuzz: $name: PASS ${execs:-0} execs in ${secs} s (${rate}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
  fi
done
exit $status
