// SPDX-License-Identifier: MIT
// Handles to existing processes and threads (semantics.md §3.4, §10.9): NtOpenProcess and
// NtOpenThread look the ID up (PsLookupProcessThreadByCid when both halves are given, else the
// one-ID lookup) and open the object they found for the caller (ObOpenObjectByPointer): a handle
// in the caller's process table, or a kernel handle; NtDuplicateObject copies a handle into
// another table. The object callbacks (ObRegisterCallbacks, ob/obcallback.hpp) run around each.
// An ID off by 1..3 names the same table entry (the two tag bits); whether the open path accepts
// it is the profile's open_by_id_tag_bits.
#include "entry_point.hpp"
#include "ntemu/ob/obhandle.hpp"
#include "syscall_frames.hpp"

namespace ntemu::ps {
namespace {

constexpr std::uint64_t kTagBits = 3;
constexpr std::uint64_t kCxxException = 0xE06D7363;  // the code MSVC gives C++ exceptions

bool has_tag_bits(const ClientId& cid) {
  return ((cid.UniqueProcess.value() | cid.UniqueThread.value()) & kTagBits) != 0;
}

}  // namespace

Executive::Opened Executive::PspMakeHandle(ob::ObjectCallbacks::Operation& op, Process& owner,
                                           std::uint32_t access) {
  if ((owner.Flags.load(std::memory_order_acquire) & Process::kFlagProcessExiting) != 0) {
    return {STATUS_PROCESS_IS_TERMINATING};  // its handle table is gone
  }
  // The object callbacks (Vista SP1+): the pre routines may take rights away, the post routines
  // hear what was granted. A routine that throws is an unhandled kernel-mode exception.
  std::uint32_t granted = access;
  Opened opened{STATUS_SUCCESS};
  try {
    granted = object_callbacks_.run_pre(op, access);
    Handle handle = ObInsertObject(owner, *op.object, granted);
    if (handle.is_null()) {
      opened.status = STATUS_INSUFFICIENT_RESOURCES;
    } else {
      opened.handle = op.kernel_handle ? ob::as_kernel_handle(handle, profile_.arch) : handle;
      opened.granted = granted;
    }
    object_callbacks_.run_post(op, opened.status, opened.status.ok() ? granted : 0);
  } catch (const BugCheck&) {
    throw;
  } catch (...) {
    routine_faulted(kCxxException);
  }
  return opened;
}

Executive::Opened Executive::ObOpenObjectByPointer(ob::Object& object, std::uint32_t access,
                                                   bool kernel_handle) {
  dbg::FrameScope frame("nt", "ObOpenObjectByPointer");
  ob::ObjectCallbacks::Operation op;
  op.operation = ob::OB_OPERATION_HANDLE_CREATE;
  op.kernel_handle = kernel_handle;
  op.object = &object;
  return PspMakeHandle(op, kernel_handle ? *system_process_ : current_process(), access);
}

Executive::Opened Executive::NtDuplicateObject(Process& source, Handle source_handle,
                                               Process& target, std::uint32_t DesiredAccess,
                                               bool kernel_handle) {
  Thread& caller = current_thread();
  Executive::ContextScope enter(*this, caller);
  detail::SystemCallFrames gate(profile_, detail::caller_mode(caller), "ZwDuplicateObject");
  dbg::FrameScope frame("nt", "NtDuplicateObject");
  if (Status s = caller_check(caller, nullptr); !s.ok()) return {s};
  if (source.is_deleted() || target.is_deleted()) return {STATUS_INVALID_HANDLE};
  // The source handle's object, referenced under its entry's lock (a kernel handle is in the
  // kernel handle table, indexed without its mark).
  Handle h = source_handle;
  if (ob::is_kernel_handle(h, profile_.arch)) {
    if (&source != system_process_) return {STATUS_INVALID_HANDLE};
    h = ob::without_kernel_bit(h, profile_.arch);
  }
  ob::Object* object = nullptr;
  source.ObjectTable->with_locked(h, [&](const ex::EntryView& e) {
    ob::Object* o = objects_.find(e.object);
    if (o != nullptr && !o->is_deleted() && objects_.reference_safe(*o)) object = o;
  });
  if (object == nullptr) return {STATUS_INVALID_HANDLE};
  const std::uint32_t all = object->type() == ob::ObjectType::Process ? profile_.process_all_access
                                                                      : profile_.thread_all_access;
  ob::ObjectCallbacks::Operation op;
  op.operation = ob::OB_OPERATION_HANDLE_DUPLICATE;
  op.kernel_handle = kernel_handle;
  op.object = object;
  op.source_process = &source;
  op.target_process = &target;
  const Opened opened = PspMakeHandle(op, kernel_handle ? *system_process_ : target,
                                      DesiredAccess == kMaximumAllowed ? all : DesiredAccess);
  ObDereferenceObject(*object);
  return opened;
}

Status Executive::ObRegisterCallbacks(const ob::OB_CALLBACK_REGISTRATION& registration,
                                      void** RegistrationHandle) {
  *RegistrationHandle = nullptr;
  if (!profile_.has_object_callbacks) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "ObRegisterCallbacks");
  return object_callbacks_.ObRegisterCallbacks(registration, RegistrationHandle);
}

Status Executive::ObUnRegisterCallbacks(void* RegistrationHandle) {
  if (!profile_.has_object_callbacks) return STATUS_NOT_IMPLEMENTED;
  detail::EntryPoint entry(this, "ObUnRegisterCallbacks");
  return object_callbacks_.ObUnRegisterCallbacks(RegistrationHandle);
}

Executive::Opened Executive::NtOpenProcess(const ClientId& cid, std::uint32_t DesiredAccess,
                                           bool kernel_handle) {
  Thread& caller = current_thread();
  Executive::ContextScope enter(*this, caller);
  detail::SystemCallFrames gate(profile_, detail::caller_mode(caller), "ZwOpenProcess");
  dbg::FrameScope frame("nt", "NtOpenProcess");
  if (Status s = caller_check(caller, nullptr); !s.ok()) return {s};
  if (profile_.open_by_id_tag_bits == OpenByIdTagBits::AccessDenied && has_tag_bits(cid)) {
    return {STATUS_ACCESS_DENIED};
  }
  Process* process = nullptr;
  Status st = STATUS_SUCCESS;
  if (!cid.UniqueThread.is_null()) {
    Thread* thread = nullptr;
    st = PsLookupProcessThreadByCid(cid, &process, &thread);
    if (st.ok()) ObDereferenceObject(*thread);
  } else {
    st = PsLookupProcessByProcessId(cid.UniqueProcess, &process);
  }
  if (!st.ok()) return {st};
  const std::uint32_t access =
      DesiredAccess == kMaximumAllowed ? profile_.process_all_access : DesiredAccess;
  const Opened opened = ObOpenObjectByPointer(*process, access, kernel_handle);
  ObDereferenceObject(*process);  // the handle holds its own reference
  return opened;
}

Executive::Opened Executive::NtOpenThread(const ClientId& cid, std::uint32_t DesiredAccess,
                                          bool kernel_handle) {
  Thread& caller = current_thread();
  Executive::ContextScope enter(*this, caller);
  detail::SystemCallFrames gate(profile_, detail::caller_mode(caller), "ZwOpenThread");
  dbg::FrameScope frame("nt", "NtOpenThread");
  if (Status s = caller_check(caller, nullptr); !s.ok()) return {s};
  if (profile_.open_by_id_tag_bits == OpenByIdTagBits::AccessDenied && has_tag_bits(cid)) {
    return {STATUS_ACCESS_DENIED};
  }
  Thread* thread = nullptr;
  Status st = STATUS_SUCCESS;
  if (!cid.UniqueProcess.is_null()) {
    st = PsLookupProcessThreadByCid(cid, nullptr, &thread);
  } else {
    st = PsLookupThreadByThreadId(cid.UniqueThread, &thread);
  }
  if (!st.ok()) return {st};
  const std::uint32_t access =
      DesiredAccess == kMaximumAllowed ? profile_.thread_all_access : DesiredAccess;
  const Opened opened = ObOpenObjectByPointer(*thread, access, kernel_handle);
  ObDereferenceObject(*thread);
  return opened;
}

}  // namespace ntemu::ps
