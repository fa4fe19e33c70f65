# SPDX-License-Identifier: MIT
# Keeps the generated blocks of a Markdown document in step with the code. A block is
#   <!-- generated: source FILE -->          the text of examples/scenarios/FILE
#   <!-- generated: run FILE [ARGS...] -->   the output of `ntemu run FILE ARGS...`, run in
#                                            examples/scenarios
#   <!-- generated: notify-table FILE [ARGS...] -->
#                                            a Markdown table of the notify routine calls of
#                                            that run (from its jsonl output), one per row
# followed by anything, up to the next `<!-- end generated -->`. MODE=check fails when a block
# differs from what the code produces now (the regenerated document goes to ACTUAL_DIR);
# MODE=update rewrites the document.
cmake_minimum_required(VERSION 3.25)

# "0x1c" -> "001c": the Cid form of the text output.
function(cid_part value out)
  math(EXPR hex "${value}" OUTPUT_FORMAT HEXADECIMAL)
  string(SUBSTRING "${hex}" 2 -1 digits)
  string(LENGTH "${digits}" length)
  while(length LESS 4)
    string(PREPEND digits "0")
    math(EXPR length "${length} + 1")
  endwhile()
  set(${out} "${digits}" PARENT_SCOPE)
endfunction()

# The notify events of a jsonl run as table rows, each under the statement that caused it.
function(notify_table jsonl out)
  set(table "| Line | Statement | Routine | Arguments | On thread (Cid) |\n")
  string(APPEND table "|---|---|---|---|---|\n")
  # Semicolons would split the list of lines: park them, restore them in the table.
  string(REPLACE ";" "<semicolon>" jsonl "${jsonl}")
  string(REPLACE "\n" ";" lines "${jsonl}")
  set(line_number "")
  set(source "")
  foreach(json IN LISTS lines)
    if(json STREQUAL "")
      continue()
    endif()
    string(JSON event GET "${json}" event)
    if(event STREQUAL "statement")
      string(JSON line_number GET "${json}" line)
      string(JSON source GET "${json}" source)
      string(REPLACE "|" "\\|" source "${source}")
    elseif(event STREQUAL "notify")
      string(JSON kind GET "${json}" kind)
      string(JSON symbol GET "${json}" symbol)
      string(JSON create GET "${json}" create)
      string(JSON pid GET "${json}" pid)
      string(JSON context_pid GET "${json}" context_pid)
      string(JSON context_tid GET "${json}" context_tid)
      math(EXPR pid "${pid}" OUTPUT_FORMAT HEXADECIMAL)
      if(create STREQUAL "ON" OR create STREQUAL "true")
        set(create "TRUE")
      else()
        set(create "FALSE")
      endif()
      if(kind STREQUAL "process")
        string(JSON parent GET "${json}" parent)
        math(EXPR parent "${parent}" OUTPUT_FORMAT HEXADECIMAL)
        set(arguments "ParentId ${parent}, ProcessId ${pid}, Create ${create}")
      else()
        string(JSON tid GET "${json}" tid)
        math(EXPR tid "${tid}" OUTPUT_FORMAT HEXADECIMAL)
        set(arguments "ProcessId ${pid}, ThreadId ${tid}, Create ${create}")
      endif()
      cid_part(${context_pid} cp)
      cid_part(${context_tid} ct)
      string(APPEND table
             "| ${line_number} | `${source}` | `${symbol}` | ${arguments} | ${cp}.${ct} |\n")
    endif()
  endforeach()
  string(REPLACE "<semicolon>" ";" table "${table}")
  set(${out} "${table}" PARENT_SCOPE)
endfunction()

# One block's text for the marker words `words`.
function(cli_block words out)
  string(JOIN " " command ${words})
  list(POP_FRONT words kind file)
  if(kind STREQUAL "source")
    file(READ "${EXAMPLES_DIR}/${file}" body)
    set(block "```\n${body}```\n")
  elseif(kind STREQUAL "run")
    execute_process(COMMAND "${NTEMU}" run "${file}" ${words}
      WORKING_DIRECTORY "${EXAMPLES_DIR}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE body ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "ntemu run ${file} exited with ${rc}\n${err}")
    endif()
    set(block "```\n${body}```\n")
  elseif(kind STREQUAL "notify-table")
    execute_process(COMMAND "${NTEMU}" run "${file}" ${words} --format jsonl
      WORKING_DIRECTORY "${EXAMPLES_DIR}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE body ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "ntemu run ${file} exited with ${rc}\n${err}")
    endif()
    notify_table("${body}" block)
  else()
    message(FATAL_ERROR "${DOC}: unknown generated block '${command}'")
  endif()
  set(${out} "${block}" PARENT_SCOPE)
endfunction()

include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/doc-blocks.cmake")
ntemu_doc_blocks(cli_block regen-cli-transcripts)
