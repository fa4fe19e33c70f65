// SPDX-License-Identifier: MIT
// Opening by client ID (semantics.md §3.4, §10.9): NtOpenProcess and NtOpenThread look the ID up
// (PsLookupProcessThreadByCid when both halves are given, else the one-ID lookup) and open the
// object they found for the caller (ObOpenObjectByPointer): a handle in the caller's process
// table, or a kernel handle. An ID off by 1..3 names the same table entry (the two tag bits);
// whether the open path accepts it is the profile's open_by_id_tag_bits.
#include "entry_point.hpp"
#include "ntemu/ob/obhandle.hpp"
#include "syscall_frames.hpp"

namespace ntemu::ps {
namespace {

constexpr std::uint64_t kTagBits = 3;

bool has_tag_bits(const ClientId& cid) {
  return ((cid.UniqueProcess.value() | cid.UniqueThread.value()) & kTagBits) != 0;
}

}  // namespace

Executive::Opened Executive::ObOpenObjectByPointer(ob::Object& object, std::uint32_t access,
                                                   bool kernel_handle) {
  dbg::FrameScope frame("nt", "ObOpenObjectByPointer");
  Process& owner = kernel_handle ? *system_process_ : current_process();
  if ((owner.Flags.load(std::memory_order_acquire) & Process::kFlagProcessExiting) != 0) {
    return {STATUS_PROCESS_IS_TERMINATING};  // its handle table is gone
  }
  Handle handle = ObInsertObject(owner, object, access);
  if (handle.is_null()) return {STATUS_INSUFFICIENT_RESOURCES};
  if (kernel_handle) handle = ob::as_kernel_handle(handle, profile_.arch);
  return {STATUS_SUCCESS, handle};
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
  const std::uint32_t access = DesiredAccess == kMaximumAllowed ? kProcessAllAccess : DesiredAccess;
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
  const std::uint32_t access = DesiredAccess == kMaximumAllowed ? kThreadAllAccess : DesiredAccess;
  const Opened opened = ObOpenObjectByPointer(*thread, access, kernel_handle);
  ObDereferenceObject(*thread);
  return opened;
}

}  // namespace ntemu::ps
