# SPDX-License-Identifier: MIT
# Builds and runs the procwatch driver consumer against an install tree of ntemu: with
# find_package and ntemu_add_driver (as C and as C++), and with pkg-config (driver_cflags and
# Cflags of ntemu-wdk for the driver, ntemu for the client).
cmake_minimum_required(VERSION 3.25)

include("${CMAKE_CURRENT_LIST_DIR}/../run-step.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
set(src "${CONSUMER_DIR}/wdk_driver")
run(${CMAKE_COMMAND} --install "${NTEMU_BINARY_DIR}" --prefix "${prefix}")
run(${CMAKE_COMMAND} -S "${src}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_C_FLAGS=${C_FLAGS}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
foreach(lang c cxx)
  run("${WORK_DIR}/build/client_${lang}")
  if(NOT LAST_OUTPUT MATCHES "procwatch consumer: [0-9]+ events, first 1 of process")
    message(FATAL_ERROR "unexpected procwatch consumer (${lang}) output: ${LAST_OUTPUT}")
  endif()
endforeach()

find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig:${prefix}/lib/x86_64-linux-gnu/pkgconfig")
function(pc out)
  run(${PKG_CONFIG} ${ARGN})
  string(STRIP "${LAST_OUTPUT}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(${out} ${flags} PARENT_SCOPE)
endfunction()
pc(driver_flags --variable=driver_cflags ntemu-wdk)
pc(wdk_flags --cflags ntemu-wdk)
pc(cxx_flags --cflags ntemu)
pc(libs --libs ntemu-wdk)
separate_arguments(extra_c UNIX_COMMAND "${C_FLAGS}")
separate_arguments(extra_cxx UNIX_COMMAND "${CXX_FLAGS} ${LINKER_FLAGS}")
run(${CC} ${extra_c} ${driver_flags} -DNTEMU_FUNCTION_LITERAL ${wdk_flags} -Wall -Wextra -Werror
    -c "${src}/driver.c" -o "${WORK_DIR}/driver_c.o")
run(${CXX} ${extra_cxx} -x c++ ${driver_flags} -DNTEMU_FUNCTION_LITERAL ${wdk_flags} -Wall -Wextra
    -Werror -c "${src}/driver.c" -o "${WORK_DIR}/driver_cxx.o")
foreach(lang c cxx)
  run(${CXX} ${extra_cxx} ${cxx_flags} ${wdk_flags} -I${src} "${src}/client.cpp"
      "${WORK_DIR}/driver_${lang}.o" -o "${WORK_DIR}/pc-client-${lang}" ${libs})
  run("${WORK_DIR}/pc-client-${lang}")
  if(NOT LAST_OUTPUT MATCHES "procwatch consumer: [0-9]+ events, first 1 of process")
    message(FATAL_ERROR "unexpected pkg-config procwatch consumer (${lang}) output: ${LAST_OUTPUT}")
  endif()
endforeach()
message(STATUS "consumer wdk-driver: ok")
