// SPDX-License-Identifier: MIT
/// \file
/// The recording routines a scenario registers: a fixed pool of distinct functions, so that
/// one routine name is one function pointer, as in a driver. Pool entry `i` has a process-notify
/// and a thread-notify trampoline (two distinct functions); both report to the
/// `RoutineListener` installed on the calling host thread, if any. Entry `i` also has a
/// process-notify Ex trampoline, a load-image trampoline and an object callback's pre- and
/// post-operation trampolines: six distinct functions in all.
///
/// \code
///   struct Counter : ntemu::cli::RoutineListener {
///     int calls = 0;
///     void routine_invoked(const ntemu::cli::RoutineCall&) override { ++calls; }
///   } counter;
///   ntemu::cli::ListenerScope scope(counter);
///   kernel.PsSetCreateProcessNotifyRoutine(ntemu::cli::process_routine(0), false);
/// \endcode
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ntemu/ob/obcallback.hpp"
#include "ntemu/ps/notify_routine.hpp"

namespace ntemu::cli {

/// Routines in the pool (also the most distinct routine names a file may use).
/// Twice the largest notify array (64 slots from Vista on), so every array of every version can
/// be filled with distinct routines and a 65th tried (semantics.md §10, issue 14 item 9).
inline constexpr std::size_t kRoutinePoolSize = 128;

/// One call of a pool routine: which one, and its three arguments (a process routine's
/// ParentId, ProcessId, Create; a thread routine's ProcessId, ThreadId, Create). An Ex process
/// routine reports its CreateInfo's ParentProcessId as `first`, `create` is whether CreateInfo
/// was given, and `info` is CreateInfo itself (the listener may set its CreationStatus). A
/// load-image routine reports ProcessId as `first`, the ImageBase as `second`, and its
/// FullImageName and ImageInfo.
struct RoutineCall {
  ps::NotifyKind kind;
  std::size_t index;
  std::uint64_t first;
  std::uint64_t second;
  bool create;
  bool ex = false;
  PS_CREATE_NOTIFY_INFO* info = nullptr;
  const std::string* image_name = nullptr;
  IMAGE_INFO* image = nullptr;
};

/// One call of a pool entry's object callbacks (ObRegisterCallbacks): its pre-operation routine
/// gets `pre` (and may clear rights from its DesiredAccess), its post-operation routine `post`.
struct ObCallbackCall {
  std::size_t index;
  ob::OB_PRE_OPERATION_INFORMATION* pre = nullptr;
  ob::OB_POST_OPERATION_INFORMATION* post = nullptr;
};

/// Told of every call of a pool routine made on the host thread it is installed on.
class RoutineListener {
 public:
  virtual ~RoutineListener() = default;
  virtual void routine_invoked(const RoutineCall& call) = 0;
  virtual void object_callback_invoked(const ObCallbackCall& /*call*/) {}
};

/// Installs `listener` for the calling host thread for the scope's lifetime (nests).
class ListenerScope {
 public:
  explicit ListenerScope(RoutineListener& listener);
  ~ListenerScope();
  ListenerScope(const ListenerScope&) = delete;
  ListenerScope& operator=(const ListenerScope&) = delete;

 private:
  RoutineListener* previous_;
};

/// Pool entry `index` (< kRoutinePoolSize) as a process-notify routine.
PCREATE_PROCESS_NOTIFY_ROUTINE process_routine(std::size_t index);
/// Pool entry `index` (< kRoutinePoolSize) as a process-notify Ex routine (Vista SP1+).
PCREATE_PROCESS_NOTIFY_ROUTINE_EX process_routine_ex(std::size_t index);
/// Pool entry `index` (< kRoutinePoolSize) as a thread-notify routine.
PCREATE_THREAD_NOTIFY_ROUTINE thread_routine(std::size_t index);
/// Pool entry `index` (< kRoutinePoolSize) as a load-image routine.
PLOAD_IMAGE_NOTIFY_ROUTINE image_routine(std::size_t index);
/// Pool entry `index` (< kRoutinePoolSize) as an object callback's pre-operation routine.
ob::POB_PRE_OPERATION_CALLBACK ob_pre_routine(std::size_t index);
/// Pool entry `index` (< kRoutinePoolSize) as an object callback's post-operation routine.
ob::POB_POST_OPERATION_CALLBACK ob_post_routine(std::size_t index);
/// The pool index of `routine` as a routine of `kind` (process: a process or an Ex entry), or
/// nullopt for another address.
std::optional<std::size_t> routine_index(ps::NotifyKind kind, const void* routine);

}  // namespace ntemu::cli
