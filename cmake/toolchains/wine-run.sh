#!/usr/bin/env bash
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
#   tests whose --test-case filter then matches nothing.
# The exit status is the program's.
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
wine "$@" | sed 's/\r$//'
