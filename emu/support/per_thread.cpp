// SPDX-License-Identifier: MIT
// ThreadExitKey (support/per_thread.hpp): a POSIX thread-specific key, on Linux and on
// MinGW-w64's posix thread model (winpthreads) alike.
#include "ntemu/support/per_thread.hpp"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace ntemu {

static_assert(std::is_integral_v<pthread_key_t> && sizeof(pthread_key_t) <= sizeof(unsigned),
              "pthread_key_t is kept in an unsigned");

ThreadExitKey::ThreadExitKey(void (*at_exit)(void*)) {
  pthread_key_t k{};
  if (const int rc = pthread_key_create(&k, at_exit); rc != 0) {
    // Only when the host has no key left: nothing can keep per-thread state then.
    std::fprintf(stderr, "ntemu: pthread_key_create failed (%d)\n", rc);
    std::abort();
  }
  key_ = static_cast<unsigned>(k);
}

void ThreadExitKey::set(void* value) const {
  if (const int rc = pthread_setspecific(static_cast<pthread_key_t>(key_), value); rc != 0) {
    std::fprintf(stderr, "ntemu: pthread_setspecific failed (%d)\n", rc);
    std::abort();
  }
}

}  // namespace ntemu
