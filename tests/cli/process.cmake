# SPDX-License-Identifier: MIT
# Runs NTEMU with ARGS ('|'-separated) in the working directory, STDIN (a file) as standard
# input if given, and checks: the exit status RC; STDOUT and STDERR regexes (if given) match;
# NO_STDOUT (if given) does not match standard output; standard error is empty if EMPTY_STDERR.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" args "${ARGS}")
set(input "")
if(STDIN)
  set(input INPUT_FILE "${STDIN}")
endif()
execute_process(COMMAND "${NTEMU}" ${args} ${input}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(report "exit status ${rc}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
if(NOT rc EQUAL RC)
  message(FATAL_ERROR "expected exit status ${RC}\n${report}")
endif()
if(NOT STDOUT STREQUAL "" AND NOT out MATCHES "${STDOUT}")
  message(FATAL_ERROR "standard output does not match '${STDOUT}'\n${report}")
endif()
if(NOT STDERR STREQUAL "" AND NOT err MATCHES "${STDERR}")
  message(FATAL_ERROR "standard error does not match '${STDERR}'\n${report}")
endif()
if(NOT NO_STDOUT STREQUAL "" AND out MATCHES "${NO_STDOUT}")
  message(FATAL_ERROR "standard output matches '${NO_STDOUT}', it must not\n${report}")
endif()
if(EMPTY_STDERR AND NOT err STREQUAL "")
  message(FATAL_ERROR "standard error is not empty\n${report}")
endif()
