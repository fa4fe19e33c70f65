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
#                          (60 s each), and the release build running the demo
#
# .ci/run calls "./quickstart.sh test", so CI proves exactly what the README tells users.
set -euo pipefail
cd "$(dirname "$0")"

packages=(cmake ninja-build g++ pkg-config libboost-dev libfmt-dev doctest-dev libbenchmark-dev clang graphviz)

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

jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0

build() {  # build PRESET
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" -j "$jobs"
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
}

run_demo() {
  ./build/release/emu/cli/ntemu run examples/scenarios/zero-pid.ntemu
}

case "${1:-}" in
  demo)
    install_missing
    build release
    run_demo
    ;;
  test)
    install_missing
    echo "== dev (GCC, warnings as errors): every test =="
    build dev
    run_tests dev
    echo "== asan-ubsan: every test under AddressSanitizer + UBSan =="
    build asan-ubsan
    run_tests asan-ubsan
    echo "== tsan: the concurrency tests under ThreadSanitizer =="
    build tsan
    run_tests tsan
    echo "== thread-safety: clang -Wthread-safety build, unit tests =="
    build thread-safety
    run_tests thread-safety -L unit
    echo "== clang-libcxx: clang-14 with libc++, every test =="
    install_stage_packages "${libcxx_packages[@]}"
    build clang-libcxx
    run_tests clang-libcxx
    echo "== mingw: Windows x64 cross build (MinGW-w64), unit, CLI and concurrency tests under wine =="
    install_stage_packages "${mingw_packages[@]}"
    build mingw
    run_tests mingw
    echo "== fuzz: the libFuzzer harnesses, 60 s each (scenario parser/runner, API sequences) =="
    run_fuzz_stage
    echo "== release: the demo command's build and run =="
    build release
    if run_demo >/dev/null; then
      passed=$((passed + 1))
    else
      echo "quickstart: the demo failed" >&2
      failed=$((failed + 1))
    fi
    echo "quickstart: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
