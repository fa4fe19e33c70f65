#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the example fuzz target as OSS-Fuzz and ClusterFuzzLite build fuzz targets: with $CC,
# $CXX, $CFLAGS, $CXXFLAGS and $LIB_FUZZING_ENGINE from the environment, into $OUT. ntemu-wdk
# comes from pkg-config (set PKG_CONFIG_PATH to an install's lib/pkgconfig). Defaults make it
# run by hand too:
#   CC=clang-14 CXX=clang++-14 OUT=/tmp/out examples/driver-fuzz/build.sh
#   /tmp/out/fuzz_procwatch -max_total_time=60
set -eu
src=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-clang}
CXX=${CXX:-clang++}
CFLAGS=${CFLAGS:--O1 -g -fsanitize=address,undefined,fuzzer-no-link}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
OUT=${OUT:-.}
mkdir -p "$OUT"
# shellcheck disable=SC2046,SC2086  # the flags are word lists
$CC $CFLAGS $(pkg-config --cflags ntemu-wdk) -c "$src/procwatch.c" -o "$OUT/procwatch.o"
# shellcheck disable=SC2046,SC2086
$CXX $CXXFLAGS -std=c++20 $(pkg-config --cflags ntemu-wdk) -I"$src" \
  -c "$src/fuzz_procwatch.cpp" -o "$OUT/fuzz_procwatch.o"
# shellcheck disable=SC2046,SC2086
$CXX $CXXFLAGS $LIB_FUZZING_ENGINE "$OUT/fuzz_procwatch.o" "$OUT/procwatch.o" \
  $(pkg-config --libs ntemu-wdk) -o "$OUT/fuzz_procwatch"
echo "built $OUT/fuzz_procwatch"
