// SPDX-License-Identifier: MIT
// EX_CALLBACK (semantics.md §5, WRK:callback); the code is ntemu's own.
#include "ntemu/ex/callback.hpp"

#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::ex {

CallbackManager::CallbackManager(Arch arch, std::uint32_t max_blocks)
    : arch_(arch),
      max_refs_(FastRef::max_refs(arch)),
      base_(arch == Arch::X86 ? 0xE1000000ULL : 0xFFFFF8A000100000ULL),
      max_blocks_(max_blocks),
      chunks_(ClearedStock<ChunkTable, 4>::take()) {}

CallbackManager::~CallbackManager() {
  MutexLocker hold(lock_);
  // Back to the stocks as new: every slot set and every table entry set is cleared.
  for (std::uint32_t i = 0; i < next_; ++i) {
    chunks_->chunks[i / kChunk]
        .load(std::memory_order_relaxed)
        ->slots[i % kChunk]
        .store(nullptr, std::memory_order_relaxed);
  }
  for (std::size_t c = 0; c < chunk_storage_.size(); ++c) {
    chunks_->chunks[c].store(nullptr, std::memory_order_relaxed);
    ClearedStock<BlockChunk, 16>::give(std::move(chunk_storage_[c]));
  }
  ClearedStock<ChunkTable, 4>::give(std::move(chunks_));
}

CallbackBlock* CallbackManager::ExAllocateCallBack(const void* function, void* context) {
  MutexLocker hold(lock_);
  if ((max_blocks_ != 0 && next_ >= max_blocks_) || next_ >= kChunk * kChunks) return nullptr;
  const std::uint32_t index = next_++;
  // 16-byte steps: both architectures' cached-reference bits stay clear.
  auto block =
      std::make_unique<CallbackBlock>(base() + std::uint64_t{index} * 16, function, context);
  BlockChunk* chunk = chunks_->chunks[index / kChunk].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk_storage_.push_back(ClearedStock<BlockChunk, 16>::take());
    chunk = chunk_storage_.back().get();
    chunks_->chunks[index / kChunk].store(chunk, std::memory_order_release);
  }
  chunk->slots[index % kChunk].store(block.get(), std::memory_order_release);
  owned_.push_back(std::move(block));
  return owned_.back().get();
}

void CallbackManager::ExFreeCallBack(CallbackBlock* block) {
  block->frees_.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<const CallbackBlock*> CallbackManager::blocks() const {
  MutexLocker hold(lock_);
  std::vector<const CallbackBlock*> out;
  out.reserve(owned_.size());
  for (const auto& b : owned_)
    out.push_back(b.get());
  return out;
}

CallbackBlock* CallbackManager::block_at(std::uint64_t address) const {
  if (address < base() || (address - base()) % 16 != 0) return nullptr;
  const std::uint64_t index = (address - base()) / 16;
  if (index >= std::uint64_t{kChunk} * kChunks) return nullptr;
  const BlockChunk* chunk = chunks_->chunks[index / kChunk].load(std::memory_order_acquire);
  return chunk == nullptr ? nullptr : chunk->slots[index % kChunk].load(std::memory_order_acquire);
}

CallbackBlock* CallbackManager::ExReferenceCallBackBlock(ExCallback& slot) {
  sched::point(sched::Access::Write, &slot, "ExReferenceCallBackBlock");
  // §5.2 step 1: take a cached reference when there is one.
  std::uint64_t old = slot.RoutineBlock.load(std::memory_order_acquire);
  for (;;) {
    if (old == 0) return nullptr;                                      // step 2: empty slot
    if (cached_of(old) == 0) return reference_under_flush_lock(slot);  // step 3: none cached
    if (slot.RoutineBlock.compare_exchange_weak(old, old - 1, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      CallbackBlock* block = block_at(object_of(old));
      if (cached_of(old) == 1) [[unlikely]]
        refill(slot, block);
      return block;
    }
  }
}

void CallbackManager::refill(ExCallback& slot, CallbackBlock* block) {
  // Step 4: we took the last cached reference; put MAX more in the cache if the slot still
  // holds this block with an empty cache, else give the extra references back.
  const std::uint64_t max = max_refs_;
  if (!block->RundownProtect.acquire(max)) return;
  std::uint64_t current = slot.RoutineBlock.load(std::memory_order_acquire);
  while (object_of(current) == block->address() && cached_of(current) == 0) {
    if (slot.RoutineBlock.compare_exchange_weak(current, current + max, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      return;
    }
  }
  block->RundownProtect.release(max);
}

CallbackBlock* CallbackManager::reference_under_flush_lock(ExCallback& slot) {
  // Step 3, the slow path: under the flush lock, re-read the slot and take a rundown reference.
  MutexLocker hold(flush_);
  const std::uint64_t current = slot.RoutineBlock.load(std::memory_order_acquire);
  if (current == 0) return nullptr;
  CallbackBlock* block = block_at(object_of(current));
  return block->RundownProtect.acquire(1) ? block : nullptr;
}

void CallbackManager::ExDereferenceCallBackBlock(ExCallback& slot, CallbackBlock* block) {
  // §5.3: back into the cache if the slot holds this block and the cache has room.
  const std::uint64_t max = max_refs();
  sched::point2(sched::Access::Write, &slot, &block->RundownProtect, "ExDereferenceCallBackBlock");
  std::uint64_t current = slot.RoutineBlock.load(std::memory_order_acquire);
  while ((current ^ block->address()) < max) {
    if (slot.RoutineBlock.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      return;
    }
  }
  block->RundownProtect.release(1);
}

bool CallbackManager::ExCompareExchangeCallBack(ExCallback& slot, CallbackBlock* new_block,
                                                CallbackBlock* old_block) {
  const std::uint64_t max = max_refs();
  sched::point2(sched::Access::Write, &slot,
                old_block != nullptr ? &old_block->RundownProtect : nullptr,
                "ExCompareExchangeCallBack");
  // §5.4 step 1: MAX references back the cache, one is the slot's own.
  if (new_block != nullptr && !new_block->RundownProtect.acquire(max + 1)) return false;
  const std::uint64_t wanted = new_block != nullptr ? new_block->address() | max : 0;
  const std::uint64_t expected_object = old_block != nullptr ? old_block->address() : 0;
  std::uint64_t current = slot.RoutineBlock.load(std::memory_order_acquire);
  for (;;) {
    if (object_of(current) != expected_object) {
      if (new_block != nullptr) new_block->RundownProtect.release(max + 1);  // step 4
      return false;
    }
    if (slot.RoutineBlock.compare_exchange_weak(current, wanted, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      break;
    }
  }
  if (old_block != nullptr) {
    // Step 3: flush slow-path readers that may have read the old block under the lock, then
    // release its unused cached references and the slot's own.
    { MutexLocker flush(flush_); }
    old_block->RundownProtect.release(cached_of(current) + 1);
  }
  return true;
}

bool CallbackManager::accounting_holds(const ExCallback& slot, std::uint64_t in_flight) const {
  const std::uint64_t v = slot.raw();
  if (v == 0) return true;
  const CallbackBlock* block = block_at(object_of(v));
  return block != nullptr && !block->RundownProtect.is_active() &&
         block->RundownProtect.holders() == cached_of(v) + in_flight + 1;
}

}  // namespace ntemu::ex
