# SPDX-License-Identifier: MIT
# Runs PROGRAM and compares its output with TRANSCRIPT (MODE=check), or rewrites TRANSCRIPT from
# it (MODE=update). Used by the example tests and the regen-transcripts target.
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}\n${err}")
endif()
if(MODE STREQUAL "update")
  file(WRITE "${TRANSCRIPT}" "${out}")
  message(STATUS "wrote ${TRANSCRIPT}")
  return()
endif()
if(NOT EXISTS "${TRANSCRIPT}")
  message(FATAL_ERROR "missing transcript ${TRANSCRIPT}; build the regen-transcripts target")
endif()
file(READ "${TRANSCRIPT}" expected)
if(NOT out STREQUAL expected)
  file(WRITE "${TRANSCRIPT}.actual" "${out}")
  message(FATAL_ERROR "${TRANSCRIPT} is out of date: the program now prints ${TRANSCRIPT}.actual\n"
                      "If the change is intended, build the regen-transcripts target and commit.")
endif()
