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

#if defined(__SANITIZE_THREAD__)
#define NTEMU_FENCE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NTEMU_FENCE_TSAN 1
#endif
#endif

/// Whether heavy() forces a barrier on other threads, so that light() may be a compiler barrier.
/// Decided once, at the first call; never under ThreadSanitizer, which sees neither kind.
bool asymmetric();

/// A full fence. ThreadSanitizer does not model fences (GCC refuses them): there it is a
/// sequentially consistent read-modify-write of one shared word, which both orders and tells
/// the sanitizer that the two sides synchronise.
inline void full() {
#if defined(NTEMU_FENCE_TSAN)
  static std::atomic<unsigned> word{0};
  word.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

/// The frequent side, for a caller that read asymmetric() already (`asymmetric`).
inline void light(bool asymmetric) {
  if (asymmetric) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    full();
  }
}

/// The frequent side.
inline void light() {
  static const bool cheap = asymmetric();
  light(cheap);
}

/// The rare side: returns once every thread of the process has passed a full barrier.
void heavy();

}  // namespace ntemu::fence
