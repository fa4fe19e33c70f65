# SPDX-License-Identifier: MIT
# Runs `ntemu run SCENARIO --format FORMAT` in the scenario's directory (so file names in the
# output are relative) and compares standard output with EXPECTED (MODE=check), or rewrites
# EXPECTED (MODE=update). The text golden also holds standard error, after a "--- stderr ---"
# line, when there is any. The scenario may declare, in comment lines of its own:
#   # exit: N          the exit status it must end with (default 0)
#   # args: ARGS...    more command-line arguments (e.g. --arch x64)
# With -DKERNEL=VERSION the scenario runs with --kernel VERSION instead, its `# exit:` line does
# not apply, and a non-zero exit status is recorded in the golden ("--- exit N ---"): the same
# scenario on every version, with whatever differs between them in the file.
cmake_minimum_required(VERSION 3.25)

get_filename_component(dir "${SCENARIO}" DIRECTORY)
get_filename_component(name "${SCENARIO}" NAME)

set(want_rc 0)
file(STRINGS "${SCENARIO}" exit_lines REGEX "^# exit: [0-9]+")
if(exit_lines)
  list(GET exit_lines 0 first)
  string(REGEX REPLACE "^# exit: ([0-9]+).*$" "\\1" want_rc "${first}")
endif()
set(extra "")
file(STRINGS "${SCENARIO}" args_lines REGEX "^# args: ")
if(args_lines)
  list(GET args_lines 0 first)
  string(REGEX REPLACE "^# args: " "" first "${first}")
  separate_arguments(extra UNIX_COMMAND "${first}")
endif()

if(KERNEL)
  set(extra --kernel ${KERNEL})
endif()
execute_process(COMMAND "${NTEMU}" run "${name}" --format "${FORMAT}" ${extra}
  WORKING_DIRECTORY "${dir}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(FORMAT STREQUAL "text" AND NOT err STREQUAL "")
  string(APPEND out "--- stderr ---\n${err}")
endif()
if(KERNEL)
  if(NOT rc EQUAL 0)
    string(APPEND out "--- exit ${rc} ---\n")
  endif()
  if(NOT rc MATCHES "^[01]$")
    message(FATAL_ERROR "${name} --kernel ${KERNEL}: ntemu exited with ${rc}\n${out}")
  endif()
elseif(NOT rc EQUAL want_rc)
  message(FATAL_ERROR "${name}: ntemu exited with ${rc}, the scenario declares ${want_rc}\n"
                      "stdout:\n${out}\nstderr:\n${err}")
endif()

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
  message(FATAL_ERROR "${EXPECTED} is out of date; the output is now in "
                      "${ACTUAL_DIR}/${expected_name}\n"
                      "If the change is intended, build regen-cli-transcripts, inspect and commit.")
endif()
