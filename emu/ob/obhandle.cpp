// SPDX-License-Identifier: MIT
#include "ntemu/ob/obhandle.hpp"

#include <utility>

#include <boost/container/small_vector.hpp>

namespace ntemu::ob {
namespace {

// The object a closed handle named loses that handle's count and reference.
void release_handle(ObjectManager& objects, std::uint64_t address) {
  if (Object* o = objects.find(address)) {
    objects.decrement_handle_count(*o);
    objects.dereference(*o);  // may delete, and may bugcheck
  }
}

}  // namespace

Handle ObInsertObject(ObjectManager& objects, ex::AnyHandleTable& table, Object& object,
                      std::uint32_t access) {
  const Handle h = table.create({.object = object.address(), .granted_access = access});
  if (h.is_null()) return h;
  objects.reference(object);
  objects.increment_handle_count(object);
  return h;
}

Status ObCloseHandle(ObjectManager& objects, ex::AnyHandleTable& table, Handle handle) {
  std::uint64_t address = 0;
  table.with_locked(handle, [&](const ex::EntryView& e) { address = e.object; });
  if (address == 0 || !table.destroy(handle)) return STATUS_INVALID_HANDLE;
  release_handle(objects, address);
  return STATUS_SUCCESS;
}

void ObCloseAllHandles(ObjectManager& objects, ex::AnyHandleTable& table) {
  // Inline for a typical process's few handles: an exit allocates nothing here.
  boost::container::small_vector<std::pair<Handle, std::uint64_t>, 16> open;
  table.enumerate([&](Handle h, const ex::EntryView& e) { open.emplace_back(h, e.object); });
  for (const auto& [h, address] : open) {
    if (table.destroy(h)) release_handle(objects, address);
  }
}

}  // namespace ntemu::ob
