# SPDX-License-Identifier: MIT
# ntemu_set_c_warnings(target): the project's warning set as it applies to C sources (the C++
# set of NtemuWarnings.cmake has C++-only flags), as errors when NTEMU_WERROR is on.
function(ntemu_set_c_warnings target)
  target_compile_options(${target} PRIVATE
    "$<$<COMPILE_LANGUAGE:C>:-Wall;-Wextra;-Wpedantic;-Wshadow;-Wcast-align;-Wconversion;-Wsign-conversion;-Wnull-dereference;-Wimplicit-fallthrough;-Wstrict-prototypes;-Wmissing-prototypes>"
    "$<$<AND:$<COMPILE_LANGUAGE:C>,$<BOOL:${NTEMU_WERROR}>>:-Werror>")
endfunction()
