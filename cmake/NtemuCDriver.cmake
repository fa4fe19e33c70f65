# SPDX-License-Identifier: MIT
# ntemu_add_c_driver(<target> <source>... [INCLUDE_HERE])
#
# One of this project's own C drivers (the examples' and the WDK tests'), as a static library
# against ntemu::wdk, compiled as strict ISO C11 (no compiler extensions) with the project's C
# warnings (emu/wdk/c-warnings.cmake; errors with NTEMU_WERROR): the check that ntemu/wdk.h is
# clean C as well as C++. INCLUDE_HERE makes the calling directory a PUBLIC include directory,
# for the driver's own header. Users' drivers are built with ntemu_add_driver
# (cmake/NtemuDriver.cmake) instead, which adds the Microsoft-syntax flags and turns off the
# warnings driver code always triggers; this function adds and turns off nothing.
include("${PROJECT_SOURCE_DIR}/emu/wdk/c-warnings.cmake")

function(ntemu_add_c_driver target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "INCLUDE_HERE" "" "")
  if(NOT arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ntemu_add_c_driver(${target}): no sources")
  endif()
  add_library(${target} STATIC ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PUBLIC ntemu::wdk)
  if(arg_INCLUDE_HERE)
    target_include_directories(${target} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  set_target_properties(${target} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
                                             C_EXTENSIONS OFF)
  ntemu_set_c_warnings(${target})
endfunction()
