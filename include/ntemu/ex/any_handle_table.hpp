// SPDX-License-Identifier: MIT
/// \file
/// `AnyHandleTable`: a handle table whose architecture is chosen at run time (the kernel
/// profile's), for code above `ex/` that must not be a template. It forwards to
/// `HandleTable<Arch::X86>` or `HandleTable<Arch::X64>`; entries are reported as
/// `EntryView`s (object address, granted access) while locked.
#pragma once

#include <cstdint>
#include <memory>
#include <variant>

#include "ntemu/ex/handle_table.hpp"

namespace ntemu::ex {

/// What a locked entry holds, width-independent.
struct EntryView {
  std::uint64_t object = 0;  ///< object address, lock and attribute bits masked off
  std::uint32_t granted_access = 0;
  std::uint64_t raw_object = 0;  ///< word 0 as stored (lock bit as it was before locking)
  std::uint64_t raw_value = 0;   ///< word 1 as stored
};

class AnyHandleTable {
  // Helpers first: members with deduced return types must be defined before use.
  template <class E>
  static EntryView view(const E& e) {
    return {e.object(), e.granted_access(), static_cast<std::uint64_t>(e.raw_object()),
            static_cast<std::uint64_t>(e.raw_value())};
  }
  template <class Fn>
  decltype(auto) visit(Fn&& fn) {
    return std::visit([&](auto& p) -> decltype(auto) { return fn(*p); }, table_);
  }
  template <class Fn>
  decltype(auto) visit(Fn&& fn) const {
    return std::visit([&](const auto& p) -> decltype(auto) { return fn(std::as_const(*p)); },
                      table_);
  }

 public:
  AnyHandleTable(Arch arch, HandleTableOptions options) {
    if (arch == Arch::X86) {
      table_ = std::make_unique<HandleTable<Arch::X86>>(options);
    } else {
      table_ = std::make_unique<HandleTable<Arch::X64>>(options);
    }
  }

  Arch arch() const { return table_.index() == 0 ? Arch::X86 : Arch::X64; }
  [[nodiscard]] Handle create(const HandleTableEntryTemplate& t) {
    return visit([&](auto& tbl) { return tbl.create(t); });
  }
  [[nodiscard]] bool destroy(Handle h, std::uint64_t* object = nullptr) {
    return visit([&](auto& tbl) { return tbl.destroy(h, object); });
  }
  /// Maps `h` (ExMapHandleToPointer), calls `fn(const EntryView&)` with the entry locked,
  /// unlocks, and returns true; returns false (fn not called) when `h` does not map.
  template <class Fn>
  bool with_locked(Handle h, Fn&& fn) {
    return visit([&](auto& tbl) {
      auto* e = tbl.map(h);
      if (e == nullptr) return false;
      fn(view(*e));
      tbl.unlock(e);
      return true;
    });
  }
  /// ExEnumHandleTable: `fn(Handle, const EntryView&)` for each in-use entry, ascending.
  template <class Fn>
  void enumerate(Fn&& fn) {
    visit([&](auto& tbl) {
      tbl.enumerate([&](const auto& e, Handle h) {
        fn(h, view(e));
        return false;
      });
    });
  }
  void set_owner(ProcessId pid) {
    visit([&](auto& tbl) { tbl.set_owner(pid); });
  }
  ProcessId owner() const {
    return visit([](const auto& tbl) { return tbl.owner(); });
  }
  std::uint32_t handle_count() const {
    return visit([](const auto& tbl) { return tbl.handle_count(); });
  }
  FreePolicy free_policy() const {
    return visit([](const auto& tbl) { return tbl.free_policy(); });
  }
  unsigned level() const {
    return visit([](const auto& tbl) { return tbl.level(); });
  }

  std::variant<std::unique_ptr<HandleTable<Arch::X86>>, std::unique_ptr<HandleTable<Arch::X64>>>
      table_;
};

}  // namespace ntemu::ex
