// SPDX-License-Identifier: MIT
#include "ntemu/verify/finding.hpp"

#include <array>

namespace ntemu::verify {
namespace {

struct KindInfo {
  FindingKind kind;
  std::string_view name;
  FindingSource source;
};

constexpr std::array kKinds{
    KindInfo{FindingKind::DanglingCid, "dangling-cid", FindingSource::Kernel},
    KindInfo{FindingKind::LeakedCid, "leaked-cid", FindingSource::Kernel},
    KindInfo{FindingKind::DuplicateCid, "duplicate-cid", FindingSource::Kernel},
    KindInfo{FindingKind::UnbalancedNotify, "unbalanced-notify", FindingSource::Kernel},
    KindInfo{FindingKind::CallAfterRemove, "call-after-remove", FindingSource::Kernel},
    KindInfo{FindingKind::UseAfterFree, "use-after-free", FindingSource::Kernel},
    KindInfo{FindingKind::RemovalDeadlock, "removal-deadlock", FindingSource::Kernel},
    KindInfo{FindingKind::NotifyCountMismatch, "notify-count-mismatch", FindingSource::Kernel},
    KindInfo{FindingKind::LostCallbackBlock, "lost-callback-block", FindingSource::Kernel},
    KindInfo{FindingKind::ProcessLockReentry, "process-lock-reentry", FindingSource::Kernel},
    KindInfo{FindingKind::RoutineAfterUnload, "routine-after-unload", FindingSource::Driver},
    KindInfo{FindingKind::CallIntoUnloadedDriver, "call-into-unloaded-driver",
             FindingSource::Driver},
    KindInfo{FindingKind::PoolLeak, "pool-leak", FindingSource::Driver},
    KindInfo{FindingKind::BadPoolFree, "bad-pool-free", FindingSource::Driver},
    KindInfo{FindingKind::PoolTagMismatch, "pool-tag-mismatch", FindingSource::Driver},
    KindInfo{FindingKind::IrqlNotRestored, "irql-not-restored", FindingSource::Driver},
    KindInfo{FindingKind::IrqlTooHigh, "irql-too-high", FindingSource::Driver},
    KindInfo{FindingKind::BadObjectPointer, "bad-object-pointer", FindingSource::Driver},
    KindInfo{FindingKind::LockRecursion, "lock-recursion", FindingSource::Driver},
    KindInfo{FindingKind::Bugcheck, "bugcheck", FindingSource::Driver},
    KindInfo{FindingKind::HostException, "host-exception", FindingSource::Driver},
    KindInfo{FindingKind::LockNotHeld, "lock-not-held", FindingSource::Driver},
    KindInfo{FindingKind::NullArgument, "null-argument", FindingSource::Driver},
    KindInfo{FindingKind::ResourceLeak, "resource-leak", FindingSource::Driver},
    KindInfo{FindingKind::WaitDeadlock, "wait-deadlock", FindingSource::Driver},
    KindInfo{FindingKind::IrpNotCompleted, "irp-not-completed", FindingSource::Driver},
    KindInfo{FindingKind::IrpCompletionError, "irp-completion-error", FindingSource::Driver},
    KindInfo{FindingKind::DeviceLeak, "device-leak", FindingSource::Driver},
    KindInfo{FindingKind::DebugBreak, "debug-break", FindingSource::Driver},
    KindInfo{FindingKind::ReferenceLeak, "reference-leak", FindingSource::Driver},
    KindInfo{FindingKind::ImportNotExported, "import-not-exported", FindingSource::Driver},
};

constexpr std::array<FindingKind, kKinds.size()> kinds_of() {
  std::array<FindingKind, kKinds.size()> out{};
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    out[i] = kKinds[i].kind;
  return out;
}
constexpr std::array kAll = kinds_of();

// The table lists the kinds in declaration order, so a kind's value is its row.
constexpr bool table_in_order() {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (static_cast<std::size_t>(kKinds[i].kind) != i) return false;
  }
  return true;
}
static_assert(table_in_order());

const KindInfo& info(FindingKind kind) {
  return kKinds[static_cast<std::size_t>(kind)];
}

}  // namespace

std::string_view to_string(FindingKind kind) {
  return info(kind).name;
}

FindingSource source_of(FindingKind kind) {
  return info(kind).source;
}

std::optional<FindingKind> parse_finding_kind(std::string_view name) {
  for (const KindInfo& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

std::span<const FindingKind> all_finding_kinds() {
  return kAll;
}

Event finding_event(const Finding& f) {
  return Event{"finding", {}}
      .add("kind", std::string(to_string(f.kind)))
      .add("detail", f.detail)
      .add("id", f.id)
      .add("object", f.object)
      .add("step", f.step);
}

}  // namespace ntemu::verify
