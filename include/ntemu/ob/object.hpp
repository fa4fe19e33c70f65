/// \file
/// The object manager's part of the model: object headers with pointer and handle counts,
/// deletion on the last reference, and tombstones.
///
/// Every object gets a deterministic *model kernel address* (a bump allocator in the system
/// range of the architecture) that is never reused. Handle tables and PspCidTable store these
/// addresses, not host pointers. When the last reference goes, the type's delete procedure runs
/// (e.g. PspThreadDelete) and the object becomes a **tombstone**: it stays in host memory, marked
/// deleted, so a CID entry still naming its address is a detectable state, never freed memory.
/// Host memory is released only when the whole kernel instance is destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "ntemu/support/arch.hpp"
#include "ntemu/support/mutex.hpp"

namespace ntemu::ob {

enum class ObjectType : std::uint8_t { Process, Thread };

constexpr std::string_view to_string(ObjectType t) {
  return t == ObjectType::Process ? "process" : "thread";
}

/// OBJECT_HEADER plus the common body. Derived types are the executive's objects.
class Object {
 public:
  virtual ~Object() = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  ObjectType type() const { return type_; }
  /// The object's model kernel address (8-byte aligned, never reused).
  std::uint64_t address() const { return address_; }
  std::int64_t pointer_count() const { return pointer_count_.load(std::memory_order_acquire); }
  std::int64_t handle_count() const { return handle_count_.load(std::memory_order_acquire); }
  /// True once the last reference went and the delete procedure ran: a tombstone.
  bool is_deleted() const { return deleted_.load(std::memory_order_acquire); }

 protected:
  Object(ObjectType type, std::uint64_t address) : type_(type), address_(address) {}

 private:
  friend class ObjectManager;
  const ObjectType type_;
  const std::uint64_t address_;
  std::atomic<std::int64_t> pointer_count_{1};  ///< the creator's reference
  std::atomic<std::int64_t> handle_count_{0};
  std::atomic<bool> deleted_{false};
};

/// Owns every object of one kernel instance.
class ObjectManager {
 public:
  using DeleteProcedure = std::function<void(Object&)>;

  explicit ObjectManager(Arch arch);
  ObjectManager(const ObjectManager&) = delete;
  ObjectManager& operator=(const ObjectManager&) = delete;

  /// ObCreateObject: a new `T(address, args...)` with PointerCount 1 and HandleCount 0.
  template <class T, class... Args>
  T& create(Args&&... args) NTEMU_EXCLUDES(lock_) {
    MutexLocker hold(lock_);
    const std::uint64_t address = next_address_;
    next_address_ += stride(T::kObjectType);
    auto object = std::make_unique<T>(address, std::forward<Args>(args)...);
    T& ref = *object;
    objects_.push_back(std::move(object));
    return ref;
  }

  /// The procedure run when an object of `type` loses its last reference (before it becomes a
  /// tombstone). Set once, before objects of that type are dereferenced.
  void set_delete_procedure(ObjectType type, DeleteProcedure procedure);

  /// ObReferenceObject.
  void reference(Object& o) { o.pointer_count_.fetch_add(1, std::memory_order_relaxed); }
  /// ObReferenceObjectSafe: takes a reference only while the count is above 0.
  [[nodiscard]] bool reference_safe(Object& o);
  /// ObDereferenceObject: at 0 runs the delete procedure, then marks the object deleted.
  /// Dereferencing a tombstone is a no-op that returns false (it is reported, not undefined).
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
  /// Every object ever created, in creation order (tombstones included).
  std::vector<Object*> all() const NTEMU_EXCLUDES(lock_);

 private:
  std::uint64_t stride(ObjectType type) const;

  const Arch arch_;
  mutable Mutex lock_;
  std::uint64_t next_address_ NTEMU_GUARDED_BY(lock_);
  std::vector<std::unique_ptr<Object>> objects_ NTEMU_GUARDED_BY(lock_);  ///< ascending addresses
  DeleteProcedure delete_procedures_[2];
};

}  // namespace ntemu::ob
