# SPDX-License-Identifier: MIT
# Checks one `ntemu run SCENARIO --format html` page in headless Chromium (CHROMIUM). The page
# is copied with two scripts added: at the top of <head>, a recorder of console errors and
# uncaught exceptions (so it sees the page's own script fail); before </body>, probe.js, which
# drives the page as a reader would and writes its verdict into the document. Chromium dumps
# the document after the scripts ran (--dump-dom); the verdict must be PASS. The expected count
# of timeline entries is the number of jsonl events of the same run.
cmake_minimum_required(VERSION 3.25)
if(NOT CHROMIUM)
  # The test's SKIP_REGULAR_EXPRESSION matches this line (cmake_language(EXIT), which would
  # give an exit code, needs CMake 3.29; Debian 12 has 3.25).
  message(STATUS "Chromium not found: the HTML report is not checked in a browser")
  return()
endif()
file(MAKE_DIRECTORY "${OUT_DIR}")
get_filename_component(dir "${SCENARIO}" DIRECTORY)
get_filename_component(name "${SCENARIO}" NAME)
foreach(format jsonl html)
  execute_process(COMMAND "${NTEMU}" run "${name}" --format ${format}
    WORKING_DIRECTORY "${dir}" RESULT_VARIABLE rc OUTPUT_VARIABLE out_${format} ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ntemu run ${name} --format ${format} exited with ${rc}\n${err}")
  endif()
endforeach()
string(REGEX MATCHALL "\n" newlines "${out_jsonl}")
list(LENGTH newlines events)

file(READ "${PROBE}" probe)
set(recorder "<script>window.__probeErrors = [];\n(function () {\n  const original = console.error;\n  console.error = function () {\n    window.__probeErrors.push(Array.from(arguments).join(' '));\n    original.apply(console, arguments);\n  };\n  window.addEventListener('error', function (e) { window.__probeErrors.push(String(e.message)); });\n})();</script>\n")
set(page "${out_html}")
string(FIND "${page}" "<head>\n" head)
string(FIND "${page}" "</body>" body REVERSE)
if(head EQUAL -1 OR body EQUAL -1)
  message(FATAL_ERROR "${name}: the page has no <head> or no </body>")
endif()
string(REPLACE "<head>\n" "<head>\n${recorder}" page "${page}")
string(REPLACE "</body>" "<script>const EXPECTED_EVENTS = ${events};\n${probe}</script>\n</body>" page "${page}")
file(WRITE "${OUT_DIR}/probe.html" "${page}")

# A profile of its own in the build tree: nothing of the user's is read or written. --no-sandbox:
# CI runs as root, where Chromium's sandbox refuses to start; the page is our own local file.
execute_process(COMMAND "${CHROMIUM}" --headless --no-sandbox --disable-gpu --no-first-run
          --disable-extensions --user-data-dir=${OUT_DIR}/profile --dump-dom
          "file://${OUT_DIR}/probe.html"
  RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE err TIMEOUT 90)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CHROMIUM} exited with ${rc}\n${err}")
endif()
file(WRITE "${OUT_DIR}/dom.html" "${dom}")
string(REGEX MATCH "data-probe=\"([^\"]*)\"" verdict "${dom}")
if(NOT verdict)
  message(FATAL_ERROR "${name}: the probe wrote no verdict (the page's DOM is in ${OUT_DIR}/dom.html)")
endif()
string(REPLACE "&quot;" "\"" detail "${CMAKE_MATCH_1}")
string(REPLACE "&amp;" "&" detail "${detail}")
if(NOT detail MATCHES "^PASS")
  message(FATAL_ERROR "${name}: ${detail}")
endif()
message(STATUS "${name}: ${detail}")
