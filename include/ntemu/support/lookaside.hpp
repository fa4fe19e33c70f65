// SPDX-License-Identifier: MIT
/// \file
/// `Lookaside<Tag>`: host memory for objects of one kind, kept in a small per-host-thread stack
/// of freed blocks, as NT's lookaside lists keep pool blocks of one size per processor. A thread
/// lifecycle allocates and frees one ETHREAD-sized block; through the C heap that was about a
/// twentieth of the lifecycle's instructions, through the lookaside it is a few.
///
/// A block freed on one host thread is kept by that thread (up to kDepth blocks; beyond that,
/// and for any size but the kind's own, the C heap's). The stock is a PerThread object, so a
/// host thread's blocks go back to the C heap when it ends. Under AddressSanitizer every block
/// goes straight to the heap, so a use after free is still reported.
///
/// \code
///   struct Thread {
///     static void* operator new(std::size_t n) { return Lookaside<Thread>::allocate(n); }
///     static void operator delete(void* p, std::size_t n) { Lookaside<Thread>::free(p, n); }
///   };
/// \endcode
#pragma once

#include <array>
#include <cstddef>
#include <new>

#include "ntemu/support/per_thread.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define NTEMU_LOOKASIDE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NTEMU_LOOKASIDE_OFF 1
#endif
#endif

namespace ntemu {

template <class Tag>
class Lookaside {
 public:
  static constexpr std::size_t kDepth = 32;

  /// A block of `size` bytes: a kept one when `size` is the kind's own, else a new one.
  static void* allocate(std::size_t size) {
#if !defined(NTEMU_LOOKASIDE_OFF)
    if (size == sizeof(Tag)) {
      Stock& s = stocks.get();
      if (s.count != 0) return s.blocks[--s.count];
    }
#endif
    return ::operator new(size);
  }
  /// Gives back a block allocate(size) returned.
  static void free(void* block, [[maybe_unused]] std::size_t size) {
#if !defined(NTEMU_LOOKASIDE_OFF)
    if (size == sizeof(Tag)) {
      Stock& s = stocks.get();
      if (s.count < kDepth) {
        s.blocks[s.count++] = block;
        return;
      }
    }
#endif
    ::operator delete(block);
  }
  /// Blocks the calling host thread keeps now (for tests).
  static std::size_t kept() {
    return stocks.get().count;
  }

 private:
  struct Stock {
    Stock() = default;
    Stock(const Stock&) = delete;
    Stock& operator=(const Stock&) = delete;
    ~Stock() {
      for (std::size_t i = 0; i < count; ++i)
        ::operator delete(blocks[i]);
    }
    std::array<void*, kDepth> blocks{};
    std::size_t count = 0;
  };
  static inline PerThread<Stock> stocks;
};

}  // namespace ntemu
