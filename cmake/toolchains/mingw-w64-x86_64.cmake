# SPDX-License-Identifier: MIT
# Cross build for 64-bit Windows with Debian's MinGW-w64 (package mingw-w64), run under wine:
#
#   cmake --preset mingw && cmake --build --preset mingw && ctest --preset mingw
#
# - the posix thread model (x86_64-w64-mingw32-g++-posix): std::thread, std::mutex and
#   std::atomic waits need it; the win32 model's libstdc++ has no std::thread;
# - programs linked with -static (libgcc, libstdc++, winpthread), so an .exe needs no MinGW
#   DLL beside it and runs under wine as it is;
# - CMAKE_CROSSCOMPILING_EMULATOR is wine (through wine-run.sh beside this file, which gives it
#   a throwaway prefix in the build tree), so ctest and doctest_discover_tests run the .exe
#   files the way they run native programs. Tests that start a program from a CMake script
#   (cmake -P: the CLI's goldens, process and doc tests, the examples' transcripts, the
#   consumers) get no emulator and cannot run here; ctest --preset mingw leaves them out.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(NTEMU_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${NTEMU_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${NTEMU_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${NTEMU_MINGW_TRIPLE}-windres)

# Libraries, headers and packages come from the target's tree only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${NTEMU_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/wine-run.sh;${CMAKE_BINARY_DIR}/wine")
