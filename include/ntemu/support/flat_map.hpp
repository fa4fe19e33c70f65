// SPDX-License-Identifier: MIT
/// \file
/// `FlatMap64<V>`: an open-addressing hash map from 64-bit keys to `V` (linear probing,
/// backward-shift deletion), for the model's hot lookups by address or ID. One allocation per
/// growth instead of one per element; references are invalidated by insertion. Not thread-safe.
/// The key `FlatMap64::kEmpty` (all ones) cannot be stored.
///
/// \code
///   ntemu::FlatMap64<int> m;
///   m[0x89A01000] = 1;
///   if (int* v = m.find(0x89A01000)) ++*v;
///   m.erase(0x89A01000);
/// \endcode
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ntemu {

template <class V>
class FlatMap64 {
 public:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  V* find(std::uint64_t key) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }
  const V* find(std::uint64_t key) const { return const_cast<FlatMap64*>(this)->find(key); }

  /// The value for `key`, value-initialised if it was not there.
  V& operator[](std::uint64_t key) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = home(key);
    for (; slots_[i].key != kEmpty; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].value;
    }
    slots_[i].key = key;
    slots_[i].value = V{};
    ++size_;
    return slots_[i].value;
  }

  /// Removes `key`; false if it was not there.
  bool erase(std::uint64_t key) {
    if (size_ == 0) return false;
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].key == kEmpty) return false;
      if (slots_[i].key == key) break;
    }
    // Backward shift: move later members of the probe run into the hole while they may.
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; slots_[j].key != kEmpty; j = (j + 1) & mask_) {
      const std::size_t want = home(slots_[j].key);
      // Movable when its home is not in the cyclic range (hole, j].
      const bool in_range = hole <= j ? (hole < want && want <= j) : (hole < want || want <= j);
      if (in_range) continue;
      slots_[hole] = std::move(slots_[j]);
      hole = j;
    }
    slots_[hole].key = kEmpty;
    slots_[hole].value = V{};
    --size_;
    return true;
  }

  /// Calls `fn(key, value)` for each member, in no particular order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const Slot& s : slots_) {
      if (s.key != kEmpty) fn(s.key, s.value);
    }
  }

 private:
  struct Slot {
    std::uint64_t key = kEmpty;
    V value{};
  };

  std::size_t home(std::uint64_t k) const {
    k ^= k >> 33;  // a 64-bit finaliser: addresses and IDs differ mostly in a few middle bits
    k *= 0xFF51AFD7ED558CCDULL;
    k ^= k >> 33;
    return static_cast<std::size_t>(k) & mask_;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_ = std::vector<Slot>(old.empty() ? 16 : old.size() * 2);
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (Slot& s : old) {
      if (s.key != kEmpty) (*this)[s.key] = std::move(s.value);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace ntemu
