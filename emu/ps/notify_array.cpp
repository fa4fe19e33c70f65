// SPDX-License-Identifier: MIT
#include "ntemu/ps/notify_array.hpp"

namespace ntemu::ps {

NotifySlots::NotifySlots(std::uint32_t slots, NotifyStorage storage, ex::CallbackManager* callbacks)
    : size_(slots),
      storage_(storage),
      callbacks_(callbacks),
      plain_(std::make_unique<std::atomic<const void*>[]>(slots)),
      plain_context_(std::make_unique<std::atomic<void*>[]>(slots)),
      blocks_(std::make_unique<ex::ExCallback[]>(slots)) {}

Status NotifySlots::add(const void* routine, Status full_status, void* context) {
  if (storage_ == NotifyStorage::PlainArray && routine == nullptr) {
    // NULL stored into an empty slot leaves it empty: the counter alone records it
    // (semantics.md §10.5 [I]). It needs an empty slot like any registration.
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (plain_[i].load(std::memory_order_acquire) == nullptr) {
        null_registrations_.fetch_add(1, std::memory_order_acq_rel);
        count_.fetch_add(1, std::memory_order_acq_rel);
        return STATUS_SUCCESS;
      }
    }
    return full_status;
  }
  if (storage_ == NotifyStorage::PlainArray) {
    for (std::uint32_t i = 0; i < size_; ++i) {
      sched::point(sched::Access::Write, &plain_[i], "notify array write", i);
      const void* expected = nullptr;
      if (plain_[i].compare_exchange_strong(expected, routine, std::memory_order_acq_rel)) {
        plain_context_[i].store(context, std::memory_order_release);
        reached(i);
        count_.fetch_add(1, std::memory_order_acq_rel);
        return STATUS_SUCCESS;
      }
    }
    return full_status;
  }
  ex::CallbackBlock* block = callbacks_->ExAllocateCallBack(routine, context);
  if (block == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
  for (std::uint32_t i = 0; i < size_; ++i) {
    if (callbacks_->ExCompareExchangeCallBack(blocks_[i], block, nullptr)) {
      reached(i);
      count_.fetch_add(1, std::memory_order_acq_rel);
      return STATUS_SUCCESS;
    }
  }
  callbacks_->ExFreeCallBack(block);
  return full_status;
}

Status NotifySlots::remove(const void* routine, Status not_found) {
  if (storage_ == NotifyStorage::PlainArray && routine == nullptr) {
    // Only a registered NULL can be removed: an empty slot is not one (semantics.md §10.5), so
    // the counter never underflows.
    std::uint32_t held = null_registrations_.load(std::memory_order_acquire);
    while (held > 0) {
      if (null_registrations_.compare_exchange_weak(held, held - 1, std::memory_order_acq_rel)) {
        count_.fetch_sub(1, std::memory_order_acq_rel);
        return STATUS_SUCCESS;
      }
    }
    return not_found;
  }
  if (storage_ == NotifyStorage::PlainArray) {
    for (std::uint32_t i = 0; i < size_; ++i) {
      sched::point(sched::Access::Write, &plain_[i], "notify array write", i);
      const void* expected = routine;
      if (plain_[i].compare_exchange_strong(expected, nullptr, std::memory_order_seq_cst)) {
        count_.fetch_sub(1, std::memory_order_acq_rel);
        return STATUS_SUCCESS;
      }
    }
    return not_found;
  }
  for (std::uint32_t i = 0; i < size_; ++i) {
    ex::CallbackBlock* block = callbacks_->ExReferenceCallBackBlock(blocks_[i]);
    if (block == nullptr) continue;
    if (block->Function == routine &&
        callbacks_->ExCompareExchangeCallBack(blocks_[i], nullptr, block)) {
      count_.fetch_sub(1, std::memory_order_acq_rel);
      callbacks_->ExDereferenceCallBackBlock(blocks_[i], block);
      if (!skip_removal_wait_) callbacks_->ExWaitForCallBacks(block);
      callbacks_->ExFreeCallBack(block);
      return STATUS_SUCCESS;
    }
    callbacks_->ExDereferenceCallBackBlock(blocks_[i], block);
  }
  return not_found;
}

void NotifySlots::reached(std::uint32_t slot) {
  std::uint32_t reach = reach_.load(std::memory_order_relaxed);
  while (reach <= slot && !reach_.compare_exchange_weak(reach, slot + 1, std::memory_order_release,
                                                        std::memory_order_relaxed)) {
  }
}

void NotifySlots::clear_slot(std::uint32_t i) {
  if (storage_ == NotifyStorage::PlainArray) {
    plain_[i].store(nullptr, std::memory_order_release);
  } else {
    blocks_[i].RoutineBlock.store(0, std::memory_order_release);
  }
}

bool NotifySlots::contains(const void* r) const {
  for (std::uint32_t i = 0; i < size_; ++i) {
    if (routine(i) == r) return true;
  }
  return false;
}

bool NotifySlots::occupied(std::uint32_t i) const {
  return storage_ == NotifyStorage::PlainArray
             ? plain_[i].load(std::memory_order_acquire) != nullptr
             : blocks_[i].raw() != 0;
}

std::uint32_t NotifySlots::in_use() const {
  std::uint32_t n = null_registrations();
  for (std::uint32_t i = 0; i < size_; ++i) {
    if (occupied(i)) ++n;
  }
  return n;
}

const void* NotifySlots::routine(std::uint32_t i) const {
  if (storage_ == NotifyStorage::PlainArray) return plain_[i].load(std::memory_order_acquire);
  const ex::CallbackBlock* b = block(i);
  return b == nullptr ? nullptr : b->Function;
}

const ex::CallbackBlock* NotifySlots::block(std::uint32_t i) const {
  const std::uint64_t v = blocks_[i].raw();
  return v == 0 ? nullptr : callbacks_->block_at(ex::FastRef::object(v, callbacks_->arch()));
}

}  // namespace ntemu::ps
