# SPDX-License-Identifier: MIT
# Keeps the generated blocks of docs/driver-testing.md in step with the example driver:
#   <!-- generated: demo -->          the output of tracker_demo (PROGRAM)
#   <!-- generated: source FILE -->   the text of examples/driver/FILE
#   <!-- generated: excerpt FILE FROM TO -->
#                                     its lines from the first containing FROM to the next
#                                     containing TO
# each followed by anything up to the next `<!-- end generated -->`. MODE=check fails when a
# block differs (the regenerated document goes to ACTUAL_DIR); MODE=update rewrites DOC.
cmake_minimum_required(VERSION 3.25)

# One block's text for the marker words `words`.
function(driver_block words out)
  string(JOIN " " command ${words})
  list(POP_FRONT words kind)
  if(kind STREQUAL "demo")
    execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE rc OUTPUT_VARIABLE body
                    ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${PROGRAM} exited with ${rc}\n${err}")
    endif()
    set(block "```text\n${body}```\n")
  elseif(kind STREQUAL "source")
    list(POP_FRONT words file)
    file(READ "${SOURCE_DIR}/${file}" body)
    set(block "```c\n${body}```\n")
  elseif(kind STREQUAL "excerpt")
    list(POP_FRONT words file from to)
    file(STRINGS "${SOURCE_DIR}/${file}" lines)
    set(body "")
    set(inside FALSE)
    foreach(line IN LISTS lines)
      if(NOT inside)
        string(FIND "${line}" "${from}" at)
        if(NOT at EQUAL -1)
          set(inside TRUE)
        endif()
      endif()
      if(inside)
        string(APPEND body "${line}\n")
        string(FIND "${line}" "${to}" at)
        if(NOT at EQUAL -1)
          break()
        endif()
      endif()
    endforeach()
    if(body STREQUAL "")
      message(FATAL_ERROR "${DOC}: no '${from}' in ${file}")
    endif()
    set(block "```c\n${body}```\n")
  else()
    message(FATAL_ERROR "${DOC}: unknown generated block '${command}'")
  endif()
  set(${out} "${block}" PARENT_SCOPE)
endfunction()

include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/doc-blocks.cmake")
ntemu_doc_blocks(driver_block regen-driver-doc)
