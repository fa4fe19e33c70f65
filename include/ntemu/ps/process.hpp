// SPDX-License-Identifier: MIT
/// \file
/// `Process`: the EPROCESS fields the creation path uses (semantics.md §2).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ntemu/ex/any_handle_table.hpp"
#include "ntemu/ob/object.hpp"
#include "ntemu/ps/thread.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/lookaside.hpp"
#include "ntemu/support/mutex.hpp"

namespace ntemu::ps {

class Thread;

/// PROCESS_ALL_ACCESS of the NT 5.x era.
inline constexpr std::uint32_t kProcessAllAccess = 0x001F0FFF;
/// PROCESS_ALL_ACCESS from Vista on: every specific right (MSDOC Process Security and Access
/// Rights: "the size of the PROCESS_ALL_ACCESS flag increased on Windows Server 2008 and
/// Windows Vista").
inline constexpr std::uint32_t kProcessAllAccessVista = 0x001FFFFF;

class Process : public ob::Object {
 public:
  static constexpr ob::ObjectType kObjectType = ob::ObjectType::Process;
  /// Flags bits (WRK:ps.h).
  static constexpr std::uint32_t kFlagProcessExiting = 0x4;
  static constexpr std::uint32_t kFlagProcessDelete = 0x8;

  Process(std::uint64_t address, std::string image_name, ProcessId inherited_from,
          std::unique_ptr<ex::AnyHandleTable> object_table)
      : ob::Object(kObjectType, address),
        ImageFileName(std::move(image_name)),
        InheritedFromUniqueProcessId(inherited_from),
        ObjectTable(std::move(object_table)) {
    std::copy_n(ImageFileName.begin(), std::min(ImageFileName.size(), kShortImageNameChars),
                ShortImageName.begin());
  }
  /// Host memory from a per-host-thread lookaside list (support/lookaside.hpp).
  static void* operator new(std::size_t size) { return Lookaside<Process>::allocate(size); }
  static void operator delete(void* block, std::size_t size) {
    Lookaside<Process>::free(block, size);
  }

  /// The current UniqueProcessId (0 until assigned; a "driver" may overwrite it: see poke).
  ProcessId pid() const { return ProcessId{UniqueProcessId.load(std::memory_order_acquire)}; }

  /// The image name as the scenario or test gives it ("notepad.exe").
  const std::string ImageFileName;
  /// EPROCESS.ImageFileName, the bytes PsGetProcessImageFileName returns: the image name's first
  /// characters, NUL-terminated — 15 in the UCHAR[16] field of NT 5.x, fewer where the profile
  /// says so (Profile::image_file_name_chars; the creation path truncates it).
  static constexpr std::size_t kShortImageNameChars = 15;
  std::array<char, kShortImageNameChars + 1> ShortImageName{};
  /// The full image path (SeLocateProcessImageName, PS_CREATE_NOTIFY_INFO.ImageFileName) and the
  /// command line (PS_CREATE_NOTIFY_INFO.CommandLine): set at creation.
  std::string ImagePath;
  std::string CommandLine;
  /// Model state: where the next image mapped into the process goes, and whether the process's
  /// own image and ntdll were reported to the load-image routines yet.
  std::atomic<std::uint64_t> NextImageBase{0};
  std::atomic<bool> ImagesReported{false};
  /// EPROCESS.UniqueProcessId. Written by the PID assignment and, deliberately, by pokes.
  std::atomic<std::uint64_t> UniqueProcessId{0};
  const ProcessId InheritedFromUniqueProcessId;
  /// The process's object handle table (LIFO); its owner PID follows ExSetHandleTableOwner.
  const std::unique_ptr<ex::AnyHandleTable> ObjectTable;
  /// Set once the process may be opened by ID (semantics.md §2.2 step 12).
  std::atomic<std::uint32_t> GrantedAccess{0};

  /// The process lock (a push lock in NT).
  mutable Mutex ProcessLock;
  // Protected by ProcessLock:
  std::uint32_t ActiveThreads NTEMU_GUARDED_BY(ProcessLock) = 0;
  ThreadList ThreadListHead NTEMU_GUARDED_BY(ProcessLock);
  /// Set with interlocked ORs (PS_SET_BITS), under ProcessLock where the bit must be ordered
  /// against the thread list; read without the lock.
  std::atomic<std::uint32_t> Flags{0};
};

/// The name a process or thread shows in traces and dumps: its image name, or the thread's name.
inline const std::string& object_name(const ob::Object& o) {
  if (o.type() == ob::ObjectType::Process) return static_cast<const Process&>(o).ImageFileName;
  return static_cast<const Thread&>(o).Name;
}

}  // namespace ntemu::ps
