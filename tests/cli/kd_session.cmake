# SPDX-License-Identifier: MIT
# kd_transcript(SESSION OUT): the transcript of a scripted `ntemu kd` session. SESSION is a .kd
# file of commands typed at the prompt, over the scenario a "# scenario: PATH" line in it names
# (relative to the .kd file's directory), else over the .ntemu file of the same name beside it;
# a "# args: ARGS..." line adds command-line arguments (--kernel xp). Both lines are comments at
# the prompt too. The session runs in the scenario's directory (file names in the output are
# relative). The transcript is standard output, then standard error after a "--- stderr ---"
# line if there is any, then "--- exit N ---" if the status is not 0. Used by kd_golden.cmake
# and doc_blocks.cmake. NTEMU must be set.
function(kd_transcript session out)
  get_filename_component(session_dir "${session}" DIRECTORY)
  get_filename_component(session_name "${session}" NAME_WE)
  set(scenario "${session_dir}/${session_name}.ntemu")
  file(STRINGS "${session}" scenario_lines REGEX "^# scenario: ")
  if(scenario_lines)
    list(GET scenario_lines 0 first)
    string(REGEX REPLACE "^# scenario: " "" first "${first}")
    get_filename_component(scenario "${first}" ABSOLUTE BASE_DIR "${session_dir}")
  endif()
  set(extra "")
  file(STRINGS "${session}" args_lines REGEX "^# args: ")
  if(args_lines)
    list(GET args_lines 0 first)
    string(REGEX REPLACE "^# args: " "" first "${first}")
    separate_arguments(extra UNIX_COMMAND "${first}")
  endif()
  get_filename_component(dir "${scenario}" DIRECTORY)
  get_filename_component(name "${scenario}" NAME)
  execute_process(COMMAND "${NTEMU}" kd "${name}" ${extra}
    WORKING_DIRECTORY "${dir}" INPUT_FILE "${session}" TIMEOUT 60
    RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err)
  if(NOT rc MATCHES "^[0-9]+$")
    message(FATAL_ERROR "${session}: ntemu kd did not exit normally: ${rc}\n${text}\n${err}")
  endif()
  if(NOT err STREQUAL "")
    string(APPEND text "--- stderr ---\n${err}")
  endif()
  if(NOT rc EQUAL 0)
    string(APPEND text "--- exit ${rc} ---\n")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
