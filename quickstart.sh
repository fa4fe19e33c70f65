#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ntemu quickstart: installs what is missing (Debian 12, as root), builds, and runs.
#
#   ./quickstart.sh demo   build (release) and run the main demo: the thought experiment of
#                          the founding article (examples/scenarios/zero-pid.ntemu)
#   ./quickstart.sh test   build and run every test: dev (GCC, -Werror), asan-ubsan, tsan
#                          (concurrency tests), the clang -Wthread-safety build, clang-libcxx
#                          (clang-14 + libc++, every test), mingw (the Windows x64 cross
#                          build's unit, CLI and concurrency tests under wine), the fuzzers
#                          (60 s each; the driver fuzz targets: a correct driver stays clean,
#                          a seeded bug is found), and the release build running the demo
#
# .ci/run calls "./quickstart.sh test", so CI proves exactly what the README tells users.
set -euo pipefail
cd "$(dirname "$0")"

packages=(cmake ninja-build g++ pkg-config libboost-dev libfmt-dev doctest-dev libbenchmark-dev clang graphviz tmux)

install_missing() {  # installs what is missing of ${packages[@]}
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "quickstart: installing ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# The browser test (tests/browser: the HTML report in headless Chromium) runs with every test, so
# the stages that run every test (dev, asan-ubsan, clang-libcxx) install Chromium first.
browser_packages=(chromium)

jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0

build() {  # build PRESET [cmake --build args...]
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs" "$@"
}

# Each stage's wall time, printed as it ends and again at the end: CI gives the whole run 90
# minutes, and this says where they went.
stage_name=""
stage_start=$SECONDS
stage_times=()
stage() {  # stage NAME TITLE: ends the stage running, if any, and starts the next
  end_stage
  stage_name=$1
  stage_start=$SECONDS
  echo "== $1: $2 =="
}
end_stage() {
  [ -n "$stage_name" ] || return 0
  local took=$((SECONDS - stage_start))
  stage_times+=("$stage_name $((took / 60))m$((took % 60))s")
  echo "quickstart: $stage_name took $((took / 60))m$((took % 60))s (run so far: $((SECONDS / 60))m)"
  stage_name=""
}

run_tests() {  # run_tests PRESET [ctest args...]
  local preset=$1 log rc=0
  shift
  log=$(mktemp)
  ctest --preset "$preset" "$@" 2>&1 | tee "$log" || rc=$?
  # "100% tests passed, 0 tests failed out of 48"
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "quickstart: ctest ($preset) reported no result" >&2
    failed=$((failed + 1))
    return 0
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  [ "$rc" -eq 0 ] || echo "quickstart: ctest ($preset) failed" >&2
}

install_stage_packages() {  # install_stage_packages PACKAGE...: one stage's own packages
  local saved=("${packages[@]}")
  packages=("$@")
  install_missing
  packages=("${saved[@]}")
}

# clang-libcxx stage: clang-14 with libc++ (fmt header-only); every test.
libcxx_packages=(clang-14 libc++-14-dev libc++abi-14-dev)
# mingw stage: the MinGW-w64 cross build for Windows x64 (cmake/toolchains/), its unit, CLI
# (in-process) and concurrency tests run under wine in a throwaway prefix of the build tree.
mingw_packages=(mingw-w64 wine wine64)

# Fuzz stage (tests/fuzz, docs/robustness.md): builds the `fuzz` preset (clang-14, libFuzzer,
# ASan + UBSan) and runs each fuzzer for 60 s; one pass or one failure per fuzzer.
fuzz_packages=(clang-14 libclang-rt-14-dev)
run_fuzz_stage() {
  local f
  install_stage_packages "${fuzz_packages[@]}"
  for f in scenario api; do
    if tests/fuzz/run.sh 60 "$f"; then
      passed=$((passed + 1))
    else
      echo "quickstart: fuzzer $f failed" >&2
      failed=$((failed + 1))
    fi
  done
  # The driver fuzz targets (ntemu/fuzz_target.hpp): the correct tracker over 3,000 inputs, and
  # the fuzzing example, whose seeded bug must be found and reported with a replay.
  cmake --build build/fuzz -j "$jobs" --target ntemu_fuzz_tracker ntemu_fuzz_procwatch
  run_tests fuzz -R '^fuzz/(smoke/tracker|driver/)'
}

run_demo() {
  ./build/release/emu/cli/ntemu run examples/scenarios/zero-pid.ntemu
}

case "${1:-}" in
  demo)
    install_missing
    build release --target ntemu_cli
    run_demo
    ;;
  test)
    install_missing
    stage dev "GCC, warnings as errors: every test"
    install_stage_packages "${browser_packages[@]}"
    build dev
    run_tests dev
    stage asan-ubsan "every test under AddressSanitizer + UBSan"
    build asan-ubsan
    run_tests asan-ubsan
    stage tsan "the concurrency tests under ThreadSanitizer"
    build tsan
    run_tests tsan
    stage thread-safety "clang -Wthread-safety build, unit tests"
    build thread-safety
    run_tests thread-safety -L unit
    stage clang-libcxx "clang-14 with libc++, every test"
    install_stage_packages "${libcxx_packages[@]}"
    build clang-libcxx
    run_tests clang-libcxx
    stage mingw "Windows x64 cross build (MinGW-w64), unit, CLI and concurrency tests under wine"
    install_stage_packages "${mingw_packages[@]}"
    build mingw
    run_tests mingw
    stage fuzz "the libFuzzer harnesses, 60 s each (scenario parser/runner, API sequences)"
    run_fuzz_stage
    stage release "the demo command's build and run"
    build release --target ntemu_cli
    if run_demo >/dev/null; then
      passed=$((passed + 1))
    else
      echo "quickstart: the demo failed" >&2
      failed=$((failed + 1))
    fi
    end_stage
    echo "quickstart: stage times: ${stage_times[*]/%/,} total $((SECONDS / 60))m$((SECONDS % 60))s"
    echo "quickstart: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
