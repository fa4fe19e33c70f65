// SPDX-License-Identifier: MIT
/// \file
/// The NT executive handle table (`HANDLE_TABLE`), as Server 2003 SP1 builds it
/// (semantics.md §6, source tag WRK:handle). The same type serves as `PspCidTable`, where an
/// entry's object is a process or thread and its handle value is the PID or TID, and as a
/// process's object handle table.
///
/// Shape, per architecture (`HandleTableGeometry`):
/// - a handle value is index × 4; its two low tag bits are ignored on lookup;
/// - entries are two pointer-sized words (8 bytes on x86, 16 on x64): word 0 is the object
///   address with bit 0 as the entry lock (1 = unlocked) and 0 meaning free; word 1 is the
///   granted access while in use, the next free handle value while free;
/// - entries live in low-level pages of 512 (x86) / 256 (x64); slot 0 of every page is
///   reserved, so 0 and every multiple of 0x800 (x86) / 0x400 (x64) is never handed out;
/// - the table grows from one page (level 0) to a mid-level page of page pointers (level 1) to a
///   top-level array of those (level 2), capped at 2^24 index slots; then creation fails.
///
/// Objects are *model* kernel addresses (a 32-bit value on x86), never host pointers: the table
/// knows nothing of processes, and a stale entry is a number the object layer can recognise as
/// a tombstone, not a dangling host pointer.
///
/// Concurrency: create, destroy, map/unlock, lookup and enumerate may be called from any number
/// of host threads at once. Allocation pops a sequence-tagged free-list head with one
/// compare-exchange (NT's FirstFree carries the same kind of sequence number), expansion takes
/// the table lock, entry locking is the compare-exchange on word 0 that NT uses.
///
/// \code
///   ntemu::ex::HandleTable<ntemu::Arch::X86> cid({.free_policy =
///   ntemu::ex::FreePolicy::StrictFifo}); ntemu::Handle pid = ExCreateHandle(cid, {.object =
///   0x81234568, .granted_access = 0});  // 4 if (auto* e = ExMapHandleToPointer(cid, pid)) {   //
///   entry is locked
///     use(e->object());
///     ExUnlockHandleTableEntry(cid, e);
///   }
///   bool first = ExDestroyHandle(cid, pid);   // true
///   bool again = ExDestroyHandle(cid, pid);   // false: double destroy is detected
/// \endcode
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ntemu/support/arch.hpp"
#include "ntemu/support/atomic_ref.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/scheduling_point.hpp"
#include "ntemu/support/thread_annotations.hpp"

namespace ntemu::ex {

/// Page geometry and limits per architecture (semantics.md §6.2).
template <Arch A>
struct HandleTableGeometry {
  /// Entries per low-level page (LOWLEVEL_COUNT); slot 0 of each is reserved.
  static constexpr std::uint32_t kLowLevelCount = A == Arch::X86 ? 512 : 256;
  /// Page pointers per mid-level page (MIDLEVEL_COUNT).
  static constexpr std::uint32_t kMidLevelCount = A == Arch::X86 ? 1024 : 512;
  /// Index slots in a full table (MAX_HANDLES).
  static constexpr std::uint32_t kMaxHandles = 1U << 24;
  /// Top-level entries (HIGHLEVEL_COUNT): 32 on x86, 128 on x64.
  static constexpr std::uint32_t kHighLevelCount = kMaxHandles / (kLowLevelCount * kMidLevelCount);
  /// Low-level pages in a full table.
  static constexpr std::uint32_t kMaxLowLevelPages = kHighLevelCount * kMidLevelCount;
  /// Handle values spanned by one low-level page; its multiples are reserved (0x800 / 0x400).
  static constexpr std::uint64_t kPageSpan =
      std::uint64_t{kLowLevelCount} * Handle::kValueIncrement;
};

/// How freed entries are reused (semantics.md §6.3).
enum class FreePolicy : std::uint8_t {
  /// Normal tables: a freed handle goes to the head of FirstFree and is reused first.
  Lifo,
  /// PspCidTable: frees go to LastFree; when FirstFree runs dry they are moved over oldest
  /// first, and fewer than 100 of them make the table expand instead (fresh values first).
  StrictFifo,
};

/// What ExCreateHandle copies into a new entry (the HANDLE_TABLE_ENTRY template).
struct HandleTableEntryTemplate {
  /// Model kernel address of the object: non-zero, bit 0 clear, and within the architecture's
  /// pointer width. Bits 1–2 are kept as OB attribute bits.
  std::uint64_t object = 0;
  /// GrantedAccess; 0 for PspCidTable entries.
  std::uint32_t granted_access = 0;
};

template <Arch A>
class HandleTable;

/// One HANDLE_TABLE_ENTRY: exactly two pointer-sized words.
template <Arch A>
class HandleTableEntry {
 public:
  using Word = typename ArchTraits<A>::Word;
  static constexpr Word kLockBit = 1;  ///< EXHANDLE_TABLE_ENTRY_LOCK_BIT: set = unlocked
  static constexpr Word kAttributeBits = 6;
  static constexpr Word kObjectMask = ~Word{7};
  /// Word 1 of every page's reserved slot 0 (EX_ADDITIONAL_INFO_SIGNATURE, −2).
  static constexpr Word kReservedSignature = static_cast<Word>(-2);

  HandleTableEntry() = default;

  /// Word 0 as stored: object | attributes | lock bit, or 0 when free.
  Word raw_object() const { return object_.load(std::memory_order_acquire); }
  /// Word 1 as stored: GrantedAccess in use; NextFreeTableEntry (a handle value) when free.
  Word raw_value() const { return value_.load(std::memory_order_acquire); }
  /// The object address, without lock and attribute bits.
  std::uint64_t object() const { return raw_object() & kObjectMask; }
  /// OB attribute bits 1–2 of word 0.
  std::uint32_t attributes() const {
    return static_cast<std::uint32_t>(raw_object() & kAttributeBits);
  }
  std::uint32_t granted_access() const { return static_cast<std::uint32_t>(raw_value()); }
  bool is_free() const { return raw_object() == 0; }
  /// In use and currently locked by some holder.
  bool is_locked() const {
    Word w = raw_object();
    return w != 0 && (w & kLockBit) == 0;
  }

 private:
  friend class HandleTable<A>;
  // Plain words reached through AtomicRef (std::atomic_ref): a fresh page is written with plain
  // stores (or copied whole) before it is published; every access after that is atomic.
  class Cell {
   public:
    Word load(std::memory_order order) const { return AtomicRef<Word>(word_).load(order); }
    void store(Word v, std::memory_order order) { AtomicRef<Word>(word_).store(v, order); }
    bool compare_exchange_weak(Word& expected, Word desired, std::memory_order success,
                               std::memory_order failure) {
      return AtomicRef<Word>(word_).compare_exchange_weak(expected, desired, success, failure);
    }
    void init(Word v) { word_ = v; }  // only while the page is not yet published

   private:
    // No initialiser: a fresh page is written whole (HandleTable::expand_locked) before use.
    alignas(AtomicRef<Word>::required_alignment) mutable Word word_;
  };
  // Copyable by the table only, so that a page of entries is trivially copyable: a table's
  // first page is copied whole from a prepared one.
  HandleTableEntry(const HandleTableEntry&) = default;
  HandleTableEntry& operator=(const HandleTableEntry&) = default;

  Cell object_;
  Cell value_;
};

static_assert(sizeof(HandleTableEntry<Arch::X86>) == 8, "x86 entries are two 32-bit words");
static_assert(sizeof(HandleTableEntry<Arch::X64>) == 16, "x64 entries are two 64-bit words");
static_assert(std::is_trivially_copyable_v<HandleTableEntry<Arch::X86>> &&
                  std::is_trivially_copyable_v<HandleTableEntry<Arch::X64>>,
              "a fresh page is copied whole from a prepared one");

/// Construction options.
struct HandleTableOptions {
  FreePolicy free_policy = FreePolicy::Lifo;
  /// The table's UniqueProcessId at creation: NT stamps the creating process's PID
  /// (semantics.md §2.2 step 6); ExSetHandleTableOwner changes it later.
  ProcessId owner{};
  /// Model option: the most low-level pages the table may hold. 0 means the architectural cap
  /// (`kMaxLowLevelPages`, 2^24 index slots). A smaller limit makes allocation failure cheap to
  /// reach, e.g. for "the TID allocation fails" scenarios; it does not change any other behaviour.
  std::uint32_t max_low_level_pages = 0;
};

/// The handle table. Not copyable or movable: entries are handed out by address.
template <Arch A>
class HandleTable {
 public:
  using Entry = HandleTableEntry<A>;
  using Word = typename Entry::Word;
  using Geometry = HandleTableGeometry<A>;

  explicit HandleTable(HandleTableOptions options = {});
  ~HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  /// ExCreateHandle: allocates an entry, copies `tmpl` into it unlocked, returns its handle
  /// value. Returns Handle{0} (NULL) when the table cannot grow (cap or `max_low_level_pages`
  /// reached with both free lists empty), or when `tmpl.object` is not a valid object address
  /// (0, bit 0 set, or wider than the architecture). Lock-free unless the table must grow.
  [[nodiscard]] Handle create(const HandleTableEntryTemplate& tmpl) NTEMU_EXCLUDES(lock_);

  /// ExDestroyHandle: frees the entry for `h` (tag bits ignored). Returns false, changing
  /// nothing, when `h` is 0, a reserved slot, beyond the allocated range, or already free — so
  /// destroying the same value twice returns true, then false. Waits while another holder has
  /// the entry locked. On success `*object` (if given) receives the object the entry named.
  [[nodiscard]] bool destroy(Handle h, std::uint64_t* object = nullptr) NTEMU_EXCLUDES(lock_);

  /// ExMapHandleToPointer: the entry for `h`, locked, or nullptr when `h` is reserved, beyond
  /// the allocated range or free. Waits while another holder has it locked. The caller must
  /// call unlock() on the result.
  [[nodiscard]] Entry* map(Handle h);

  /// ExUnlockHandleTableEntry: releases an entry returned by map() or passed to enumerate().
  void unlock(Entry* e);

  /// ExpLookupHandleTableEntry: the entry slot for `h` without locking it, or nullptr beyond
  /// the allocated range. Reserved and free slots are returned too; read them with is_free().
  const Entry* lookup(Handle h) const;

  /// ExEnumHandleTable: calls `fn(Entry&, Handle)` for each in-use entry in ascending handle
  /// order, with the entry locked during the call (so `fn` must not map or destroy that same
  /// handle). Stops when `fn` returns true: then stores that handle in `*found` (if given) and
  /// returns true. Returns false after visiting every entry.
  template <class Fn>
  bool enumerate(Fn&& fn, Handle* found = nullptr) {
    // No entry in use when the walk starts: nothing to visit (an entry created meanwhile is
    // one the walk may miss either way). handle_count() never undercounts live entries.
    if (handle_count() == 0) return false;
    const std::uint64_t end = next_handle_needing_pool();
    for (std::uint64_t page = 0; page < end; page += Geometry::kPageSpan) {
      // One page lookup per page, then its entries in order; slot 0 is reserved.
      Entry* entries = &entry_at(page + Handle::kValueIncrement) - 1;
      for (std::uint32_t i = 1; i < Geometry::kLowLevelCount; ++i) {
        Entry& e = entries[i];
        // A free entry is skipped with one plain load; under a controlled scheduler it is still
        // read through the lock's scheduling point, so schedules do not change.
        if (!sched::controlled() && e.is_free()) continue;
        if (!lock_entry(e)) continue;  // free
        const Handle h{page + std::uint64_t{i} * Handle::kValueIncrement};
        const bool stop = static_cast<bool>(fn(e, h));
        unlock(&e);
        if (stop) {
          if (found != nullptr) *found = h;
          return true;
        }
      }
    }
    return false;
  }

  /// ExSetHandleTableOwner: sets the owner PID (the table's UniqueProcessId) and nothing else.
  void set_owner(ProcessId pid) { owner_.store(pid.value(), std::memory_order_relaxed); }
  ProcessId owner() const { return ProcessId{owner_.load(std::memory_order_relaxed)}; }

  /// ExSetHandleTableStrictFIFO.
  void set_strict_fifo() { strict_fifo_.store(true, std::memory_order_relaxed); }
  FreePolicy free_policy() const {
    return strict_fifo_.load(std::memory_order_relaxed) ? FreePolicy::StrictFifo : FreePolicy::Lifo;
  }

  /// HandleCount: entries in use (allocations minus frees; exact whenever no create or destroy
  /// is in flight, a value between the before and after counts otherwise).
  std::uint32_t handle_count() const;
  /// The TableCode level: 0, 1 or 2.
  unsigned level() const {
    return static_cast<unsigned>(table_code_.load(std::memory_order_acquire) & 3U);
  }
  /// NextHandleNeedingPool: every valid handle value is below it.
  std::uint64_t next_handle_needing_pool() const {
    return next_handle_needing_pool_.load(std::memory_order_acquire);
  }
  /// Head of FirstFree (0 when empty), without its sequence number.
  Handle first_free() const {
    return Handle{first_free_.load(std::memory_order_acquire) & kFreeHandleMask};
  }
  /// Head of LastFree, the alternate free list (0 when empty).
  Handle last_free() const { return Handle{last_free_.load(std::memory_order_acquire)}; }
  /// Low-level pages allocated so far.
  std::uint32_t low_level_pages() const {
    return static_cast<std::uint32_t>(next_handle_needing_pool() / Geometry::kPageSpan);
  }
  /// Bytes of host memory held by the table's pages (low-, mid- and top-level), excluding this
  /// object: 0 until the first handle is created (the first page is shared until then).
  std::size_t page_bytes() const NTEMU_EXCLUDES(lock_);
  /// The low-level page limit in force (see HandleTableOptions::max_low_level_pages).
  std::uint32_t max_low_level_pages() const { return max_low_pages_; }

 private:
  struct LowPage;
  struct MidPage;
  struct TopPage;
  static constexpr std::uint64_t kFreeHandleMask = (std::uint64_t{1} << 26) - 1;

  struct Allocation {
    std::uint32_t value;  // 0 on failure
    Entry* entry;         // nullptr on failure
  };
  Entry& entry_at(std::uint64_t value) const;  // value < NextHandleNeedingPool, tag bits clear
  // The slot for `h` if it can hold an entry (not reserved, within range), else nullptr.
  Entry* usable_slot(Handle h) const;
  bool lock_entry(Entry& e);  // false when the entry is free
  void free_entry(std::uint32_t value, Entry& e);
  Allocation allocate_entry() NTEMU_EXCLUDES(lock_);
  std::uint32_t move_free_handles_locked() NTEMU_REQUIRES(lock_);
  bool expand_locked() NTEMU_REQUIRES(lock_);
  // Every table's first page, until the table's first allocation copies it (the constructor).
  static LowPage* shared_first_page();
  bool first_page_shared() const {
    return table_code_.load(std::memory_order_acquire) ==
           reinterpret_cast<std::uintptr_t>(shared_first_page());
  }
  void materialize_first_page() NTEMU_EXCLUDES(lock_);
  static void fill_fresh(LowPage& page, std::uint32_t first_index);
  void push_first_free(std::uint32_t head, Entry& tail);  // pushes head..tail in front

  // Lock-free state (interlocked in NT too).
  std::atomic<std::uintptr_t> table_code_{0};  ///< page address | level
  std::atomic<std::uint64_t> next_handle_needing_pool_{0};
  std::atomic<std::uint64_t> first_free_{0};  ///< entries ever popped << 26 | head handle value
  std::atomic<std::uint32_t> last_free_{0};
  std::atomic<std::uint64_t> frees_{0};  ///< entries ever freed; HandleCount = pops - frees
  std::atomic<std::uint64_t> owner_{0};
  std::atomic<bool> strict_fifo_{false};
  const std::uint32_t max_low_pages_;

  // Protected by lock_ (the table lock, taken only to grow the table or move LastFree).
  mutable Mutex lock_;
  std::vector<std::unique_ptr<LowPage>> low_pages_ NTEMU_GUARDED_BY(lock_);
  std::vector<std::unique_ptr<MidPage>> mid_pages_ NTEMU_GUARDED_BY(lock_);
  std::unique_ptr<TopPage> top_page_ NTEMU_GUARDED_BY(lock_);
};

extern template class HandleTable<Arch::X86>;
extern template class HandleTable<Arch::X64>;

/// Holds an entry locked by HandleTable::map() and unlocks it on destruction.
template <Arch A>
class [[nodiscard]] LockedEntry {
 public:
  LockedEntry(HandleTable<A>& table, Handle h) : table_(&table), entry_(table.map(h)) {}
  ~LockedEntry() { release(); }
  LockedEntry(LockedEntry&& o) noexcept
      : table_(o.table_), entry_(std::exchange(o.entry_, nullptr)) {}
  LockedEntry& operator=(LockedEntry&&) = delete;
  LockedEntry(const LockedEntry&) = delete;
  LockedEntry& operator=(const LockedEntry&) = delete;

  explicit operator bool() const { return entry_ != nullptr; }
  const HandleTableEntry<A>* get() const { return entry_; }
  const HandleTableEntry<A>* operator->() const { return entry_; }
  void release() {
    if (entry_ != nullptr) table_->unlock(std::exchange(entry_, nullptr));
  }

 private:
  HandleTable<A>* table_;
  HandleTableEntry<A>* entry_;
};

// The executive's own names, for code that follows NT step by step.

template <Arch A>
[[nodiscard]] Handle ExCreateHandle(HandleTable<A>& t, const HandleTableEntryTemplate& tmpl) {
  return t.create(tmpl);
}
template <Arch A>
[[nodiscard]] bool ExDestroyHandle(HandleTable<A>& t, Handle h) {
  return t.destroy(h);
}
template <Arch A>
[[nodiscard]] HandleTableEntry<A>* ExMapHandleToPointer(HandleTable<A>& t, Handle h) {
  return t.map(h);
}
template <Arch A>
void ExUnlockHandleTableEntry(HandleTable<A>& t, HandleTableEntry<A>* e) {
  t.unlock(e);
}
template <Arch A, class Fn>
bool ExEnumHandleTable(HandleTable<A>& t, Fn&& fn, Handle* found = nullptr) {
  return t.enumerate(std::forward<Fn>(fn), found);
}
template <Arch A>
void ExSetHandleTableOwner(HandleTable<A>& t, ProcessId pid) {
  t.set_owner(pid);
}
template <Arch A>
void ExSetHandleTableStrictFIFO(HandleTable<A>& t) {
  t.set_strict_fifo();
}

}  // namespace ntemu::ex
