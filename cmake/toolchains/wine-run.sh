#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The MinGW toolchain's CMAKE_CROSSCOMPILING_EMULATOR: runs a Windows program under wine.
#
#   wine-run.sh PREFIX PROGRAM.exe [ARGS...]
#
# - PREFIX is a throwaway WINEPREFIX (the toolchain puts it in the build tree). Its first use
#   boots it (wineboot) once, under a lock, so that the first programs run in parallel (doctest
#   discovery in a -j build, ctest -j) neither race on it nor each boot it;
# - WINEDEBUG=-all: wine's own diagnostics would mix into the program's output;
# - the program's CR LF line ends become LF on stdout: a Windows program's text-mode stdout
#   writes CR LF, and doctest_discover_tests would read every test name with a CR, registering
#   tests whose --test-case filter then matches nothing;
# - one wineserver serves the runs, lingering 60 s after the last one: Debian's wineserver
#   script starts every server with -p0, which exits the moment its last program does, and a
#   program that starts just then fails with "wine client error: ... Connection reset by peer"
#   (or prints nothing at all). Two quickstart runs each lost one test so;
# - should one start fail so all the same (a run that fails having printed nothing at all, or
#   with that wine client error: every program run here prints something when it fails), it
#   is said on stderr and run once more.
# The exit status is the program's. Output is passed on when the program ends.
set -euo pipefail
prefix=$1
shift
export WINEPREFIX="$prefix" WINEDEBUG=-all
if [ ! -e "$prefix.ready" ]; then
  mkdir -p "$(dirname "$prefix")"
  (
    flock 9
    if [ ! -e "$prefix.ready" ]; then
      rm -rf "$prefix"
      wineboot --init >/dev/null 2>&1
      wineserver --wait
      touch "$prefix.ready"
    fi
  ) 9>"$prefix.lock"
fi
wineserver -p60 >/dev/null 2>&1 || true  # exits at once when a server already runs
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
for attempt in 1 2; do
  rc=0
  wine "$@" >"$out" 2>"$err" || rc=$?
  if [ "$rc" -eq 0 ] || [ "$attempt" -eq 2 ]; then break; fi
  if ! { [ ! -s "$out" ] && [ ! -s "$err" ]; } && ! grep -q '^wine client error:' "$err"; then
    break
  fi
  echo "wine-run.sh: $1 exited with status $rc, wine failing to start it; running it once more" >&2
done
sed 's/\r$//' "$out"
cat "$err" >&2
exit "$rc"
