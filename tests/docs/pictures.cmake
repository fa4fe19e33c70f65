# SPDX-License-Identifier: MIT
# The pictures of the demo (examples/scenarios/zero-pid.ntemu) that docs/ and the README show,
# drawn by the code into docs/pictures/:
#   zero-pid.html  `ntemu run --format html`: the self-contained report
#   zero-pid.dot   `ntemu run --format dot`: the state at the end of the run
#   zero-pid.svg   that graph rendered by Graphviz (DOT)
#   zero-pid.png   a screenshot of the report in headless Chromium (CHROMIUM), for the README
# MODE=check fails when the report, the graph or (with Graphviz) its rendering differs from what
# the code draws now; MODE=update rewrites them. The screenshot is only rewritten (MODE=update,
# with Chromium): a browser's rendering depends on its fonts and version, so it is not compared
# byte for byte — the page it shows is. Without Graphviz the SVG is not checked and the test
# reports itself skipped (77).
cmake_minimum_required(VERSION 3.25)
set(pictures "${SOURCE_DIR}/docs/pictures")
set(examples "${SOURCE_DIR}/examples/scenarios")
file(MAKE_DIRECTORY "${OUT_DIR}")

set(drawn "")
foreach(format html dot)
  execute_process(COMMAND "${NTEMU}" run zero-pid.ntemu --format ${format}
    WORKING_DIRECTORY "${examples}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ntemu run zero-pid.ntemu --format ${format} exited with ${rc}\n${err}")
  endif()
  set(picture_${format} "${out}")
  list(APPEND drawn ${format})
endforeach()
if(DOT)
  file(WRITE "${OUT_DIR}/zero-pid.dot" "${picture_dot}")
  execute_process(COMMAND "${DOT}" -Tsvg "${OUT_DIR}/zero-pid.dot" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE picture_svg ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dot failed (${rc}): ${err}")
  endif()
  list(APPEND drawn svg)
endif()

if(MODE STREQUAL "update")
  file(MAKE_DIRECTORY "${pictures}")
  foreach(kind IN LISTS drawn)
    file(WRITE "${pictures}/zero-pid.${kind}" "${picture_${kind}}")
  endforeach()
  if(CHROMIUM)
    execute_process(COMMAND "${CHROMIUM}" --headless --no-sandbox --disable-gpu --no-first-run
              --hide-scrollbars --user-data-dir=${OUT_DIR}/profile --window-size=1400,900
              --screenshot=${pictures}/zero-pid.png "file://${pictures}/zero-pid.html"
      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 90)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${CHROMIUM} --screenshot exited with ${rc}\n${err}")
    endif()
    list(APPEND drawn png)
  endif()
  message(STATUS "wrote docs/pictures/zero-pid.{${drawn}}")
  return()
endif()

foreach(kind IN LISTS drawn)
  set(committed "")
  if(EXISTS "${pictures}/zero-pid.${kind}")
    file(READ "${pictures}/zero-pid.${kind}" committed)
  endif()
  if(NOT committed STREQUAL picture_${kind})
    file(WRITE "${OUT_DIR}/zero-pid.${kind}.actual" "${picture_${kind}}")
    message(FATAL_ERROR "docs/pictures/zero-pid.${kind} is out of date (the code now draws "
                        "${OUT_DIR}/zero-pid.${kind}.actual). Build the regen-pictures target, "
                        "inspect and commit.")
  endif()
endforeach()
if(NOT EXISTS "${pictures}/zero-pid.png")
  message(FATAL_ERROR "docs/pictures/zero-pid.png is missing: build regen-pictures with Chromium")
endif()
if(NOT DOT)
  message(STATUS "Graphviz (dot) not found: docs/pictures/zero-pid.svg is not checked")
  cmake_language(EXIT 77)
endif()
