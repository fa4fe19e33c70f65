# SPDX-License-Identifier: MIT
# ntemu_precompile_headers(target): with NTEMU_PCH on, the C++ of a target of four or more
# sources is compiled against one precompiled header per target: the standard headers most of
# ntemu includes, fmt and Boost.Container, and doctest for a program that links it. They are
# about half of a source's parse time; the presets CI runs besides dev turn it on (so does
# anyone who wants a faster build). dev leaves it off: a precompiled header includes those
# headers into every source, so only a build without one proves each source includes what it
# uses.
option(NTEMU_PCH "Precompile the standard, fmt, Boost and doctest headers for larger targets" OFF)

set(NTEMU_PCH_HEADERS
  <algorithm> <array> <atomic> <charconv> <cstddef> <cstdint> <cstdio> <cstring> <deque>
  <functional> <map> <memory> <mutex> <optional> <set> <span> <string> <string_view> <thread>
  <utility> <variant> <vector>
  <fmt/format.h> <boost/container/flat_map.hpp> <boost/container/small_vector.hpp>
  <boost/container/static_vector.hpp>)

function(ntemu_precompile_headers target)
  if(NOT NTEMU_PCH)
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  list(FILTER sources INCLUDE REGEX "\\.cpp$")
  list(LENGTH sources count)
  if(count LESS 4)  # the header costs about one source to build: no gain below a few
    return()
  endif()
  set(headers ${NTEMU_PCH_HEADERS})
  get_target_property(libraries ${target} LINK_LIBRARIES)
  if(libraries AND "doctest::doctest" IN_LIST libraries)
    list(APPEND headers <doctest/doctest.h>)
  endif()
  # C++ only (some targets have C sources too); inside a generator expression the closing
  # angle bracket is spelled $<ANGLE-R>.
  list(TRANSFORM headers REPLACE "^<(.*)>$" "$<$<COMPILE_LANGUAGE:CXX>:<\\1$<ANGLE-R>>")
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
