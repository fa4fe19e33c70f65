// SPDX-License-Identifier: MIT
// Sections (section.cpp, ntemu/wdk/zw.h) as the rest of the WDK layer sees them: the section a
// handle names, for ObReferenceObjectByHandle, and the report of what the driver left open.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "state.hpp"

/// A section: zeroed host memory, the handles open on it and the views mapped.
struct ntemu::Harness::State::Section {
  std::vector<std::max_align_t> memory;
  std::size_t size = 0;
  std::string step;
  std::size_t open_handles = 0;
  std::vector<const unsigned char*> views;
  unsigned char* bytes() { return reinterpret_cast<unsigned char*>(memory.data()); }
};

namespace ntemu::wdk {

/// The section (an opaque object's pointer) an open section handle names, or nullptr.
void* section_of_handle(Current c, HANDLE handle);
/// Each section handle still open and view still mapped, as `resource-leak` after `when`.
void report_sections_left(Harness::State& s, const char* when);

}  // namespace ntemu::wdk
