# SPDX-License-Identifier: MIT
# fuzz/driver/finds-seeded-bug: runs a driver fuzz target (PROGRAM) from an empty corpus for at
# most 120 s and expects it to stop on an input with a finding: a non-zero exit, the outcome's
# report (a `pool-leak` and a replay) on stderr, and the input saved as a crash artifact.
#   cmake -DPROGRAM=<fuzzer> -DWORK_DIR=<dir> -P expect_finding.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus")
execute_process(
  COMMAND "${PROGRAM}" -max_total_time=120 -seed=1 -timeout=10 -artifact_prefix=${WORK_DIR}/
          "${WORK_DIR}/corpus"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "the fuzzer ran 120 s without finding the seeded bug:\n${err}")
endif()
foreach(expected "pool-leak at `h.unload();`" "replay:" "ntemu::Harness h(ntemu::Profile::")
  string(FIND "${err}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the fuzzer stopped (exit ${rc}) without the report's '${expected}':\n${err}")
  endif()
endforeach()
file(GLOB crashes "${WORK_DIR}/crash-*")
if(NOT crashes)
  message(FATAL_ERROR "no crash artifact was written under ${WORK_DIR}:\n${err}")
endif()
string(REGEX MATCH "#[0-9]+" first_exec "${err}")
message(STATUS "found the seeded bug: ${crashes} (${first_exec})")
