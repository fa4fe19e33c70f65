# SPDX-License-Identifier: MIT
# run(COMMAND...): runs a step of a consumer test, failing with its output if it fails; the
# output is left in LAST_OUTPUT. Included by run-consumer.cmake and wdk_c/run.cmake.
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()
