// SPDX-License-Identifier: MIT
/// \file
/// `FunctionPool<Signature, N, Dispatch>`: N distinct functions of one signature, where entry `i`
/// calls `Dispatch(i, args...)`. Each entry is its own template instance with its index baked
/// into its body, so identical-code folding cannot merge two of them: one entry is one function
/// pointer, as one routine of a driver is one address. The scenario runner's recording routines
/// and the WDK's trampolines for a driver's C routines are such pools.
///
/// \code
///   void count_call(std::size_t index, int) { ++calls[index]; }
///   using Pool = ntemu::FunctionPool<void(int), 64, &count_call>;
///   void (*f)(int) = Pool::at(3);      // f(7) calls count_call(3, 7)
///   assert(Pool::index_of(f) == 3);
/// \endcode
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <utility>

namespace ntemu {

template <class Signature, std::size_t N, auto Dispatch>
class FunctionPool;

template <class R, class... Args, std::size_t N, auto Dispatch>
class FunctionPool<R(Args...), N, Dispatch> {
 public:
  using Function = R (*)(Args...);
  static constexpr std::size_t size() { return N; }
  /// Entry `index` (< N).
  static Function at(std::size_t index) { return kEntries.at(index); }
  /// The index of the entry at `address`, or nullopt if it is none of this pool's.
  static std::optional<std::size_t> index_of(const void* address) {
    for (std::size_t i = 0; i < N; ++i) {
      if (reinterpret_cast<const void*>(kEntries[i]) == address) return i;
    }
    return std::nullopt;
  }
  static bool contains(const void* address) { return index_of(address).has_value(); }

 private:
  template <std::size_t I>
  static R entry(Args... args) {
    return Dispatch(I, args...);
  }
  template <std::size_t... I>
  static constexpr std::array<Function, N> make(std::index_sequence<I...>) {
    return {&entry<I>...};
  }
  static constexpr std::array<Function, N> kEntries = make(std::make_index_sequence<N>{});
};

}  // namespace ntemu
