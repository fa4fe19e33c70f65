# SPDX-License-Identifier: MIT
# Builds and runs the C driver consumer against an install tree of ntemu: with find_package
# (ntemu::wdk) and with pkg-config (ntemu-wdk for the C file, no -std=c++20 in its flags).
cmake_minimum_required(VERSION 3.25)

include("${CMAKE_CURRENT_LIST_DIR}/../run-step.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} --install "${NTEMU_BINARY_DIR}" --prefix "${prefix}")
run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}/wdk_c" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_C_FLAGS=${C_FLAGS}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer_wdk")
if(NOT LAST_OUTPUT MATCHES "wdk consumer: creates 1 exits 1 threads 1, 1 DbgPrint line")
  message(FATAL_ERROR "unexpected wdk consumer output: ${LAST_OUTPUT}")
endif()

find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig:${prefix}/lib/x86_64-linux-gnu/pkgconfig")
run(${PKG_CONFIG} --cflags ntemu-wdk)
string(STRIP "${LAST_OUTPUT}" c_flags)
separate_arguments(c_flags UNIX_COMMAND "${c_flags}")
run(${PKG_CONFIG} --cflags ntemu)
string(STRIP "${LAST_OUTPUT}" cxx_flags)
separate_arguments(cxx_flags UNIX_COMMAND "${cxx_flags}")
run(${PKG_CONFIG} --libs ntemu-wdk)
string(STRIP "${LAST_OUTPUT}" libs)
separate_arguments(libs UNIX_COMMAND "${libs}")
separate_arguments(extra_c UNIX_COMMAND "${C_FLAGS}")
separate_arguments(extra_cxx UNIX_COMMAND "${CXX_FLAGS} ${LINKER_FLAGS}")
run(${CC} ${extra_c} -std=c11 -Wall -Wextra -Wpedantic -Werror ${c_flags}
    -c "${CONSUMER_DIR}/wdk_c/driver.c" -o "${WORK_DIR}/driver.o")
run(${CXX} ${extra_cxx} ${cxx_flags} "${CONSUMER_DIR}/wdk_c/main.cpp" "${WORK_DIR}/driver.o"
    -o "${WORK_DIR}/pc-consumer-wdk" ${libs})
run("${WORK_DIR}/pc-consumer-wdk")
if(NOT LAST_OUTPUT MATCHES "wdk consumer: creates 1 exits 1 threads 1")
  message(FATAL_ERROR "unexpected pkg-config wdk consumer output: ${LAST_OUTPUT}")
endif()
message(STATUS "consumer wdk-c: ok")
