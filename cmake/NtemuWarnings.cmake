# SPDX-License-Identifier: MIT
# ntemu_set_warnings(target): the project's warning set (-Wall -Wextra -Wpedantic and a few
# more that catch real bugs), as errors when NTEMU_WERROR is on. Every target of the project
# comes through here, so its precompiled header (NtemuPch.cmake) is attached here too.
include(NtemuPch)

function(ntemu_set_warnings target)
  ntemu_precompile_headers(${target})
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Wconversion -Wsign-conversion -Wnull-dereference -Wimplicit-fallthrough
    $<$<BOOL:${NTEMU_WERROR}>:-Werror>
    # GCC 12 reports false -Wrestrict overlaps inside libstdc++'s std::string at -O3 (GCC bug
    # 105329, fixed in GCC 13); Debian 12's compiler is GCC 12.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
endfunction()
