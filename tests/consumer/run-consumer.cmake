# SPDX-License-Identifier: MIT
# Builds and runs a consumer project against ntemu. Invoked by ctest with -P; see CMakeLists.txt.
cmake_minimum_required(VERSION 3.25)

include("${CMAKE_CURRENT_LIST_DIR}/run-step.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(common -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}" -DCMAKE_BUILD_TYPE=${BUILD_TYPE})

if(MODE STREQUAL "install")
  set(prefix "${WORK_DIR}/prefix")
  run(${CMAKE_COMMAND} --install "${NTEMU_BINARY_DIR}" --prefix "${prefix}")
  run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}/find_package" -B "${WORK_DIR}/build" ${common}
      "-DCMAKE_PREFIX_PATH=${prefix}")
  set(exe "${WORK_DIR}/build/consumer")
elseif(MODE STREQUAL "build-tree")
  run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}/find_package" -B "${WORK_DIR}/build" ${common}
      "-Dntemu_DIR=${NTEMU_BINARY_DIR}")
  set(exe "${WORK_DIR}/build/consumer")
elseif(MODE STREQUAL "add-subdirectory")
  run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}/add_subdirectory" -B "${WORK_DIR}/build" ${common}
      "-DNTEMU_SOURCE_DIR=${NTEMU_SOURCE_DIR}" "-DNTEMU_FMT_HEADER_ONLY=${FMT_HEADER_ONLY}"
      "-DNTEMU_BUILD_WDK=${BUILD_WDK}"
      # What this proves is the add_subdirectory() wiring; the library's sources are compiled
      # by the build running the test. A precompiled header and line tables make the copy
      # here build in under half the time (it was most of the dev preset's test run).
      -DNTEMU_PCH=ON -DCMAKE_CXX_FLAGS_DEBUG=-g1)
  set(exe "${WORK_DIR}/build/consumer")
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()

# The consumer program only: under add_subdirectory() that builds the ntemu library it links, not
# ntemu's command-line tool and ntemu::wdk, which a consumer builds only if it links them too.
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build" --target consumer)
run("${exe}")
if(NOT LAST_OUTPUT MATCHES "ntemu [0-9]+\\.[0-9]+\\.[0-9]+: PspCidTable 4 8")
  message(FATAL_ERROR "unexpected consumer output: ${LAST_OUTPUT}")
endif()

if(MODE STREQUAL "install")
  # pkg-config, with the relocatable .pc file of the install tree.
  find_program(PKG_CONFIG pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig:${prefix}/lib/x86_64-linux-gnu/pkgconfig")
  run(${PKG_CONFIG} --cflags --libs ntemu)
  string(STRIP "${LAST_OUTPUT}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(extra UNIX_COMMAND "${CXX_FLAGS} ${LINKER_FLAGS}")
  run(${CXX} ${extra} "${CONSUMER_DIR}/find_package/main.cpp" -o "${WORK_DIR}/pc-consumer" ${flags})
  run("${WORK_DIR}/pc-consumer")
  if(NOT LAST_OUTPUT MATCHES "PspCidTable 4 8")
    message(FATAL_ERROR "unexpected pkg-config consumer output: ${LAST_OUTPUT}")
  endif()
endif()
message(STATUS "consumer ${MODE}: ok")
