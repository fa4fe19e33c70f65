# Runs a benchmark binary briefly and checks that it reports the model and the baseline.
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND "${PROGRAM}" --benchmark_min_time=0.001
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed (${rc}): ${err}")
endif()
foreach(name "HandleTable/" "Baseline/")
  string(FIND "${out}" "${name}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "benchmark output lacks ${name} rows:\n${out}")
  endif()
endforeach()
