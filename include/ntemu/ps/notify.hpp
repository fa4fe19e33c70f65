/// \file
/// Create-notify routine types and the Windows 2000 notify arrays: fixed arrays of plain
/// routine pointers with a registration counter (semantics.md §4, BLOG). The counter is only a
/// fast "anything registered?" test; invocation always scans every slot in index order.
/// Removal clears the slot and returns at once — a caller that already loaded the pointer may
/// still call it (the hazard EX_CALLBACK later removed, §5.7).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "ntemu/support/ids.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu {

/// PCREATE_PROCESS_NOTIFY_ROUTINE: (ParentId, ProcessId, Create).
using PCREATE_PROCESS_NOTIFY_ROUTINE = void (*)(ProcessId ParentId, ProcessId ProcessId,
                                                bool Create);
/// PCREATE_THREAD_NOTIFY_ROUTINE: (ProcessId, ThreadId, Create).
using PCREATE_THREAD_NOTIFY_ROUTINE = void (*)(ProcessId ProcessId, ThreadId ThreadId, bool Create);

namespace ps {

enum class NotifyKind : std::uint8_t { Process, Thread };

/// A fixed array of routine slots plus its counter.
template <class Routine>
class NotifyArray {
 public:
  explicit NotifyArray(std::uint32_t slots)
      : size_(slots), slots_(std::make_unique<std::atomic<Routine>[]>(slots)) {}

  /// Installs `r` in the lowest free slot (compare-exchange against NULL) and bumps the counter.
  /// Returns `full_status` when every slot is taken. No duplicate check.
  Status add(Routine r, Status full_status) {
    for (std::uint32_t i = 0; i < size_; ++i) {
      Routine expected = nullptr;
      if (slots_[i].compare_exchange_strong(expected, r, std::memory_order_acq_rel)) {
        count_.fetch_add(1, std::memory_order_acq_rel);
        return STATUS_SUCCESS;
      }
    }
    return full_status;
  }
  /// Clears the first slot holding `r` and drops the counter; `not_found` if none does.
  Status remove(Routine r, Status not_found) {
    for (std::uint32_t i = 0; i < size_; ++i) {
      Routine expected = r;
      if (slots_[i].compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel)) {
        count_.fetch_sub(1, std::memory_order_acq_rel);
        return STATUS_SUCCESS;
      }
    }
    return not_found;
  }
  /// Clears slot `i` directly, bypassing the API: the counter is left as it is (a "poke").
  void clear_slot(std::uint32_t i) { slots_[i].store(nullptr, std::memory_order_release); }

  /// True when some slot holds `r`.
  bool contains(Routine r) const {
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (slot(i) == r) return true;
    }
    return false;
  }
  std::uint32_t size() const { return size_; }
  Routine slot(std::uint32_t i) const { return slots_[i].load(std::memory_order_acquire); }
  /// The registration counter (PspCreate{Process,Thread}NotifyRoutineCount).
  std::uint32_t count() const { return count_.load(std::memory_order_acquire); }

 private:
  const std::uint32_t size_;
  std::unique_ptr<std::atomic<Routine>[]> slots_;
  std::atomic<std::uint32_t> count_{0};
};

}  // namespace ps
}  // namespace ntemu
