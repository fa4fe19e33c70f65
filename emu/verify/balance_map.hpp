// SPDX-License-Identifier: MIT
// `BalanceMap<V>`: the verifier's books by ID (books.hpp) — a map from 64-bit keys to `V` that
// only grows (a key is never erased), stored densely: the values in insertion order in blocks
// of 16, 32, ... up to 4096 values (none before the first insertion; nothing is moved when one
// is added), found through an open-addressing index of 32-bit positions. A book holds one value per
// ID a routine was told of — a million live threads make a million — so the bytes per value are
// what count: about the value itself plus 8 to 16 bytes of index, against 2 to 4 whole slots of a
// map that stores values in its table. References stay valid across insertions. Not thread-safe.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ntemu::verify {

template <class V>
class BalanceMap {
 public:
  std::size_t size() const { return size_; }

  V* find(std::uint64_t key) {
    if (V* v = recent(key)) return v;
    if (size_ == 0) return nullptr;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      const std::uint32_t at = index_[i];
      if (at == 0) return nullptr;
      Entry& e = entry(at - 1);
      if (e.key == key) return remember(e);
    }
  }
  const V* find(std::uint64_t key) const { return const_cast<BalanceMap*>(this)->find(key); }

  /// The value for `key`, value-initialised if it was not there.
  V& operator[](std::uint64_t key) {
    if (V* v = recent(key)) return *v;
    if ((size_ + 1) * 2 > index_.size()) grow();
    std::size_t i = home(key);
    for (; index_[i] != 0; i = (i + 1) & mask_) {
      Entry& e = entry(index_[i] - 1);
      if (e.key == key) return *remember(e);
    }
    if (size_ == capacity_) {
      const std::size_t n = block_size(blocks_.size());
      blocks_.push_back(std::make_unique<Entry[]>(n));
      capacity_ += n;
    }
    Entry& e = entry(size_);
    e = {key, V{}};
    index_[i] = static_cast<std::uint32_t>(++size_);
    return *remember(e);
  }

  /// Calls `fn(key, value)` for each member, in insertion order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t at = 0; at < size_; ++at) {
      const Entry& e = const_cast<BalanceMap*>(this)->entry(at);
      fn(e.key, e.value);
    }
  }

 private:
  struct Entry {
    std::uint64_t key = 0;
    V value{};
  };

  // The two entries used last, most recent first: a thread's exit finds the balance its
  // creation made, and a process's threads share one PID balance, without probing the index.
  // Entries never move and are never erased, so a remembered one stays valid.
  V* recent(std::uint64_t key) {
    if (recent_[0] != nullptr && recent_[0]->key == key) return &recent_[0]->value;
    if (recent_[1] != nullptr && recent_[1]->key == key) {
      std::swap(recent_[0], recent_[1]);
      return &recent_[0]->value;
    }
    return nullptr;
  }
  V* remember(Entry& e) {
    recent_[1] = recent_[0];
    recent_[0] = &e;
    return &e.value;
  }
  // Blocks 0..7 hold 16 << k values (16, 32, ... 2048: 4080 in all), every later one 4096.
  static constexpr std::size_t kSmall = 4080;
  static constexpr std::size_t kLarge = 4096;
  static std::size_t block_size(std::size_t k) { return k < 8 ? std::size_t{16} << k : kLarge; }
  Entry& entry(std::size_t at) {
    if (at < kSmall) {
      const auto k = static_cast<std::size_t>(std::bit_width(at / 16 + 1) - 1);
      return blocks_[k][at - 16 * ((std::size_t{1} << k) - 1)];
    }
    return blocks_[8 + (at - kSmall) / kLarge][(at - kSmall) % kLarge];
  }

  std::size_t home(std::uint64_t k) const {
    k ^= k >> 33;  // the same finaliser as FlatMap64: IDs differ mostly in a few middle bits
    k *= 0xFF51AFD7ED558CCDULL;
    k ^= k >> 33;
    return static_cast<std::size_t>(k) & mask_;
  }

  void grow() {
    index_.assign(index_.empty() ? 16 : index_.size() * 2, 0);
    mask_ = index_.size() - 1;
    for (std::size_t at = 0; at < size_; ++at) {
      std::size_t i = home(entry(at).key);
      while (index_[i] != 0)
        i = (i + 1) & mask_;
      index_[i] = static_cast<std::uint32_t>(at + 1);
    }
  }

  std::vector<std::unique_ptr<Entry[]>> blocks_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;          // values the blocks hold
  std::vector<std::uint32_t> index_;  // 0: empty; else a value's position, plus 1
  std::size_t mask_ = 0;
  std::array<Entry*, 2> recent_{};
};

}  // namespace ntemu::verify
