# SPDX-License-Identifier: MIT
# Draws the layer graph (TOOL SOURCE_DIR) and renders it with Graphviz (DOT), then compares both
# with docs/architecture/layers.{dot,svg} (MODE=check) or rewrites them (MODE=update). Without
# Graphviz only the graph is checked, and the test reports itself skipped (77) for the picture.
cmake_minimum_required(VERSION 3.25)
set(doc_dir "${SOURCE_DIR}/docs/architecture")
execute_process(COMMAND "${TOOL}" "${SOURCE_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE graph
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ntemu_layers failed (${rc}): ${err}")
endif()
set(svg "")
if(DOT)
  file(WRITE "${OUT_DIR}/layers.dot" "${graph}")
  execute_process(COMMAND "${DOT}" -Tsvg "${OUT_DIR}/layers.dot" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE svg ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dot failed (${rc}): ${err}")
  endif()
endif()
if(MODE STREQUAL "update")
  file(WRITE "${doc_dir}/layers.dot" "${graph}")
  if(DOT)
    file(WRITE "${doc_dir}/layers.svg" "${svg}")
  endif()
  message(STATUS "wrote ${doc_dir}/layers.dot and, with Graphviz, layers.svg")
  return()
endif()
file(READ "${doc_dir}/layers.dot" committed)
if(NOT graph STREQUAL committed)
  file(WRITE "${OUT_DIR}/layers.dot.actual" "${graph}")
  message(FATAL_ERROR "docs/architecture/layers.dot is out of date (the code now draws "
                      "${OUT_DIR}/layers.dot.actual). Build the regen-architecture target and commit.")
endif()
if(NOT DOT)
  message(STATUS "Graphviz (dot) not found: the rendering docs/architecture/layers.svg is not checked")
  cmake_language(EXIT 77)
endif()
file(READ "${doc_dir}/layers.svg" committed_svg)
if(NOT svg STREQUAL committed_svg)
  file(WRITE "${OUT_DIR}/layers.svg.actual" "${svg}")
  message(FATAL_ERROR "docs/architecture/layers.svg is out of date. Build the regen-architecture "
                      "target and commit.")
endif()
