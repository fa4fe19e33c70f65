# SPDX-License-Identifier: MIT
# Compares the transcript of the scripted kd session SESSION (kd_session.cmake) with EXPECTED
# (MODE=check), or rewrites EXPECTED (MODE=update).
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/kd_session.cmake")

kd_transcript("${SESSION}" out)
if(MODE STREQUAL "update")
  file(WRITE "${EXPECTED}" "${out}")
  message(STATUS "wrote ${EXPECTED}")
  return()
endif()
if(NOT EXISTS "${EXPECTED}")
  message(FATAL_ERROR "missing golden ${EXPECTED}; build the regen-cli-transcripts target, "
                      "inspect the new file and commit it")
endif()
file(READ "${EXPECTED}" expected)
if(NOT out STREQUAL expected)
  get_filename_component(expected_name "${EXPECTED}" NAME)
  file(WRITE "${ACTUAL_DIR}/${expected_name}" "${out}")
  message(FATAL_ERROR "${EXPECTED} is out of date; the session's transcript is now in "
                      "${ACTUAL_DIR}/${expected_name}\n"
                      "If the change is intended, build regen-cli-transcripts, inspect and commit.")
endif()
