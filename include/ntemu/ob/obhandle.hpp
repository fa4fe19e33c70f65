// SPDX-License-Identifier: MIT
/// \file
/// Object handles: inserting an object into a handle table, closing a handle, closing every
/// handle of a table — the object manager's work behind ObInsertObject, NtClose and
/// ObKillProcess. A handle holds a reference and counts in the object's HandleCount; closing
/// the last reference deletes the object (its delete procedure runs, which may throw BugCheck).
#pragma once

#include <cstdint>

#include "ntemu/ex/any_handle_table.hpp"
#include "ntemu/ob/object.hpp"
#include "ntemu/support/arch.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu::ob {

/// OBJ_KERNEL_HANDLE's mark on a handle value: the high bit of a 32-bit handle on x86, the
/// sign-extended 0xFFFFFFFF80000000 on x64 (semantics.md §10.7). A kernel handle lives in the
/// kernel handle table (System's); its table index is the value without the mark.
constexpr std::uint64_t kernel_handle_bit(Arch arch) {
  return arch == Arch::X64 ? 0xFFFFFFFF80000000ULL : 0x80000000ULL;
}
constexpr bool is_kernel_handle(Handle h, Arch arch) {
  return (h.value() & kernel_handle_bit(arch)) == kernel_handle_bit(arch);
}
constexpr Handle as_kernel_handle(Handle h, Arch arch) {
  return Handle{h.value() | kernel_handle_bit(arch)};
}
constexpr Handle without_kernel_bit(Handle h, Arch arch) {
  return Handle{h.value() & ~kernel_handle_bit(arch)};
}

/// ObInsertObject: a handle to `object` in `table` granting `access`, holding a new reference;
/// a null handle, changing nothing, when the table is full.
Handle ObInsertObject(ObjectManager& objects, ex::AnyHandleTable& table, Object& object,
                      std::uint32_t access);
/// NtClose's work: closes `handle` in `table` and drops its reference. STATUS_INVALID_HANDLE if
/// `handle` is not open there.
Status ObCloseHandle(ObjectManager& objects, ex::AnyHandleTable& table, Handle handle);
/// ObKillProcess's sweep: closes every handle in `table` — collected under each entry's lock,
/// closed afterwards — in handle order.
void ObCloseAllHandles(ObjectManager& objects, ex::AnyHandleTable& table);

}  // namespace ntemu::ob
