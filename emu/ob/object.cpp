// SPDX-License-Identifier: MIT
#include "ntemu/ob/object.hpp"

#include "ntemu/support/scheduling_point.hpp"

#include <algorithm>
#include <utility>

namespace ntemu::ob {

ObjectManager::ObjectManager(Arch arch)
    : arch_(arch),
      next_address_(arch == Arch::X86 ? 0x89A01000ULL : 0xFFFFFA8000A01000ULL),
      base_address_(next_address_),
      bucket_span_(std::min(stride(ObjectType::Process), stride(ObjectType::Thread))) {}

ObjectManager::~ObjectManager() {
  std::vector<Object*> owned;
  {
    SpinLocker hold(lock_);
    owned.reserve(resident_);
    for_each_locked([&](Object* o) { owned.push_back(o); });
    // A bucket whose object is null is empty whatever its address says (find()), so clearing
    // the objects' buckets leaves each chunk as a new one.
    for (Object* o : owned)
      index_set(o->address(), nullptr);
    overflow_ = {};
    resident_ = 0;
    for (std::unique_ptr<IndexChunk>& c : index_storage_)
      ChunkStock::give(std::move(c));
  }
  for (Object* o : owned)
    delete o;
}

void ObjectManager::adopt_locked(std::uint64_t address, Object* o) {
  if (bucket(address) != kNoBucket) {
    index_set(address, o);
  } else {
    overflow_[address] = o;
  }
  ++resident_;
}

Object* ObjectManager::find_locked(std::uint64_t address) const {
  if (const std::uint64_t b = bucket(address); b != kNoBucket) {
    const IndexChunk* c = index_[b / kIndexChunk].load(std::memory_order_relaxed);
    if (c == nullptr) return nullptr;
    const Bucket& slot = c->buckets[b % kIndexChunk];
    Object* o = slot.object.load(std::memory_order_relaxed);
    return o != nullptr && slot.address.load(std::memory_order_relaxed) == address ? o : nullptr;
  }
  Object* const* o = overflow_.find(address);
  return o != nullptr ? *o : nullptr;
}

template <class Fn>
void ObjectManager::for_each_locked(Fn&& fn) const {
  // Every object lies below the address counter: only the buckets up to its bucket can hold one
  // (a small kernel's objects fill a few dozen of a chunk's 4,096).
  const std::uint64_t end = std::min((next_address_ - base_address_) / bucket_span_ + 1, kNoBucket);
  for (std::uint64_t b = 0; b < end; b += kIndexChunk) {
    const IndexChunk* c = index_[b / kIndexChunk].load(std::memory_order_relaxed);
    if (c == nullptr) continue;
    const std::uint64_t n = std::min(kIndexChunk, end - b);
    for (std::uint64_t i = 0; i < n; ++i) {
      if (Object* o = c->buckets[i].object.load(std::memory_order_relaxed)) fn(o);
    }
  }
  overflow_.for_each([&](std::uint64_t, Object* o) { fn(o); });
}

std::uint64_t ObjectManager::bucket(std::uint64_t address) const {
  if (address < base_address_) return kNoBucket;
  return std::min((address - base_address_) / bucket_span_, kNoBucket);
}

void ObjectManager::index_set(std::uint64_t address, Object* o) {
  const std::uint64_t b = bucket(address);
  if (b == kNoBucket) return;
  std::atomic<IndexChunk*>& chunk = index_[b / kIndexChunk];
  IndexChunk* c = chunk.load(std::memory_order_relaxed);
  if (c == nullptr) {
    if (o == nullptr) return;
    index_storage_.push_back(ChunkStock::take());
    c = index_storage_.back().get();
    chunk.store(c, std::memory_order_release);
  }
  Bucket& slot = c->buckets[b % kIndexChunk];
  if (o != nullptr) {
    slot.address.store(address, std::memory_order_relaxed);
    slot.object.store(o, std::memory_order_release);
  } else {
    slot.object.store(nullptr, std::memory_order_release);
  }
}

std::uint64_t ObjectManager::stride(ObjectType type) const {
  // Roughly the sizes of EPROCESS / ETHREAD of the era, 8-byte aligned; only determinism and
  // alignment matter to the model.
  if (arch_ == Arch::X86) return type == ObjectType::Process ? 0x290 : 0x268;
  return type == ObjectType::Process ? 0x410 : 0x3D8;
}

void ObjectManager::set_delete_procedure(ObjectType type, DeleteProcedure procedure) {
  delete_procedures_[static_cast<int>(type)] = std::move(procedure);
}

bool ObjectManager::reference_safe(Object& o) {
  sched::point(sched::Access::Write, &o, "ObReferenceObjectSafe");
  std::int64_t count = o.pointer_count_.load(std::memory_order_acquire);
  while (count > 0) {
    if (o.pointer_count_.compare_exchange_weak(count, count + 1, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

bool ObjectManager::dereference(Object& o) {
  sched::point(sched::Access::Write, &o, "ObDereferenceObject");
  std::int64_t count = o.pointer_count_.load(std::memory_order_acquire);
  do {
    if (count <= 0) return false;  // a tombstone: reported by the caller, never undefined
  } while (!o.pointer_count_.compare_exchange_weak(count, count - 1, std::memory_order_acq_rel));
  if (count != 1) return true;
  if (defer_hook_ != nullptr && defer_hook_()) {
    // ObpDeferObjectDeletion: deleted later, by run_deferred().
    SpinLocker hold(lock_);
    deferred_.push_back(&o);
    deferred_count_.store(deferred_.size(), std::memory_order_release);
    return true;
  }
  delete_now(o);
  return true;
}

void ObjectManager::delete_now(Object& o) {
  // Last reference: tear down outside any lock, then mark the tombstone.
  // A procedure that bugchecks still leaves a tombstone: the machine is down, not the host.
  try {
    if (const auto& procedure = delete_procedures_[static_cast<int>(o.type())]) procedure(o);
  } catch (...) {
    o.deleted_.store(true, std::memory_order_release);
    throw;
  }
  o.deleted_.store(true, std::memory_order_release);
  if (tombstones_ == Tombstones::ReclaimUnnamed && o.pins.load(std::memory_order_acquire) == 0 &&
      (!reclaim_hook_ || reclaim_hook_(o))) {
    reclaim(o);
  }
}

void ObjectManager::run_deferred() {
  for (;;) {
    if (deferred_count_.load(std::memory_order_acquire) == 0) return;
    Object* next = nullptr;
    {
      SpinLocker hold(lock_);
      if (deferred_.empty()) return;
      next = deferred_.front();
      deferred_.erase(deferred_.begin());
      deferred_count_.store(deferred_.size(), std::memory_order_release);
    }
    delete_now(*next);
  }
}

void ObjectManager::set_tombstones(Tombstones policy, ReclaimHook hook) {
  tombstones_ = policy;
  reclaim_hook_ = std::move(hook);
}

void ObjectManager::reclaim(Object& o) {
  std::unique_ptr<Object> released;
  {
    SpinLocker hold(lock_);
    if (find_locked(o.address()) != &o) return;
    released.reset(&o);
    if (bucket(o.address()) != kNoBucket) {
      index_set(o.address(), nullptr);
    } else {
      overflow_.erase(o.address());
    }
    --resident_;
    free_addresses_[static_cast<int>(o.type())].push_back(o.address());
  }
  // Destroyed here, outside the lock (a process's handle table goes with it).
}

std::size_t ObjectManager::resident() const {
  SpinLocker hold(lock_);
  return resident_;
}

Object* ObjectManager::find(std::uint64_t address) const {
  if (const std::uint64_t b = bucket(address); b != kNoBucket) {
    const IndexChunk* c = index_[b / kIndexChunk].load(std::memory_order_acquire);
    if (c == nullptr) return nullptr;
    const Bucket& slot = c->buckets[b % kIndexChunk];
    Object* o = slot.object.load(std::memory_order_acquire);
    return o != nullptr && slot.address.load(std::memory_order_relaxed) == address ? o : nullptr;
  }
  SpinLocker hold(lock_);
  return find_locked(address);
}

std::vector<Object*> ObjectManager::all() const {
  std::vector<Object*> out;
  {
    SpinLocker hold(lock_);
    out.reserve(resident_);
    for_each_locked([&](Object* o) { out.push_back(o); });
  }
  std::sort(out.begin(), out.end(),
            [](const Object* a, const Object* b) { return a->address() < b->address(); });
  return out;
}

}  // namespace ntemu::ob
