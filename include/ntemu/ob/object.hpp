// SPDX-License-Identifier: MIT
/// \file
/// The object manager's part of the model: object headers with pointer and handle counts,
/// deletion on the last reference, and tombstones.
///
/// Every object gets a deterministic *model kernel address* (a bump allocator in the system
/// range of the architecture) that no other object gets while it is in host memory (only
/// `Tombstones::ReclaimUnnamed`, below, hands a released object's address out again). Handle tables
/// and PspCidTable store these addresses, not host pointers. When the last reference goes, the
/// type's delete procedure runs (e.g. PspThreadDelete) and the object becomes a **tombstone**: it
/// stays in host memory, marked deleted, so a CID entry still naming its address is a detectable
/// state, never freed memory.
///
/// By default (`Tombstones::Keep`) host memory is released only when the whole kernel instance
/// is destroyed. `Tombstones::ReclaimUnnamed` (for long runs: soaks, benchmarks, fuzzers)
/// releases a tombstone at once when no PspCidTable entry names it and the owner's veto hook
/// agrees; a tombstone some entry still names is always kept, so every hazard stays detectable.
/// Under that policy a host pointer to a deleted object must not be used: take a reference.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "ntemu/support/arch.hpp"
#include "ntemu/support/cleared_stock.hpp"
#include "ntemu/support/flat_map.hpp"
#include "ntemu/support/mutex.hpp"

namespace ntemu::ob {

enum class ObjectType : std::uint8_t { Process, Thread };

constexpr std::string_view to_string(ObjectType t) {
  return t == ObjectType::Process ? "process" : "thread";
}

/// OBJECT_HEADER plus the common body. Derived types are the executive's objects.
class Object {
 public:
  /// The address an object is constructed with: ObjectManager::create gives the real one.
  static constexpr std::uint64_t kUnplaced = 0;
  virtual ~Object() = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  ObjectType type() const { return type_; }
  /// The object's model kernel address (8-byte aligned; another object gets it only after this
  /// one is released from host memory).
  std::uint64_t address() const { return address_; }
  /// The object's creation number in its kernel (1, 2, ...): unlike an address, which
  /// ReclaimUnnamed may hand out again, it names one object for the kernel's lifetime.
  std::uint64_t serial() const { return serial_; }
  std::int64_t pointer_count() const { return pointer_count_.load(std::memory_order_acquire); }
  std::int64_t handle_count() const { return handle_count_.load(std::memory_order_acquire); }
  /// True once the last reference went and the delete procedure ran: a tombstone.
  bool is_deleted() const { return deleted_.load(std::memory_order_acquire); }

  /// How many table entries name the object by address (PspCidTable's, counted by whoever
  /// writes them): under ReclaimUnnamed a tombstone some entry still names is never released,
  /// so every dangling entry stays detectable.
  std::atomic<std::int32_t> pins{0};
  /// Two words an observer may keep with the object (the verifier keeps step labels there), so
  /// observing costs no lookup. The object manager never reads them.
  mutable std::array<std::atomic<std::uint32_t>, 2> annotations{};

 protected:
  Object(ObjectType type, std::uint64_t address) : type_(type), address_(address) {}

 private:
  friend class ObjectManager;
  const ObjectType type_;
  std::uint64_t address_;     // set once, by ObjectManager::create, before the object is published
  std::uint64_t serial_ = 0;  // set by ObjectManager::create
  std::atomic<std::int64_t> pointer_count_{1};  ///< the creator's reference
  std::atomic<std::int64_t> handle_count_{0};
  std::atomic<bool> deleted_{false};
};

/// What becomes of a deleted object's host memory (see the file comment).
enum class Tombstones : std::uint8_t { Keep, ReclaimUnnamed };

/// Owns every object of one kernel instance.
class ObjectManager {
 public:
  using DeleteProcedure = std::function<void(Object&)>;
  /// Under ReclaimUnnamed, asked before an unnamed tombstone is released; false keeps it.
  using ReclaimHook = std::function<bool(const Object&)>;

  explicit ObjectManager(Arch arch);
  /// Hands its index chunks, cleared, to the next ObjectManager of the host process.
  ~ObjectManager();
  ObjectManager(const ObjectManager&) = delete;
  ObjectManager& operator=(const ObjectManager&) = delete;

  /// ObCreateObject: a new `T(kUnplaced, args...)` with PointerCount 1 and HandleCount 0.
  /// The object is built before the lock is taken (its host allocation and constructor are no
  /// part of the section other host threads wait for); its address and serial are given under
  /// the lock, where it is published.
  template <class T, class... Args>
  T& create(Args&&... args) NTEMU_EXCLUDES(lock_) {
    auto object = std::make_unique<T>(Object::kUnplaced, std::forward<Args>(args)...);
    SpinLocker hold(lock_);
    // A reclaimed address is reused first, like pool memory (ReclaimUnnamed only); else the
    // next fresh one.
    auto& reusable = free_addresses_[static_cast<int>(T::kObjectType)];
    std::uint64_t address = next_address_;
    if (!reusable.empty()) {
      address = reusable.back();
      reusable.pop_back();
    } else {
      next_address_ += stride(T::kObjectType);
    }
    object->address_ = address;
    object->serial_ = ++serials_;
    adopt_locked(address, object.get());
    return *object.release();
  }

  /// The tombstone policy; set before objects are deleted.
  void set_tombstones(Tombstones policy, ReclaimHook hook = {});
  Tombstones tombstones() const { return tombstones_; }
  /// The serial the next object will get: every object created so far has a lower one.
  std::uint64_t watermark() const NTEMU_EXCLUDES(lock_) {
    SpinLocker hold(lock_);
    return serials_ + 1;
  }
  /// Objects in host memory now (live and kept tombstones).
  std::size_t resident() const NTEMU_EXCLUDES(lock_);

  /// The procedure run when an object of `type` loses its last reference (before it becomes a
  /// tombstone). Set once, before objects of that type are dereferenced.
  void set_delete_procedure(ObjectType type, DeleteProcedure procedure);
  /// Asked when an object loses its last reference: true defers its deletion (as NT's
  /// ObpDeferObjectDeletion does where deleting now is not safe) until run_deferred(). Set
  /// once, before objects are dereferenced.
  using DeferHook = bool (*)();
  void set_defer_hook(DeferHook hook) { defer_hook_ = hook; }
  /// Runs the deletions deferred so far, oldest first (and any they cause, unless deferred
  /// again).
  void run_deferred() NTEMU_EXCLUDES(lock_);

  /// ObReferenceObject.
  void reference(Object& o) { o.pointer_count_.fetch_add(1, std::memory_order_relaxed); }
  /// ObReferenceObjectSafe: takes a reference only while the count is above 0.
  [[nodiscard]] bool reference_safe(Object& o);
  /// ObDereferenceObject: at 0 runs the delete procedure — now, or later if the defer hook says
  /// so — then marks the object deleted (and under ReclaimUnnamed may release it: `o` must not be
  /// used after this call).
  /// Dereferencing a kept tombstone is a no-op that returns false (reported, not undefined).
  bool dereference(Object& o);
  /// Handle count bookkeeping (ObInsertObject / NtClose).
  void increment_handle_count(Object& o) {
    o.handle_count_.fetch_add(1, std::memory_order_relaxed);
  }
  void decrement_handle_count(Object& o) {
    o.handle_count_.fetch_sub(1, std::memory_order_relaxed);
  }

  /// The object (live or tombstone) at `address`, or nullptr if none was ever there.
  Object* find(std::uint64_t address) const NTEMU_EXCLUDES(lock_);
  /// Calls `fn(object or nullptr)` with the object at `address` while no object can be released:
  /// for reading an object the caller holds no reference on. `fn` must be short and must not
  /// call into the object manager.
  template <class Fn>
  void inspect(std::uint64_t address, Fn&& fn) const NTEMU_EXCLUDES(lock_) {
    SpinLocker hold(lock_);
    fn(static_cast<const Object*>(find_locked(address)));
  }
  /// Every object in host memory (live and kept tombstones), in creation order.
  std::vector<Object*> all() const NTEMU_EXCLUDES(lock_);

 private:
  std::uint64_t stride(ObjectType type) const;
  void delete_now(Object& o);
  void reclaim(Object& o) NTEMU_EXCLUDES(lock_);

  // A lock-free index for find(): one bucket per smallest-stride span of the model address
  // range (objects never overlap, so no two share a bucket), in chunks allocated on first use
  // and kept for the manager's life. Written under lock_; read with acquire loads. Addresses
  // beyond it (x64 after about 4M objects) are found in the map under the lock.
  static constexpr std::uint64_t kIndexChunk = 4096;
  static constexpr std::uint64_t kIndexChunks = 1024;
  static constexpr std::uint64_t kNoBucket = kIndexChunk * kIndexChunks;
  struct Bucket {
    std::atomic<std::uint64_t> address{0};  // the object's address: a probe of another
    std::atomic<Object*> object{nullptr};   // address in the same span finds nothing
  };
  struct IndexChunk {
    Bucket buckets[kIndexChunk];
  };
  /// The bucket of `address`, or kNoBucket when the index does not cover it.
  std::uint64_t bucket(std::uint64_t address) const;
  void index_set(std::uint64_t address, Object* o) NTEMU_REQUIRES(lock_);
  /// Takes ownership of `o` (a new object at `address`): its bucket, or the overflow map.
  void adopt_locked(std::uint64_t address, Object* o) NTEMU_REQUIRES(lock_);
  Object* find_locked(std::uint64_t address) const NTEMU_REQUIRES(lock_);
  /// Calls `fn(Object*)` for every object in host memory, in no particular order.
  template <class Fn>
  void for_each_locked(Fn&& fn) const NTEMU_REQUIRES(lock_);
  /// Index chunks are 64 KB: zeroing a new one was ~10% of a harness test's boot. A manager's
  /// chunks go, their buckets cleared, to a host-wide stock the next manager takes from.
  using ChunkStock = ClearedStock<IndexChunk, 16>;

  const Arch arch_;
  mutable SpinLock lock_;  // short sections only: the map and the address counter
  std::uint64_t next_address_ NTEMU_GUARDED_BY(lock_);
  std::uint64_t serials_ NTEMU_GUARDED_BY(lock_) = 0;
  std::vector<std::uint64_t> free_addresses_[2] NTEMU_GUARDED_BY(lock_);  // by type
  // The objects in host memory, owned by their index bucket (one word each: an object costs no
  // map slot) or, for addresses beyond the index, by this map. Never iterated for output
  // without sorting (all() sorts).
  FlatMap64<Object*> overflow_ NTEMU_GUARDED_BY(lock_);
  std::size_t resident_ NTEMU_GUARDED_BY(lock_) = 0;
  const std::uint64_t base_address_;
  const std::uint64_t bucket_span_;  // the smaller of the two strides
  std::array<std::atomic<IndexChunk*>, kIndexChunks> index_{};
  std::vector<std::unique_ptr<IndexChunk>> index_storage_ NTEMU_GUARDED_BY(lock_);
  DeleteProcedure delete_procedures_[2];
  DeferHook defer_hook_ = nullptr;
  std::vector<Object*> deferred_ NTEMU_GUARDED_BY(lock_);  // deletions not run yet, oldest first
  // deferred_.size(), readable without the lock: run_deferred() with nothing deferred (after
  // every notify loop) then costs one load, not a lock pair. A deferral by another host thread
  // that this load misses is run by that thread's own next run_deferred().
  std::atomic<std::size_t> deferred_count_{0};
  Tombstones tombstones_ = Tombstones::Keep;
  ReclaimHook reclaim_hook_;
};

}  // namespace ntemu::ob
