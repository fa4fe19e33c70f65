# SPDX-License-Identifier: MIT
# Runs each of FILES ('|'-separated) twice per format and architecture and requires
# byte-identical output (no addresses, clocks or unordered iteration may leak into it).
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" files "${FILES}")
foreach(file IN LISTS files)
  foreach(format text jsonl)
    foreach(arch x86 x64)
      foreach(attempt 1 2)
        execute_process(COMMAND "${NTEMU}" run "${file}" --format ${format} --arch ${arch}
          RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
        if(NOT rc EQUAL 0)
          message(FATAL_ERROR "${file} (${format}, ${arch}) exited with ${rc}\n${err}")
        endif()
        set(out_${attempt} "${out}")
      endforeach()
      if(NOT out_1 STREQUAL out_2)
        message(FATAL_ERROR "${file} (${format}, ${arch}): two runs differ")
      endif()
    endforeach()
  endforeach()
endforeach()
