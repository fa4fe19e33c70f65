# SPDX-License-Identifier: MIT
# Runs a benchmark binary briefly and checks that it reports the model and the baseline, and
# that no benchmark reported an error (a failing kernel call, a wrong notify count).
#   -DPROGRAM=binary  -DEXPECT=Prefix/,Baseline/ (comma-separated; default HandleTable/,Baseline/)
#   -DFILTER=regex    optional --benchmark_filter
cmake_minimum_required(VERSION 3.25)
if(NOT DEFINED EXPECT)
  set(EXPECT "HandleTable/,Baseline/")
endif()
string(REPLACE "," ";" EXPECT "${EXPECT}")
set(args --benchmark_min_time=0.001)
if(DEFINED FILTER)
  list(APPEND args "--benchmark_filter=${FILTER}")
endif()
execute_process(COMMAND "${PROGRAM}" ${args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed (${rc}): ${err}")
endif()
foreach(name IN LISTS EXPECT)
  string(FIND "${out}" "${name}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "benchmark output lacks ${name} rows:\n${out}")
  endif()
endforeach()
string(FIND "${out}" "ERROR OCCURRED" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "a benchmark reported an error:\n${out}")
endif()
