// SPDX-License-Identifier: MIT
/// \file
/// What the verifier reports: a `Finding` names a hazard the model detected — a kernel state
/// the real machine would corrupt or crash on, or a driver's misuse of the WDK surface — with
/// the IDs and object concerned and the step that caused it. Every kind, the kernel's and the
/// WDK's, is one `FindingKind` with one spelling; `finding_event` is the one builder of the
/// `finding` trace event.
///
/// \code
///   for (const ntemu::verify::Finding& f : kernel.audit())
///     fmt::print("{}: {}\n", f.kind, f.detail);   // "dangling-cid: PspCidTable entry 0x10 ..."
/// \endcode
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ntemu/trace/event.hpp"

namespace ntemu::verify {

/// Every kind of finding (docs/fidelity.md, "The verifier"; docs/driver-testing.md).
enum class FindingKind : std::uint8_t {
  // Raised by the kernel's verifier: a scenario can expect them.
  DanglingCid,          ///< a PspCidTable entry names a deleted object
  LeakedCid,            ///< an entry names an object that carries another ID now
  DuplicateCid,         ///< one object has several entries
  UnbalancedNotify,     ///< a routine saw creates and exits that do not pair up
  CallAfterRemove,      ///< a routine ran after (or while) its removal returned
  UseAfterFree,         ///< a lookup (or a WDK call) reached a deleted object
  RemovalDeadlock,      ///< a routine asked to remove itself from inside its own call
  NotifyCountMismatch,  ///< a registration counter differs from the slots in use
  LostCallbackBlock,    ///< an EX_CALLBACK block no slot holds and that was never freed
  ProcessLockReentry,   ///< a call from a routine under a process lock that needs that lock
  // Raised through the WDK surface and the driver harness.
  RoutineAfterUnload,      ///< a routine still registered once its driver unloaded
  CallIntoUnloadedDriver,  ///< such a routine was called
  PoolLeak,                ///< a pool block still allocated at unload
  BadPoolFree,             ///< a free of memory that is no allocated pool block
  PoolTagMismatch,         ///< a free with another tag than the allocation's
  IrqlNotRestored,         ///< a routine returned at another IRQL than it was called at
  IrqlTooHigh,             ///< a call above the IRQL its documentation allows
  BadObjectPointer,        ///< an object pointer that names no object
  LockRecursion,           ///< a lock acquired again by its holder
  Bugcheck,                ///< a WDK call crashed the machine
  HostException,           ///< a WDK call failed on the host
  LockNotHeld,             ///< a lock released by a thread that does not hold it
  NullArgument,            ///< a NULL pointer the WDK call would dereference
  ResourceLeak,            ///< an ERESOURCE or lookaside list still initialized at unload
  WaitDeadlock,            ///< an infinite wait no other thread can ever satisfy
  IrpNotCompleted,         ///< an IRP a dispatch routine neither completed nor pended
  IrpCompletionError,      ///< an IRP completed twice, or with more bytes than its buffer
  DeviceLeak,              ///< a device object or symbolic link still present at unload
  DebugBreak,              ///< a failed ASSERT / NT_ASSERT, or a DbgBreakPoint
  ReferenceLeak,           ///< a reference the driver took and never dropped, at unload
  ImportNotExported,       ///< a call of a routine the profile's version does not export
};

/// Who raises a kind: the kernel's verifier (scenarios can expect these), or the WDK surface.
enum class FindingSource : std::uint8_t { Kernel, Driver };

/// "dangling-cid", "pool-leak", ...
std::string_view to_string(FindingKind kind);
FindingSource source_of(FindingKind kind);
/// The kind spelled `name`, or nullopt.
std::optional<FindingKind> parse_finding_kind(std::string_view name);
/// Every kind, in declaration order.
std::span<const FindingKind> all_finding_kinds();

struct Finding {
  FindingKind kind = FindingKind::DanglingCid;
  std::string detail;        ///< one sentence naming objects, IDs and the step that caused it
  std::uint64_t id = 0;      ///< the CID / PID / TID concerned (0 if none)
  std::uint64_t object = 0;  ///< model address of the object concerned (0 if none)
  std::string step;          ///< the step label that caused it (Verifier::set_step)
  friend bool operator==(const Finding&, const Finding&) = default;
};

/// The `finding` event: kind, detail, id, object, step (in that order).
Event finding_event(const Finding& f);

}  // namespace ntemu::verify

template <>
struct fmt::formatter<ntemu::verify::FindingKind> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(ntemu::verify::FindingKind k, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(ntemu::verify::to_string(k), ctx);
  }
};
