/// \file
/// `Thread`: the ETHREAD fields the creation path uses (semantics.md §2).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "ntemu/ob/object.hpp"
#include "ntemu/support/ids.hpp"

namespace ntemu::ps {

class Process;

/// THREAD_ALL_ACCESS of the NT 5.x era.
inline constexpr std::uint32_t kThreadAllAccess = 0x001F03FF;

class Thread : public ob::Object {
 public:
  static constexpr ob::ObjectType kObjectType = ob::ObjectType::Thread;
  /// CrossThreadFlags bits (WRK:ps.h).
  static constexpr std::uint32_t kFlagTerminated = 0x1;
  static constexpr std::uint32_t kFlagDeadThread = 0x2;
  static constexpr std::uint32_t kFlagSystem = 0x10;

  Thread(std::uint64_t address, Process& process, std::string name)
      : ob::Object(kObjectType, address), ThreadsProcess(&process), Name(std::move(name)) {}

  /// Thread->Cid: the process part is a copy taken at creation and never refreshed.
  ClientId Cid() const {
    return {ProcessId{CidUniqueProcess.load(std::memory_order_acquire)},
            ThreadId{CidUniqueThread.load(std::memory_order_acquire)}};
  }
  ThreadId tid() const { return ThreadId{CidUniqueThread.load(std::memory_order_acquire)}; }
  bool is_system() const { return (CrossThreadFlags.load() & kFlagSystem) != 0; }

  Process* const ThreadsProcess;
  /// A name for traces (the scenario's NAME); not an NT field.
  const std::string Name;
  std::atomic<std::uint64_t> CidUniqueProcess{0};
  std::atomic<std::uint64_t> CidUniqueThread{0};
  std::atomic<std::uint32_t> GrantedAccess{0};
  std::atomic<std::uint32_t> CrossThreadFlags{0};
};

}  // namespace ntemu::ps
