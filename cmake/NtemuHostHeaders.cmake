# SPDX-License-Identifier: MIT
# Header-only dependencies from the build host, for cross builds (-DNTEMU_HOST_HEADERS=/usr/include).
#
# A cross toolchain such as MinGW-w64 has no target packages of fmt, doctest or Boost on Debian,
# and fetching them is not an option (builds work offline). Their headers are portable C++, so
# the host's copies serve: fmt header-only (FMT_HEADER_ONLY), doctest and the header-only part
# of Boost. The host include directory itself must never reach the cross compiler — its C
# library headers (stdio.h, ...) would shadow the target's — so only the three libraries'
# folders are linked into an include directory of the build tree.
#
# Defines fmt::fmt-header-only, Boost::headers and doctest::doctest. find_package(doctest) and
# include(doctest) (doctest_discover_tests) use the host's doctest CMake package: doctest_DIR
# points at it, and its folder joins CMAKE_MODULE_PATH (its config, seeing doctest::doctest
# defined, defines nothing and adds nothing).
set(_ntemu_host_include "${PROJECT_BINARY_DIR}/host-headers/include")
file(MAKE_DIRECTORY "${_ntemu_host_include}")
foreach(_dir fmt doctest boost)
  if(NOT IS_DIRECTORY "${NTEMU_HOST_HEADERS}/${_dir}")
    message(FATAL_ERROR "NTEMU_HOST_HEADERS: no ${_dir}/ in ${NTEMU_HOST_HEADERS}")
  endif()
  if(NOT EXISTS "${_ntemu_host_include}/${_dir}")
    file(CREATE_LINK "${NTEMU_HOST_HEADERS}/${_dir}" "${_ntemu_host_include}/${_dir}" SYMBOLIC)
  endif()
endforeach()

add_library(fmt::fmt-header-only INTERFACE IMPORTED)
set_target_properties(fmt::fmt-header-only PROPERTIES
  INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1"
  INTERFACE_INCLUDE_DIRECTORIES "${_ntemu_host_include}")
add_library(Boost::headers INTERFACE IMPORTED)
set_target_properties(Boost::headers PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${_ntemu_host_include}")
add_library(doctest::doctest INTERFACE IMPORTED)
set_target_properties(doctest::doctest PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${_ntemu_host_include}")

get_filename_component(_ntemu_host_prefix "${NTEMU_HOST_HEADERS}" DIRECTORY)
foreach(_dir "${_ntemu_host_prefix}/lib/cmake/doctest" "${_ntemu_host_prefix}/share/doctest")
  if(EXISTS "${_dir}/doctestConfig.cmake")
    set(doctest_DIR "${_dir}" CACHE PATH "The host's doctest CMake package (NTEMU_HOST_HEADERS)")
    list(APPEND CMAKE_MODULE_PATH "${_dir}")
    break()
  endif()
endforeach()
if(NOT doctest_DIR)
  message(FATAL_ERROR "NTEMU_HOST_HEADERS: no doctest CMake package beside ${NTEMU_HOST_HEADERS}")
endif()
