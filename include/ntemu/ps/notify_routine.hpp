// SPDX-License-Identifier: MIT
/// \file
/// Create-notify routine types (the WDK's, over ntemu's ID types) and `NotifyRoutine`, the
/// executive's record of one routine a driver registered: its function, whether it came through
/// the Ex API, and the debugger symbol that names it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/container/flat_map.hpp>

#include "ntemu/dbg/symbols.hpp"
#include "ntemu/support/ids.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu {

/// PCREATE_PROCESS_NOTIFY_ROUTINE: (ParentId, ProcessId, Create).
using PCREATE_PROCESS_NOTIFY_ROUTINE = void (*)(ProcessId ParentId, ProcessId ProcessId,
                                                bool Create);
namespace ps {
class Process;
}

/// PS_CREATE_NOTIFY_INFO (Vista SP1+, MSDOC): what an Ex routine learns of a creation, and
/// CreationStatus, which it may set to an error to veto the creation.
struct PS_CREATE_NOTIFY_INFO {
  std::size_t Size = sizeof(PS_CREATE_NOTIFY_INFO);
  ProcessId ParentProcessId;
  ClientId CreatingThreadId;            ///< the creator's PID and TID (may differ from the parent)
  const char* ImageFileName = nullptr;  ///< the full image path
  const char* CommandLine = nullptr;
  bool FileOpenNameAvailable = false;  ///< ImageFileName is the exact name the image was opened by
  Status CreationStatus = STATUS_SUCCESS;
};
/// PCREATE_PROCESS_NOTIFY_ROUTINE_EX: (Process, ProcessId, CreateInfo); CreateInfo is NULL on exit.
using PCREATE_PROCESS_NOTIFY_ROUTINE_EX = void (*)(ps::Process* Process, ProcessId ProcessId,
                                                   PS_CREATE_NOTIFY_INFO* CreateInfo);

/// PCREATE_THREAD_NOTIFY_ROUTINE: (ProcessId, ThreadId, Create).
using PCREATE_THREAD_NOTIFY_ROUTINE = void (*)(ProcessId ProcessId, ThreadId ThreadId, bool Create);

/// IMAGE_INFO (MSDOC): what a load-image routine learns of an image just mapped.
struct IMAGE_INFO {
  std::uint64_t ImageBase = 0;
  std::uint64_t ImageSize = 0;
  std::uint32_t ImageSelector = 0;
  std::uint32_t ImageSectionNumber = 0;
  bool SystemModeImage = false;       ///< a kernel-mode image (a driver), ProcessId 0
  bool ImageMappedToAllPids = false;  ///< mapped into every process (not modeled: false)
  bool ExtendedInfoPresent = false;   ///< IMAGE_INFO_EX follows (not modeled: false)
};
/// PLOAD_IMAGE_NOTIFY_ROUTINE: (FullImageName, ProcessId, ImageInfo); ProcessId 0 for a driver.
using PLOAD_IMAGE_NOTIFY_ROUTINE = void (*)(const std::string* FullImageName, ProcessId ProcessId,
                                            IMAGE_INFO* ImageInfo);

namespace ps {

/// Converts between routine pointer types that share one slot array (plain and Ex process
/// routines): through the generic function-pointer type, which round-trips exactly.
template <class To, class From>
To routine_cast(From f) {
  return reinterpret_cast<To>(reinterpret_cast<void (*)()>(f));
}

/// A routine's address as the slot arrays and the symbol table key it.
template <class Routine>
const void* routine_address(Routine r) {
  return reinterpret_cast<const void*>(r);
}

/// Which notify array: process, thread, or load-image routines.
enum class NotifyKind : std::uint8_t { Process, Thread, Image };

/// The kernel's name of the array of `kind`: "PspCreateProcessNotifyRoutine",
/// "PspCreateThreadNotifyRoutine", "PspLoadImageNotifyRoutine".
constexpr std::string_view array_name(NotifyKind kind) {
  switch (kind) {
    case NotifyKind::Process:
      return "PspCreateProcessNotifyRoutine";
    case NotifyKind::Thread:
      return "PspCreateThreadNotifyRoutine";
    case NotifyKind::Image:
      break;
  }
  return "PspLoadImageNotifyRoutine";
}

/// Every notify kind, in array order.
inline constexpr NotifyKind kNotifyKinds[] = {NotifyKind::Process, NotifyKind::Thread,
                                              NotifyKind::Image};

/// The kind's word in traces and scenarios: "process", "thread", "image".
constexpr std::string_view kind_word(NotifyKind kind) {
  switch (kind) {
    case NotifyKind::Process:
      return "process";
    case NotifyKind::Thread:
      return "thread";
    case NotifyKind::Image:
      break;
  }
  return "image";
}

/// One routine as the executive keeps it. One record per distinct function per executive,
/// created at the function's first registration and never freed, so a notify slot may keep a
/// pointer to it (beside a plain slot; in an EX_CALLBACK block's Context).
struct NotifyRoutine {
  explicit NotifyRoutine(const void* f) : function(f) {}
  NotifyRoutine(const NotifyRoutine&) = delete;
  NotifyRoutine& operator=(const NotifyRoutine&) = delete;

  const void* const function;
  /// The debugger symbol (null: unnamed, shown as unknown!routine).
  std::atomic<const dbg::Symbol*> symbol{nullptr};
  /// Registered through PsSetCreateProcessNotifyRoutineEx: called with (Process, Pid, Info).
  std::atomic<bool> ex{false};
  /// A pointer an observer may hang on the record (the verifier keeps its book there), so
  /// observing a call costs no lookup. The executive never reads it.
  std::atomic<void*> annotation{nullptr};

  const dbg::Symbol& symbol_or_unknown() const {
    const dbg::Symbol* s = symbol.load(std::memory_order_acquire);
    return s != nullptr ? *s : dbg::unknown_symbol();
  }
};

/// The records of one executive, by function. Thread-safe.
class NotifyRoutineTable {
 public:
  /// The record of `function`, created (with `symbols`' name for it, if any) on first use.
  NotifyRoutine& get(const void* function, const dbg::SymbolTable& symbols) NTEMU_EXCLUDES(lock_);
  /// The record of `function`, or nullptr if it has none yet.
  NotifyRoutine* find(const void* function) const NTEMU_EXCLUDES(lock_);

 private:
  mutable Mutex lock_;
  // Keyed by address for lookup only, never iterated.
  boost::container::flat_map<const void*, std::unique_ptr<NotifyRoutine>> records_
      NTEMU_GUARDED_BY(lock_);
};

}  // namespace ps
}  // namespace ntemu
