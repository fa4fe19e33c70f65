# SPDX-License-Identifier: MIT
# Keeps docs/concurrency.md's generated blocks in step with the code. A block is
#   <!-- generated: source FILE -->           the text of examples/concurrent/FILE
#   <!-- generated: explore FILE [ARGS...] --> the output of `ntemu explore FILE ARGS...`, run in
#                                              examples/concurrent (exit 0 or 1 both fine: a
#                                              counterexample is a result)
#   <!-- generated: run --schedule S FILE [ARGS...] --> the output of `ntemu run`, the same way
#   <!-- generated: state-spaces -->          a table of the schedules each example explores
#                                              with and without reduction
# followed by anything, up to the next `<!-- end generated -->` (cmake/doc-blocks.cmake).
cmake_minimum_required(VERSION 3.25)

# The `schedules` of an exploration's summary (or "stopped at N" when it hit the limit).
function(schedules file args out)
  execute_process(COMMAND "${NTEMU}" explore "${file}" ${args} --format jsonl
    WORKING_DIRECTORY "${EXAMPLES_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE body)
  if(NOT rc MATCHES "^[01]$")
    message(FATAL_ERROR "ntemu explore ${file} ${args} exited with ${rc}")
  endif()
  string(FIND "${body}" "{\"seq\"" at REVERSE)
  string(SUBSTRING "${body}" ${at} -1 summary)
  string(JSON n GET "${summary}" schedules)
  string(JSON exhaustive GET "${summary}" exhaustive)
  if(NOT exhaustive)
    set(n "> ${n} (stopped)")
  endif()
  set(${out} "${n}" PARENT_SCOPE)
endfunction()

function(state_spaces out)
  set(table "| Example | kernel | bound | sleep sets | no reduction |\n|---|---|---|---|---|\n")
  file(GLOB examples RELATIVE "${EXAMPLES_DIR}" "${EXAMPLES_DIR}/*.ntemu")
  list(SORT examples)
  foreach(file IN LISTS examples)
    foreach(kernel win2000 xp)
      foreach(bound 1 2 3)
        # Capped, so the check stays quick: a capped search says "stopped".
        set(args --kernel ${kernel} --preemption-bound ${bound} --max-interleavings 5000)
        schedules(${file} "${args}" reduced)
        schedules(${file} "${args};--no-reduction" full)
        string(APPEND table "| ${file} | ${kernel} | ${bound} | ${reduced} | ${full} |\n")
      endforeach()
    endforeach()
  endforeach()
  set(${out} "${table}" PARENT_SCOPE)
endfunction()

function(explore_block words out)
  string(JOIN " " command ${words})
  list(POP_FRONT words kind file)
  if(kind STREQUAL "state-spaces")
    state_spaces(table)
    set(${out} "${table}" PARENT_SCOPE)
    return()
  elseif(kind STREQUAL "source")
    file(READ "${EXAMPLES_DIR}/${file}" body)
  elseif(kind STREQUAL "run")
    # `run --schedule S FILE ARGS...`: here `file` holds "--schedule".
    execute_process(COMMAND "${NTEMU}" run "${file}" ${words}
      WORKING_DIRECTORY "${EXAMPLES_DIR}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE body ERROR_VARIABLE err)
    if(NOT rc MATCHES "^[01]$")
      message(FATAL_ERROR "ntemu run ${file} ${words} exited with ${rc}\n${err}")
    endif()
  elseif(kind STREQUAL "explore")
    execute_process(COMMAND "${NTEMU}" explore "${file}" ${words}
      WORKING_DIRECTORY "${EXAMPLES_DIR}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE body ERROR_VARIABLE err)
    if(NOT rc MATCHES "^[01]$")
      message(FATAL_ERROR "ntemu explore ${file} exited with ${rc}\n${err}")
    endif()
  else()
    message(FATAL_ERROR "${DOC}: unknown generated block '${command}'")
  endif()
  set(${out} "```\n${body}```\n" PARENT_SCOPE)
endfunction()

include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/doc-blocks.cmake")
ntemu_doc_blocks(explore_block regen-explore-transcripts)
