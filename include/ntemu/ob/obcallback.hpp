// SPDX-License-Identifier: MIT
/// \file
/// Object callbacks (ObRegisterCallbacks / ObUnRegisterCallbacks, Vista SP1 and later, MSDOC):
/// pre- and post-operation routines a driver registers, at an altitude, for the creation and
/// duplication of process and thread handles. A pre routine may take access away from the
/// handle being made — only the rights MSDOC lists as modifiable, and never add any; the post
/// routine learns what was granted. Unregistration waits for the calls in flight (a rundown per
/// registration, as EX_CALLBACK's). The types are the WDK's, over ntemu's object types; the
/// executive calls `run_pre` / `run_post` around the handle it makes (ps/psopen.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ntemu/ex/rundown.hpp"
#include "ntemu/ob/object.hpp"
#include "ntemu/support/mutex.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu::ob {

/// OB_OPERATION: what is happening to a handle.
enum OB_OPERATION : std::uint32_t {
  OB_OPERATION_HANDLE_CREATE = 0x1,
  OB_OPERATION_HANDLE_DUPLICATE = 0x2,
};
/// The only registration version (MSDOC OB_CALLBACK_REGISTRATION).
inline constexpr std::uint16_t OB_FLT_REGISTRATION_VERSION = 0x0100;

/// OB_PRE_OPERATION_INFORMATION with its Parameters union flattened: for a duplication,
/// SourceProcess and TargetProcess are set (OB_PRE_DUPLICATE_HANDLE_INFORMATION).
struct OB_PRE_OPERATION_INFORMATION {
  OB_OPERATION Operation = OB_OPERATION_HANDLE_CREATE;
  bool KernelHandle = false;  ///< the handle is a kernel handle (OBJ_KERNEL_HANDLE)
  ob::Object* Object = nullptr;
  ob::ObjectType ObjectType = ob::ObjectType::Process;
  void* CallContext = nullptr;      ///< the routine's own; handed to its post routine
  std::uint32_t DesiredAccess = 0;  ///< the routine may clear modifiable rights here
  std::uint32_t OriginalDesiredAccess = 0;
  const ob::Object* SourceProcess = nullptr;
  const ob::Object* TargetProcess = nullptr;
};
enum OB_PREOP_CALLBACK_STATUS : std::uint32_t { OB_PREOP_SUCCESS = 0 };
using POB_PRE_OPERATION_CALLBACK = OB_PREOP_CALLBACK_STATUS (*)(void* RegistrationContext,
                                                                OB_PRE_OPERATION_INFORMATION* Info);

/// OB_POST_OPERATION_INFORMATION, flattened likewise.
struct OB_POST_OPERATION_INFORMATION {
  OB_OPERATION Operation = OB_OPERATION_HANDLE_CREATE;
  bool KernelHandle = false;
  ob::Object* Object = nullptr;
  ob::ObjectType ObjectType = ob::ObjectType::Process;
  void* CallContext = nullptr;
  Status ReturnStatus = STATUS_SUCCESS;
  std::uint32_t GrantedAccess = 0;
};
using POB_POST_OPERATION_CALLBACK = void (*)(void* RegistrationContext,
                                             OB_POST_OPERATION_INFORMATION* Info);

/// OB_OPERATION_REGISTRATION: the object type (PsProcessType or PsThreadType), the operations,
/// and the routines (either may be null, not both).
struct OB_OPERATION_REGISTRATION {
  ob::ObjectType ObjectType = ob::ObjectType::Process;
  std::uint32_t Operations = 0;  ///< OB_OPERATION bits
  POB_PRE_OPERATION_CALLBACK PreOperation = nullptr;
  POB_POST_OPERATION_CALLBACK PostOperation = nullptr;
};

/// OB_CALLBACK_REGISTRATION. The altitude is a decimal string ("320000", "320000.5").
struct OB_CALLBACK_REGISTRATION {
  std::uint16_t Version = OB_FLT_REGISTRATION_VERSION;
  std::uint16_t OperationRegistrationCount = 0;
  std::string Altitude;
  void* RegistrationContext = nullptr;
  const OB_OPERATION_REGISTRATION* OperationRegistration = nullptr;
};

/// The rights a pre routine may take away (MSDOC OB_PRE_CREATE_HANDLE_INFORMATION): any other
/// right it clears, and any it adds, are restored as requested.
std::uint32_t modifiable_access(ObjectType type);

/// Compares two altitudes numerically: negative, 0 or positive.
int compare_altitudes(const std::string& a, const std::string& b);

/// The registrations of one machine. Thread-safe.
class ObjectCallbacks {
 public:
  struct Registration;

  /// ObRegisterCallbacks: STATUS_INVALID_PARAMETER for another Version, no operations, an
  /// operation with no routine or no operation bits, or an object type other than process and
  /// thread; STATUS_FLT_INSTANCE_ALTITUDE_COLLISION when the altitude is taken. On success
  /// `*handle` names the registration.
  Status ObRegisterCallbacks(const OB_CALLBACK_REGISTRATION& registration, void** handle)
      NTEMU_EXCLUDES(lock_);
  /// ObUnRegisterCallbacks: takes the registration out, waits for its calls in flight, frees it.
  /// (NT's returns nothing; the model says what it did.) STATUS_INVALID_PARAMETER for a handle
  /// that names no registration; STATUS_POSSIBLE_DEADLOCK, changing nothing, when called from
  /// inside one of the registration's own routines (the wait would never end).
  Status ObUnRegisterCallbacks(void* handle) NTEMU_EXCLUDES(lock_);
  /// How many registrations there are.
  std::size_t size() const NTEMU_EXCLUDES(lock_);

  /// One handle operation in progress: the pre routines' call contexts, for the post routines.
  struct Operation {
    OB_OPERATION operation = OB_OPERATION_HANDLE_CREATE;
    bool kernel_handle = false;
    Object* object = nullptr;
    const Object* source_process = nullptr;
    const Object* target_process = nullptr;
    /// Each registration the pre routines ran for, with its reference and CallContext.
    std::vector<std::pair<std::shared_ptr<Registration>, void*>> contexts;
  };
  /// Runs the pre routines registered for `op`'s object type and operation, highest altitude
  /// first; returns the access to grant (`desired` less what they took away).
  std::uint32_t run_pre(Operation& op, std::uint32_t desired) NTEMU_EXCLUDES(lock_);
  /// Runs the post routines, lowest altitude first, with the outcome, and gives the
  /// registrations' references back.
  void run_post(Operation& op, Status status, std::uint32_t granted) NTEMU_EXCLUDES(lock_);
  /// Gives `op`'s references back without running post routines.
  void release(Operation& op);

 private:
  /// The registrations that handle (type, operation), in altitude order, each with a rundown
  /// reference taken (released by the caller).
  std::vector<std::shared_ptr<Registration>> snapshot(ObjectType type, OB_OPERATION operation)
      NTEMU_EXCLUDES(lock_);

  mutable Mutex lock_;
  std::vector<std::shared_ptr<Registration>> registrations_ NTEMU_GUARDED_BY(lock_);
};

/// One ObRegisterCallbacks call's registration.
struct ObjectCallbacks::Registration {
  std::string altitude;
  void* context = nullptr;
  std::vector<OB_OPERATION_REGISTRATION> operations;
  ex::RundownRef rundown;
};

}  // namespace ntemu::ob
