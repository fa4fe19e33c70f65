// SPDX-License-Identifier: MIT
/// \file
/// An asymmetric store-load fence pair, for a Dekker-style handshake whose one side runs on
/// every call and whose other side is rare: the frequent side calls light() between its store
/// and its load, the rare side calls heavy() between its own. Together they order like two full
/// fences (each side sees the other's store, or both do), but light() is only a compiler
/// barrier where the host can make every other thread of the process execute a full barrier on
/// demand (Linux `membarrier` PRIVATE_EXPEDITED, Windows FlushProcessWriteBuffers); elsewhere,
/// or where that is refused (a seccomp filter), both are full fences.
#pragma once

#include <atomic>

namespace ntemu::fence {

/// Whether heavy() forces a barrier on other threads, so that light() may be a compiler barrier.
/// Decided once, at the first call.
bool asymmetric();

/// The frequent side.
inline void light() {
  static const bool cheap = asymmetric();
  if (cheap) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

/// The rare side: returns once every thread of the process has passed a full barrier.
void heavy();

}  // namespace ntemu::fence
