// SPDX-License-Identifier: MIT
// The executive's pool: ExAllocatePoolWithTag / ExAllocatePool hand out host memory, and every
// block is tracked twice — process-wide by address (its owner, sequence and tag), so that
// ExFreePool(WithTag) can tell a pool block from anything else, and per harness by allocation
// sequence, so that a block still held at unload is a `pool-leak` naming the step that
// allocated it. A free of memory that is no pool block (or of a block freed already) is a
// `bad-pool-free` and frees nothing, where the real machine bugchecks with BAD_POOL_CALLER; a
// free with another tag is a `pool-tag-mismatch`. The harness can inject allocation failures.
#include "pool.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "irql.hpp"

namespace ntemu::wdk {
namespace {

// Every pool block handed out, by address: the harness that owns it and its sequence there.
struct PoolOwner {
  Harness::State* state;  // null when allocated under a kernel without a harness
  std::uint64_t sequence;
  ULONG tag;
};
std::mutex g_pool_lock;
std::map<const void*, PoolOwner>& pool_owners() {
  static std::map<const void*, PoolOwner> map;  // lookup only
  return map;
}

}  // namespace

std::string tag_text(ULONG tag) {
  std::string s;
  for (int shift = 0; shift < 32; shift += 8) {
    const auto c = static_cast<char>((tag >> shift) & 0xFFU);
    s += (c >= 0x20 && c < 0x7F) ? c : '.';
  }
  return s;
}

void release_pool(Harness::State& state) {
  std::map<std::uint64_t, Harness::State::PoolBlock> blocks;
  {
    std::lock_guard hold(state.m);
    blocks.swap(state.pool);
  }
  std::lock_guard hold(g_pool_lock);
  for (auto& [sequence, block] : blocks) {
    pool_owners().erase(block.memory);
    std::free(block.memory);
  }
}

}  // namespace ntemu::wdk

using ntemu::wdk::current;
using ntemu::wdk::Current;
using ntemu::wdk::irql_too_high;

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
  const Current c = current();
  if (c.kernel == nullptr) return nullptr;
  const bool paged = (static_cast<unsigned>(PoolType) & 1U) != 0;  // the paged types are odd
  irql_too_high(paged ? APC_LEVEL : DISPATCH_LEVEL, "ExAllocatePoolWithTag");
  if (c.state != nullptr && !c.state->pool_may_allocate()) return nullptr;
  void* memory = std::malloc(NumberOfBytes == 0 ? 1 : NumberOfBytes);
  if (memory == nullptr) return nullptr;
  std::uint64_t sequence = 0;
  if (c.state != nullptr) {
    const std::string step = c.state->current_step();
    std::lock_guard hold(c.state->m);
    sequence = c.state->next_pool_sequence++;
    c.state->pool[sequence] = {memory, NumberOfBytes, Tag, step};
  }
  std::lock_guard hold(ntemu::wdk::g_pool_lock);
  ntemu::wdk::pool_owners()[memory] = {c.state, sequence, Tag};
  return memory;
}

PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes) {
  return ExAllocatePoolWithTag(PoolType, NumberOfBytes, 0x656E6F4EU);  // 'None'
}

PVOID ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
  // POOL_QUOTA_FAIL_INSTEAD_OF_RAISE: no quota is charged, and failures return NULL either way.
  const auto type = static_cast<POOL_TYPE>(
      static_cast<unsigned>(PoolType) & ~static_cast<unsigned>(POOL_QUOTA_FAIL_INSTEAD_OF_RAISE));
  return ExAllocatePoolWithTag(type, NumberOfBytes, Tag);
}

PVOID ExAllocatePoolWithTagPriority(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
                                    EX_POOL_PRIORITY Priority) {
  static_cast<void>(Priority);
  return ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
}

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag) {
  const POOL_FLAGS kind =
      Flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED);
  if (kind != POOL_FLAG_NON_PAGED && kind != POOL_FLAG_NON_PAGED_EXECUTE && kind != POOL_FLAG_PAGED)
    return nullptr;  // exactly one pool kind is required
  const POOL_TYPE type = kind == POOL_FLAG_PAGED ? PagedPool : NonPagedPoolNx;
  PVOID p = ExAllocatePoolWithTag(type, NumberOfBytes, Tag);
  if (p != nullptr && (Flags & POOL_FLAG_UNINITIALIZED) == 0) std::memset(p, 0, NumberOfBytes);
  return p;
}

PVOID ExAllocatePool3(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag,
                      PCPOOL_EXTENDED_PARAMETER ExtendedParameters, ULONG ExtendedParametersCount) {
  static_cast<void>(ExtendedParameters);
  static_cast<void>(ExtendedParametersCount);
  return ExAllocatePool2(Flags, NumberOfBytes, Tag);
}

namespace {
void free_pool(PVOID P, const ULONG* tag, const char* function) {
  if (P == nullptr) return;
  ntemu::wdk::PoolOwner owner{};
  bool found = false;
  {
    std::lock_guard hold(ntemu::wdk::g_pool_lock);
    auto it = ntemu::wdk::pool_owners().find(P);
    if (it != ntemu::wdk::pool_owners().end()) {
      found = true;
      owner = it->second;
      ntemu::wdk::pool_owners().erase(it);
    }
  }
  if (!found) {
    // Not a block ntemu handed out (or freed twice): BAD_POOL_CALLER on a real kernel.
    ntemu::wdk::report({ntemu::verify::FindingKind::BadPoolFree,
                        fmt::format("{} was given {:#x}, which is not an allocated pool "
                                    "block (freed twice, or never allocated); nothing "
                                    "was freed",
                                    function, ntemu::wdk::address_of(P)),
                        0, 0, ntemu::wdk::context_step()});
    return;
  }
  if (tag != nullptr && *tag != owner.tag) {
    ntemu::wdk::report(
        {ntemu::verify::FindingKind::PoolTagMismatch,
         fmt::format("{} was given tag '{}' for a block allocated with tag '{}'", function,
                     ntemu::wdk::tag_text(*tag), ntemu::wdk::tag_text(owner.tag)),
         0, 0, ntemu::wdk::context_step()});
  }
  if (owner.state != nullptr) {
    std::lock_guard hold(owner.state->m);
    owner.state->pool.erase(owner.sequence);
  }
  std::free(P);
}
}  // namespace

VOID ExFreePoolWithTag(PVOID P, ULONG Tag) {
  free_pool(P, &Tag, "ExFreePoolWithTag");
}

VOID ExFreePool(PVOID P) {
  free_pool(P, nullptr, "ExFreePool");
}

VOID ExFreePool2(PVOID P, ULONG Tag, PCPOOL_EXTENDED_PARAMETER ExtendedParameters,
                 ULONG ExtendedParametersCount) {
  static_cast<void>(ExtendedParameters);
  static_cast<void>(ExtendedParametersCount);
  free_pool(P, &Tag, "ExFreePool2");
}
