// SPDX-License-Identifier: MIT
/// \file
/// Identifier types. NT passes handles, process IDs and thread IDs all as `HANDLE`; the model
/// keeps them apart so a PID cannot be passed where a TID is meant by accident, while still
/// allowing the deliberate mix-ups the kernel has to answer (a TID given to a process lookup is
/// an explicit `ProcessId{tid.value()}`).
///
/// All are pointer-sized values (64-bit storage serves both architectures). `fmt` prints the
/// number and honours integer format specs: `fmt::format("{:04x}", pid)`. A `ClientId` prints
/// the way kernel debuggers do, "Cid 0008.0004" style: `fmt::format("{}", cid)` → "0008.0004".
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include <fmt/format.h>

namespace ntemu {

/// A pointer-sized identifier distinguished by `Tag`.
template <class Tag>
class StrongId {
 public:
  constexpr StrongId() = default;
  constexpr explicit StrongId(std::uint64_t v) : value_(v) {}
  constexpr std::uint64_t value() const { return value_; }
  constexpr bool is_null() const { return value_ == 0; }
  friend constexpr bool operator==(StrongId, StrongId) = default;
  friend constexpr auto operator<=>(StrongId, StrongId) = default;

 private:
  std::uint64_t value_ = 0;
};

struct HandleTag {};
struct ProcessIdTag {};
struct ThreadIdTag {};

/// A handle value as the executive handle table reads it (EXHANDLE): bits 0–1 are tag bits the
/// system ignores, bits 2 and up the table index (semantics.md §6.1).
class Handle : public StrongId<HandleTag> {
 public:
  using StrongId::StrongId;
  static constexpr std::uint64_t kTagBits = 3;
  static constexpr std::uint64_t kValueIncrement = 4;  ///< HANDLE_VALUE_INC
  constexpr std::uint64_t index() const { return value() >> 2; }
  constexpr std::uint64_t tag_bits() const { return value() & kTagBits; }
  constexpr Handle without_tag_bits() const { return Handle{value() & ~kTagBits}; }
  static constexpr Handle from_index(std::uint64_t index) { return Handle{index << 2}; }
};

/// A process ID (`UniqueProcessId`): a handle value in PspCidTable.
class ProcessId : public StrongId<ProcessIdTag> {
 public:
  using StrongId::StrongId;
  constexpr Handle as_handle() const { return Handle{value()}; }
};

/// A thread ID (`Cid.UniqueThread`): a handle value in PspCidTable.
class ThreadId : public StrongId<ThreadIdTag> {
 public:
  using StrongId::StrongId;
  constexpr Handle as_handle() const { return Handle{value()}; }
};

/// CLIENT_ID.
struct ClientId {
  ProcessId UniqueProcess;
  ThreadId UniqueThread;
  friend constexpr bool operator==(const ClientId&, const ClientId&) = default;
};

}  // namespace ntemu

template <class Tag>
struct std::hash<ntemu::StrongId<Tag>> {
  std::size_t operator()(ntemu::StrongId<Tag> id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value());
  }
};
template <>
struct std::hash<ntemu::Handle> : std::hash<ntemu::StrongId<ntemu::HandleTag>> {};
template <>
struct std::hash<ntemu::ProcessId> : std::hash<ntemu::StrongId<ntemu::ProcessIdTag>> {};
template <>
struct std::hash<ntemu::ThreadId> : std::hash<ntemu::StrongId<ntemu::ThreadIdTag>> {};

namespace ntemu::detail {
/// Formats an ID as its number, accepting any integer format spec.
struct IdFormatter : fmt::formatter<std::uint64_t> {
  template <class Id, class Ctx>
  auto format(const Id& id, Ctx& ctx) const {
    return fmt::formatter<std::uint64_t>::format(id.value(), ctx);
  }
};
}  // namespace ntemu::detail

template <>
struct fmt::formatter<ntemu::Handle> : ntemu::detail::IdFormatter {};
template <>
struct fmt::formatter<ntemu::ProcessId> : ntemu::detail::IdFormatter {};
template <>
struct fmt::formatter<ntemu::ThreadId> : ntemu::detail::IdFormatter {};

/// "PPPP.TTTT" in hex, at least four digits each, as `!process` / `!thread` print a Cid.
template <>
struct fmt::formatter<ntemu::ClientId> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Ctx>
  auto format(const ntemu::ClientId& c, Ctx& ctx) const {
    return fmt::format_to(ctx.out(), "{:04x}.{:04x}", c.UniqueProcess.value(),
                          c.UniqueThread.value());
  }
};
