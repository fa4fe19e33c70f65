// SPDX-License-Identifier: MIT
// The host's memory figures (include/ntemu/support/host_memory.hpp): glibc's mallinfo2 and
// Linux's /proc/self/statm where they exist, "unknown" elsewhere.
#include "ntemu/support/host_memory.hpp"

#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#if __GLIBC_PREREQ(2, 33)
#define NTEMU_HAVE_MALLINFO2 1
#endif
#endif
#if defined(__linux__)
#include <unistd.h>
#endif

namespace ntemu::host {

std::optional<std::uint64_t> heap_in_use_bytes() {
#if defined(NTEMU_HAVE_MALLINFO2)
  const struct mallinfo2 heap = mallinfo2();
  return static_cast<std::uint64_t>(heap.uordblks) + static_cast<std::uint64_t>(heap.hblkhd);
#else
  return std::nullopt;
#endif
}

std::optional<std::uint64_t> resident_bytes() {
#if defined(__linux__)
  long pages = 0;
  long resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return std::nullopt;
  const bool read = std::fscanf(f, "%ld %ld", &pages, &resident) == 2;
  std::fclose(f);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (!read || resident < 0 || page_size <= 0) return std::nullopt;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(page_size);
#else
  return std::nullopt;
#endif
}

}  // namespace ntemu::host
