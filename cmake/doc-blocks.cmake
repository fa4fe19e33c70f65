# SPDX-License-Identifier: MIT
# The mechanism shared by the scripts that keep a Markdown document's generated blocks in step
# with the code (tests/cli/doc_blocks.cmake, examples/driver/doc_blocks.cmake). A block is
#   <!-- generated: COMMAND... -->
#   anything, up to
#   <!-- end generated -->
# ntemu_doc_blocks(GENERATOR REGEN_TARGET) calls GENERATOR(WORDS OUT) for each block, with the
# marker's words as a list, and puts what it returns after the marker. MODE=check fails when a
# block differs (the regenerated document goes to ACTUAL_DIR; the message names REGEN_TARGET);
# MODE=update rewrites DOC.
function(ntemu_doc_blocks generator regen_target)
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
    cmake_language(CALL ${generator} "${words}" block)
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
                      "is ${ACTUAL_DIR}/${doc_name}. Build the ${regen_target} target and commit.")
endfunction()
