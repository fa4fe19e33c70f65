// SPDX-License-Identifier: MIT
/// \file
/// `ClearedStock<T, N>`: a host-wide stock of at most N heap blocks of `T` that are "as new"
/// (value-initialised, or cleared back to that state by their last owner). Large zeroed index
/// blocks (the object manager's address index, the callback manager's block table) cost a
/// memset each time a kernel boots; a harness that boots thousands of kernels (a fuzzer) takes
/// them from here instead. The owner must clear what it set before giving a block back.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace ntemu {

template <class T, std::size_t N>
class ClearedStock {
 public:
  /// A block from the stock, or a new value-initialised one.
  static std::unique_ptr<T> take() {
    {
      std::lock_guard hold(lock());
      if (!stock().empty()) {
        std::unique_ptr<T> b = std::move(stock().back());
        stock().pop_back();
        return b;
      }
    }
    return std::make_unique<T>();
  }
  /// Keeps `cleared` (already back in its value-initialised state) for the next take(); frees it
  /// when the stock is full.
  static void give(std::unique_ptr<T> cleared) {
    std::lock_guard hold(lock());
    if (stock().size() < N) stock().push_back(std::move(cleared));
  }

 private:
  static std::mutex& lock() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::unique_ptr<T>>& stock() {
    static std::vector<std::unique_ptr<T>> s;
    return s;
  }
};

}  // namespace ntemu
