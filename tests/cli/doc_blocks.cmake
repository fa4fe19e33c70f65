# Keeps the generated blocks of a Markdown document in step with the code. A block is
#   <!-- generated: source FILE -->          the text of examples/scenarios/FILE
#   <!-- generated: run FILE [ARGS...] -->   the output of `ntemu run FILE ARGS...`, run in
#                                            examples/scenarios
# followed by anything, up to the next `<!-- end generated -->`. MODE=check fails when a block
# differs from what the code produces now (the regenerated document goes to ACTUAL_DIR);
# MODE=update rewrites the document.
cmake_minimum_required(VERSION 3.25)

set(open_tag "<!-- generated: ")
set(end_tag "<!-- end generated -->")
file(READ "${DOC}" doc)
set(rest "${doc}")
set(result "")
while(TRUE)
  string(FIND "${rest}" "${open_tag}" start)
  if(start EQUAL -1)
    string(APPEND result "${rest}")
    break()
  endif()
  string(SUBSTRING "${rest}" 0 ${start} before)
  string(APPEND result "${before}")
  string(SUBSTRING "${rest}" ${start} -1 rest)
  string(FIND "${rest}" " -->\n" close)
  if(close EQUAL -1)
    message(FATAL_ERROR "${DOC}: unterminated '${open_tag}' marker")
  endif()
  math(EXPR marker_length "${close} + 5")
  string(SUBSTRING "${rest}" 0 ${marker_length} marker)
  string(LENGTH "${open_tag}" tag_length)
  math(EXPR command_length "${close} - ${tag_length}")
  string(SUBSTRING "${rest}" ${tag_length} ${command_length} command)
  string(FIND "${rest}" "${end_tag}" finish)
  if(finish EQUAL -1)
    message(FATAL_ERROR "${DOC}: '${marker}' has no '${end_tag}'")
  endif()
  string(SUBSTRING "${rest}" ${finish} -1 rest)

  separate_arguments(words UNIX_COMMAND "${command}")
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
  else()
    message(FATAL_ERROR "${DOC}: unknown generated block '${command}'")
  endif()
  string(APPEND result "${marker}${block}")
endwhile()

if(result STREQUAL doc)
  return()
endif()
get_filename_component(doc_name "${DOC}" NAME)
if(MODE STREQUAL "update")
  file(WRITE "${DOC}" "${result}")
  message(STATUS "wrote ${DOC}")
  return()
endif()
file(WRITE "${ACTUAL_DIR}/${doc_name}" "${result}")
message(FATAL_ERROR "${DOC} has generated blocks that are out of date; the regenerated document "
                    "is ${ACTUAL_DIR}/${doc_name}. Build regen-cli-transcripts and commit.")
