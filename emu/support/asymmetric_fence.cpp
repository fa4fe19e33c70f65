// SPDX-License-Identifier: MIT
// The host side of fence::heavy(): Linux's membarrier(2) in its private expedited form (registered
// once; refused on kernels before 4.14 or under a seccomp filter), Windows'
// FlushProcessWriteBuffers; anywhere else, and when those are refused, a full fence on both sides.
#include "ntemu/support/asymmetric_fence.hpp"

#include <exception>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif defined(_WIN32)
#include <windows.h>
#endif

namespace ntemu::fence {
namespace {

#if defined(__linux__)
long membarrier(int cmd) {
  return syscall(__NR_membarrier, cmd, 0U, 0);
}

[[maybe_unused]] bool register_membarrier() {
  const long supported = membarrier(MEMBARRIER_CMD_QUERY);
  if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}
#endif

bool decide() {
#if defined(NTEMU_FENCE_TSAN)
  return false;
#elif defined(__linux__)
  return register_membarrier();
#elif defined(_WIN32)
  return true;
#else
  return false;
#endif
}

}  // namespace

bool asymmetric() {
  static const bool yes = decide();
  return yes;
}

void heavy() {
  if (!asymmetric()) {
    full();
    return;
  }
#if defined(__linux__)
  if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) {
    // Registered at the start, so this cannot be refused; should it be, the light side's
    // compiler barrier is not enough and no fence here can repair it: stop rather than guess.
    std::terminate();
  }
#elif defined(_WIN32)
  FlushProcessWriteBuffers();
#endif
}

}  // namespace ntemu::fence
