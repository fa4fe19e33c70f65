// SPDX-License-Identifier: MIT
/// \file
/// `ntemu::AtomicRef<T>`: atomic operations on a plain object, i.e. `std::atomic_ref<T>`.
/// Standard libraries that lack `std::atomic_ref` (libc++ 14, the clang-libcxx preset) get a
/// minimal class over the GCC/clang `__atomic_*` builtins instead, with the members ntemu uses:
/// `load`, `store`, both forms of `compare_exchange_weak` and `compare_exchange_strong`,
/// `exchange`, `fetch_add` / `fetch_sub` (integers) and `required_alignment`. Code that needs
/// another member adds it here, for both branches.
///
/// \code
///   alignas(ntemu::AtomicRef<std::uint64_t>::required_alignment) std::uint64_t word = 0;
///   ntemu::AtomicRef<std::uint64_t>(word).store(1, std::memory_order_release);
/// \endcode
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>

namespace ntemu {

#if defined(__cpp_lib_atomic_ref)

template <class T>
using AtomicRef = std::atomic_ref<T>;

#else

template <class T>
class AtomicRef {
  static_assert(std::is_trivially_copyable_v<T>, "AtomicRef needs a trivially copyable type");
  static_assert(std::is_integral_v<T> || std::is_pointer_v<T>,
                "this AtomicRef fallback covers integers and pointers only");

 public:
  /// As libstdc++'s `std::atomic_ref`: an integer or pointer aligned to its size (a 64-bit
  /// integer on 32-bit x86 is aligned to 4 only by default).
  static constexpr std::size_t required_alignment = sizeof(T) > alignof(T) ? sizeof(T) : alignof(T);

  explicit AtomicRef(T& object) noexcept : p_(&object) {}
  AtomicRef(const AtomicRef&) noexcept = default;
  AtomicRef& operator=(const AtomicRef&) = delete;

  T load(std::memory_order order = std::memory_order_seq_cst) const noexcept {
    return __atomic_load_n(p_, builtin(order));
  }
  void store(T desired, std::memory_order order = std::memory_order_seq_cst) const noexcept {
    __atomic_store_n(p_, desired, builtin(order));
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure) const noexcept {
    return __atomic_compare_exchange_n(p_, &expected, desired, /*weak=*/true, builtin(success),
                                       builtin(failure));
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst) const noexcept {
    return compare_exchange_weak(expected, desired, order, failure_order(order));
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure) const noexcept {
    return __atomic_compare_exchange_n(p_, &expected, desired, /*weak=*/false, builtin(success),
                                       builtin(failure));
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst) const noexcept {
    return compare_exchange_strong(expected, desired, order, failure_order(order));
  }
  T exchange(T desired, std::memory_order order = std::memory_order_seq_cst) const noexcept {
    return __atomic_exchange_n(p_, desired, builtin(order));
  }
  T fetch_add(T delta, std::memory_order order = std::memory_order_seq_cst) const noexcept {
    return __atomic_fetch_add(p_, delta, builtin(order));
  }
  T fetch_sub(T delta, std::memory_order order = std::memory_order_seq_cst) const noexcept {
    return __atomic_fetch_sub(p_, delta, builtin(order));
  }

 private:
  static constexpr int builtin(std::memory_order order) noexcept {
    switch (order) {
      case std::memory_order_relaxed:
        return __ATOMIC_RELAXED;
      case std::memory_order_consume:
        return __ATOMIC_CONSUME;
      case std::memory_order_acquire:
        return __ATOMIC_ACQUIRE;
      case std::memory_order_release:
        return __ATOMIC_RELEASE;
      case std::memory_order_acq_rel:
        return __ATOMIC_ACQ_REL;
      case std::memory_order_seq_cst:
        break;
    }
    return __ATOMIC_SEQ_CST;
  }
  // The failure order the standard derives from a single order: no release part.
  static constexpr std::memory_order failure_order(std::memory_order order) noexcept {
    if (order == std::memory_order_acq_rel) return std::memory_order_acquire;
    if (order == std::memory_order_release) return std::memory_order_relaxed;
    return order;
  }

  T* p_;
};

#endif

}  // namespace ntemu
