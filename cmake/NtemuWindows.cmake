# SPDX-License-Identifier: MIT
# ntemu_utf8_program(target): on Windows (MinGW), links an application manifest that makes UTF-8
# the program's ANSI code page, so that its argv and narrow file names are UTF-8 as on every
# other OS. Without it a Windows program reads its arguments in the system's code page (1252
# under wine): `--test-case=§9.33 ...` from ctest would no longer match the test named in
# UTF-8, and `ntemu run` could not open a file whose name is not ASCII. Elsewhere: nothing.
# (MSVC builds, which write a manifest of their own, would pass /MANIFESTINPUT instead.)
function(ntemu_utf8_program target)
  if(MINGW)
    target_sources(${target} PRIVATE "${PROJECT_SOURCE_DIR}/cmake/windows/utf8.rc")
  endif()
endfunction()
