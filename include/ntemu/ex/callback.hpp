// SPDX-License-Identifier: MIT
/// \file
/// EX_CALLBACK: notify slots that can be read without locks and emptied safely while callers
/// are inside the routine (semantics.md §5, WRK:callback). A slot (`ExCallback`) is one
/// EX_FAST_REF word naming an EX_CALLBACK_ROUTINE_BLOCK {rundown, function, context}.
///
/// - `ExReferenceCallBackBlock` takes a cached reference from the slot's low bits (lock-free),
///   replenishing the cache with MAX rundown references when it takes the last one, or, with the
///   cache empty, takes a rundown reference under the flush lock (the slow path).
/// - `ExDereferenceCallBackBlock` gives the reference back to the cache if the slot still holds
///   the block and the cache has room, otherwise releases a rundown reference.
/// - `ExCompareExchangeCallBack` installs a block pre-charged with MAX + 1 references, and on
///   replacing one flushes the slow-path readers, then releases the old block's cached + 1.
/// - `ExWaitForCallBacks` runs the block down: it returns when every caller has left.
///
/// While a block is installed: rundown holders = cached bits + callers in flight + 1 (§5.6),
/// which `accounting_holds()` checks.
///
/// Blocks have deterministic model addresses (16-byte aligned, never reused) so raw slot words
/// can be printed; a freed block stays readable (a tombstone), never host-freed before the
/// manager.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "ntemu/ex/fast_ref.hpp"
#include "ntemu/ex/rundown.hpp"
#include "ntemu/support/arch.hpp"
#include "ntemu/support/cleared_stock.hpp"
#include "ntemu/support/mutex.hpp"

namespace ntemu::ex {

/// EX_CALLBACK_ROUTINE_BLOCK.
class CallbackBlock {
 public:
  CallbackBlock(std::uint64_t address, const void* function, void* context)
      : Function(function), Context(context), address_(address) {}
  RundownRef RundownProtect;
  const void* const Function;
  void* const Context;
  std::uint64_t address() const { return address_; }
  /// True once ExFreeCallBack ran on it.
  bool is_freed() const { return frees() != 0; }
  /// How many times ExFreeCallBack ran on it: 1 once freed, more would be a double free (the
  /// model never frees host memory, so a second free is counted, not undefined).
  std::uint32_t frees() const { return frees_.load(std::memory_order_acquire); }

 private:
  friend class CallbackManager;
  const std::uint64_t address_;
  std::atomic<std::uint32_t> frees_{0};
};

/// EX_CALLBACK: one fast-ref word.
struct ExCallback {
  std::atomic<std::uint64_t> RoutineBlock{0};
  std::uint64_t raw() const { return RoutineBlock.load(std::memory_order_acquire); }
};

/// The blocks of one kernel, and the global flush lock (ExpCallBackFlush).
class CallbackManager {
 public:
  /// `max_blocks` (0 = unlimited) makes ExAllocateCallBack fail after that many allocations, to
  /// reach the pool-failure path.
  explicit CallbackManager(Arch arch, std::uint32_t max_blocks = 0);
  ~CallbackManager();
  CallbackManager(const CallbackManager&) = delete;
  CallbackManager& operator=(const CallbackManager&) = delete;

  Arch arch() const { return arch_; }
  std::uint64_t max_refs() const { return max_refs_; }

  /// ExAllocateCallBack: a block with an initialised rundown, or nullptr (pool failure).
  CallbackBlock* ExAllocateCallBack(const void* function, void* context) NTEMU_EXCLUDES(lock_);
  /// ExFreeCallBack: the block becomes a tombstone (its memory stays, marked freed).
  void ExFreeCallBack(CallbackBlock* block);
  /// ExReferenceCallBackBlock: the referenced block, or nullptr if the slot is empty or its
  /// block is being run down.
  CallbackBlock* ExReferenceCallBackBlock(ExCallback& slot) NTEMU_EXCLUDES(flush_);
  /// ExDereferenceCallBackBlock.
  void ExDereferenceCallBackBlock(ExCallback& slot, CallbackBlock* block);
  /// ExCompareExchangeCallBack: replaces `old_block` (nullptr = empty) with `new_block`
  /// (nullptr = empty); false, changing nothing, if the slot does not hold `old_block`.
  bool ExCompareExchangeCallBack(ExCallback& slot, CallbackBlock* new_block,
                                 CallbackBlock* old_block) NTEMU_EXCLUDES(flush_);
  /// ExWaitForCallBacks: runs the block's rundown down.
  void ExWaitForCallBacks(CallbackBlock* block) { block->RundownProtect.wait(); }

  /// The block (live or freed) at a model address, or nullptr.
  CallbackBlock* block_at(std::uint64_t address) const;
  /// Every block ever allocated (freed ones included), in allocation order.
  std::vector<const CallbackBlock*> blocks() const NTEMU_EXCLUDES(lock_);
  /// §5.6 for an installed block, given the callers known to be in flight.
  bool accounting_holds(const ExCallback& slot, std::uint64_t in_flight) const;

 private:
  static constexpr std::uint32_t kChunk = 4096;
  static constexpr std::uint32_t kChunks = 4096;  // 16,777,216 blocks
  std::uint64_t base() const { return base_; }
  /// The block address and the cached-reference count of a slot word (FastRef, with this
  /// kernel's MAX_FAST_REFS).
  std::uint64_t object_of(std::uint64_t word) const { return word & ~max_refs_; }
  std::uint64_t cached_of(std::uint64_t word) const { return word & max_refs_; }
  /// ExReferenceCallBackBlock's rare ways, out of line so that its common one saves no
  /// registers: refilling the cache of `slot` after taking its last cached reference to
  /// `block`, and taking a rundown reference when no cached one is left.
  [[gnu::noinline]] void refill(ExCallback& slot, CallbackBlock* block);
  [[gnu::noinline]] CallbackBlock* reference_under_flush_lock(ExCallback& slot)
      NTEMU_EXCLUDES(flush_);

  const Arch arch_;
  // The architecture's constants, read on every reference: MAX_FAST_REFS and the model
  // address of block 0.
  const std::uint64_t max_refs_;
  const std::uint64_t base_;
  const std::uint32_t max_blocks_;
  Mutex flush_;         ///< ExpCallBackFlush
  mutable Mutex lock_;  ///< guards allocation
  std::uint32_t next_ NTEMU_GUARDED_BY(lock_) = 0;
  std::vector<std::unique_ptr<CallbackBlock>> owned_ NTEMU_GUARDED_BY(lock_);
  /// Two-level index of blocks by number, readable without the lock. Its blocks are 32 KB
  /// each and come from host-wide stocks of cleared ones (support/cleared_stock.hpp): zeroing
  /// them anew was ~5% of a harness test's boot.
  struct BlockChunk {
    std::array<std::atomic<CallbackBlock*>, kChunk> slots{};
  };
  struct ChunkTable {
    std::array<std::atomic<BlockChunk*>, kChunks> chunks{};
  };
  std::vector<std::unique_ptr<BlockChunk>> chunk_storage_ NTEMU_GUARDED_BY(lock_);
  std::unique_ptr<ChunkTable> chunks_;
};

}  // namespace ntemu::ex
