// SPDX-License-Identifier: MIT
// The object manager's exported variables and its by-handle and by-pointer references
// (ntemu/wdk/ob.h). The object types are distinct static objects, compared by address; the
// handle is mapped in the current process's table (or the kernel's) under the entry's lock,
// and the reference taken there, so the object cannot go away between the two.
#include <cstdint>

#include "convert.hpp"
#include "guard.hpp"
#include "ntemu/ob/obhandle.hpp"
#include "ntemu/support/atomic_ref.hpp"
#include "references.hpp"
#include "section.hpp"
#include "state.hpp"

struct _OBJECT_TYPE {
  const char* name;
};

namespace {

_OBJECT_TYPE g_types[] = {{"Process"}, {"Thread"}, {"Event"}, {"Semaphore"}, {"File"},
                          {"Device"},  {"Driver"}, {"Token"}, {"Key"},       {"Section"}};
POBJECT_TYPE g_type_pointers[] = {&g_types[0], &g_types[1], &g_types[2], &g_types[3], &g_types[4],
                                  &g_types[5], &g_types[6], &g_types[7], &g_types[8], &g_types[9]};

POBJECT_TYPE type_of(const ntemu::ob::Object& o) {
  return o.type() == ntemu::ob::ObjectType::Process ? g_type_pointers[0] : g_type_pointers[1];
}

}  // namespace

POBJECT_TYPE* PsProcessType = &g_type_pointers[0];
POBJECT_TYPE* PsThreadType = &g_type_pointers[1];
POBJECT_TYPE* ExEventObjectType = &g_type_pointers[2];
POBJECT_TYPE* ExSemaphoreObjectType = &g_type_pointers[3];
POBJECT_TYPE* IoFileObjectType = &g_type_pointers[4];
POBJECT_TYPE* IoDeviceObjectType = &g_type_pointers[5];
POBJECT_TYPE* IoDriverObjectType = &g_type_pointers[6];
POBJECT_TYPE* SeTokenObjectType = &g_type_pointers[7];
POBJECT_TYPE* CmKeyObjectType = &g_type_pointers[8];
POBJECT_TYPE* MmSectionObjectType = &g_type_pointers[9];
PEPROCESS PsInitialSystemProcess = nullptr;

namespace ntemu::wdk {

void publish_variables(Kernel& k) {
  // Written only when it changes (a harness of another architecture), so that drivers'
  // plain reads do not race with harnesses of the same architecture on other threads.
  const auto system = to_peprocess(k.system_process());
  AtomicRef<PEPROCESS> variable(PsInitialSystemProcess);
  if (variable.load(std::memory_order_relaxed) != system)
    variable.store(system, std::memory_order_relaxed);
}

}  // namespace ntemu::wdk

using ntemu::Kernel;
namespace ob = ntemu::ob;

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                   PVOID* Object, POBJECT_HANDLE_INFORMATION HandleInformation) {
  if (Object != nullptr) *Object = nullptr;
  return ntemu::wdk::guarded_call(
      "ObReferenceObjectByHandle", APC_LEVEL, Object != nullptr, [&](Kernel& k) -> NTSTATUS {
        const ntemu::wdk::Current c = ntemu::wdk::current();
        const ntemu::Arch arch = k.profile().arch;
        const std::uint64_t value =
            ntemu::wdk::value_of(Handle) & (arch == ntemu::Arch::X86 ? 0xFFFFFFFFULL : ~0ULL);
        const std::uint64_t minus_one = arch == ntemu::Arch::X86 ? 0xFFFFFFFFULL : ~0ULL;
        if (void* section = ntemu::wdk::section_of_handle(c, Handle)) {  // an opaque object
          if (ObjectType != nullptr && ObjectType != *MmSectionObjectType)
            return STATUS_OBJECT_TYPE_MISMATCH;
          ntemu::wdk::count_opaque(c, section, +1, "ObReferenceObjectByHandle");
          *Object = section;
          if (HandleInformation != nullptr) *HandleInformation = {0, SECTION_ALL_ACCESS};
          return STATUS_SUCCESS;
        }
        ob::Object* found = nullptr;
        ACCESS_MASK granted = 0;
        if (value == minus_one || value == minus_one - 1) {  // NtCurrentProcess / Thread
          found = value == minus_one ? static_cast<ob::Object*>(&k.current_process())
                                     : static_cast<ob::Object*>(&k.current_thread());
          granted = value == minus_one ? PROCESS_ALL_ACCESS : THREAD_ALL_ACCESS;
          if (ObjectType != nullptr && ObjectType != type_of(*found))
            return STATUS_OBJECT_TYPE_MISMATCH;
          k.ObReferenceObject(*found);
        } else {
          ntemu::Handle h{value};
          ntemu::ps::Process* owner = &k.current_process();
          if (ob::is_kernel_handle(h, arch)) {
            if (AccessMode != KernelMode) return STATUS_INVALID_HANDLE;
            owner = &k.system_process();
            h = ob::without_kernel_bit(h, arch);
          }
          NTSTATUS status = STATUS_INVALID_HANDLE;
          owner->ObjectTable->with_locked(h, [&](const ntemu::ex::EntryView& e) {
            ob::Object* o = k.objects().find(e.object);
            if (o == nullptr || o->is_deleted()) return;
            if (ObjectType != nullptr && ObjectType != type_of(*o)) {
              status = STATUS_OBJECT_TYPE_MISMATCH;
              return;
            }
            granted = static_cast<ACCESS_MASK>(e.granted_access);
            if (AccessMode != KernelMode && (DesiredAccess & ~granted & 0x0FFFFFFFU) != 0) {
              status = STATUS_ACCESS_DENIED;
              return;
            }
            k.ObReferenceObject(*o);  // under the entry's lock: the handle keeps it alive
            found = o;
            status = STATUS_SUCCESS;
          });
          if (found == nullptr) return status;
        }
        ntemu::wdk::note_reference(c, *found, "ObReferenceObjectByHandle");
        *Object = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(found->address()));
        if (HandleInformation != nullptr) *HandleInformation = {0, granted};
        return STATUS_SUCCESS;
      });
}

NTSTATUS ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess,
                                    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode) {
  static_cast<void>(DesiredAccess);
  static_cast<void>(AccessMode);
  const ntemu::wdk::Current c = ntemu::wdk::current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  if (ntemu::wdk::count_opaque(c, Object, +1, "ObReferenceObjectByPointer")) return STATUS_SUCCESS;
  ob::Object* o = ntemu::wdk::resolve(c, Object, "ObReferenceObjectByPointer");
  if (o == nullptr) return STATUS_INVALID_PARAMETER;
  if (ObjectType != nullptr && ObjectType != type_of(*o)) return STATUS_OBJECT_TYPE_MISMATCH;
  c.kernel->ObReferenceObject(*o);
  ntemu::wdk::note_reference(c, *o, "ObReferenceObjectByPointer");
  return STATUS_SUCCESS;
}
