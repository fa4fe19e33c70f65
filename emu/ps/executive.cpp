// SPDX-License-Identifier: MIT
// The executive's small entry points and plumbing: tombstones, inspection, NtClose
// (whose work is the object manager's, ob/obhandle.cpp), pokes and the bugcheck.
#include "ntemu/ob/obhandle.hpp"

#include <algorithm>

#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

namespace ntemu::ps {

Executive::~Executive() = default;

void Executive::set_tombstones(ob::Tombstones policy) {
  // Never release the thread current on the releasing host thread: it is still in use there.
  objects_.set_tombstones(policy, [](const ob::Object& o) { return t_host_context.thread != &o; });
}

Process* Executive::process_at(std::uint64_t address) const {
  ob::Object* o = objects_.find(address);
  return o != nullptr && o->type() == ob::ObjectType::Process ? static_cast<Process*>(o) : nullptr;
}

Thread* Executive::thread_at(std::uint64_t address) const {
  ob::Object* o = objects_.find(address);
  return o != nullptr && o->type() == ob::ObjectType::Thread ? static_cast<Thread*>(o) : nullptr;
}

std::string Executive::routine_symbol(const void* routine) const {
  return symbols_.text(routine);
}

Handle Executive::ObInsertObject(Process& owner, ob::Object& object, std::uint32_t access) {
  // An exiting process's handle table is gone (ObKillProcess): no handle goes into it.
  if ((owner.Flags.load(std::memory_order_acquire) & Process::kFlagProcessExiting) != 0) {
    return Handle{};
  }
  return ob::ObInsertObject(objects_, *owner.ObjectTable, object, access);
}

Status Executive::NtClose(Process& owner, Handle handle) {
  detail::EntryPoint entry(this, "NtClose");
  // A kernel handle is in the kernel handle table (System's), indexed without its mark.
  if (ob::is_kernel_handle(handle, profile_.arch)) {
    if (&owner != system_process_) return STATUS_INVALID_HANDLE;
    handle = ob::without_kernel_bit(handle, profile_.arch);
  }
  return ob::ObCloseHandle(objects_, *owner.ObjectTable, handle);  // may delete, and bugcheck
}

void Executive::ObKillProcess(Process& process) {
  dbg::FrameScope frame("nt", "ObKillProcess");
  ob::ObCloseAllHandles(objects_, *process.ObjectTable);
}

void Executive::poke_unique_process_id(Process& process, ProcessId value) {
  observe(&KernelObserver::pid_poked, process, value);
  process.UniqueProcessId.store(value.value(), std::memory_order_release);
}

void Executive::bug_check(std::uint32_t code, std::string_view name, std::uint64_t p1,
                          std::uint64_t p2) {
  bugcheck_ = std::make_unique<BugCheck>(code, name, std::array<std::uint64_t, 4>{p1, p2, 0, 0});
  throw BugCheck(*bugcheck_);
}

}  // namespace ntemu::ps
