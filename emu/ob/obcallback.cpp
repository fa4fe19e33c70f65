// SPDX-License-Identifier: MIT
// Object callbacks (MSDOC ObRegisterCallbacks, OB_CALLBACK_REGISTRATION,
// OB_PRE_CREATE_HANDLE_INFORMATION, OB_PRE_DUPLICATE_HANDLE_INFORMATION, ObUnRegisterCallbacks):
// the registrations in altitude order, the pre routines (which may only take modifiable rights
// away) and the post routines around one handle operation, and unregistration's rundown wait.
#include "ntemu/ob/obcallback.hpp"

#include <algorithm>

#include "ntemu/support/per_thread.hpp"

namespace ntemu::ob {
namespace {

// The registrations whose routines run on this host thread now (innermost last): an
// unregistration from inside one of them would wait for itself.
// (A PerThread, not a thread_local vector: support/per_thread.hpp says why.)
struct RunningRegistrations : std::vector<const ObjectCallbacks::Registration*> {};
std::vector<const ObjectCallbacks::Registration*>& running() {
  return PerThread<RunningRegistrations>{}.get();
}

struct Running {
  explicit Running(const ObjectCallbacks::Registration* r) { running().push_back(r); }
  ~Running() { running().pop_back(); }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
};

bool valid_altitude(const std::string& a) {
  if (a.empty() || a.front() == '.' || a.back() == '.') return false;
  bool dot = false;
  for (char c : a) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::uint32_t modifiable_access(ObjectType type) {
  if (type == ObjectType::Process) {
    // CREATE_PROCESS, CREATE_THREAD, DUP_HANDLE, SET_QUOTA, SET_INFORMATION, SUSPEND_RESUME,
    // TERMINATE, VM_OPERATION, VM_WRITE.
    return 0x0080 | 0x0002 | 0x0040 | 0x0100 | 0x0200 | 0x0800 | 0x0001 | 0x0008 | 0x0020;
  }
  // DIRECT_IMPERSONATION, IMPERSONATE, SET_CONTEXT, SET_INFORMATION, SET_LIMITED_INFORMATION,
  // SET_THREAD_TOKEN, SUSPEND_RESUME, TERMINATE.
  return 0x0200 | 0x0100 | 0x0010 | 0x0020 | 0x0400 | 0x0080 | 0x0002 | 0x0001;
}

int compare_altitudes(const std::string& a, const std::string& b) {
  // Integer parts without leading zeros: the longer is larger, else digit by digit; then the
  // fractions digit by digit (a missing digit is 0).
  auto split = [](const std::string& s) {
    const std::size_t dot = s.find('.');
    std::string whole = s.substr(0, dot);
    const std::string fraction = dot == std::string::npos ? std::string() : s.substr(dot + 1);
    const std::size_t first = whole.find_first_not_of('0');
    whole = first == std::string::npos ? std::string() : whole.substr(first);
    return std::pair{whole, fraction};
  };
  const auto [aw, af] = split(a);
  const auto [bw, bf] = split(b);
  if (aw.size() != bw.size()) return aw.size() < bw.size() ? -1 : 1;
  if (const int c = aw.compare(bw); c != 0) return c < 0 ? -1 : 1;
  for (std::size_t i = 0; i < std::max(af.size(), bf.size()); ++i) {
    const char x = i < af.size() ? af[i] : '0';
    const char y = i < bf.size() ? bf[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

Status ObjectCallbacks::ObRegisterCallbacks(const OB_CALLBACK_REGISTRATION& registration,
                                            void** handle) {
  *handle = nullptr;
  if (registration.Version != OB_FLT_REGISTRATION_VERSION ||
      registration.OperationRegistrationCount == 0 ||
      registration.OperationRegistration == nullptr || !valid_altitude(registration.Altitude)) {
    return STATUS_INVALID_PARAMETER;
  }
  auto r = std::make_shared<Registration>();
  r->altitude = registration.Altitude;
  r->context = registration.RegistrationContext;
  for (std::uint16_t i = 0; i < registration.OperationRegistrationCount; ++i) {
    const OB_OPERATION_REGISTRATION& op = registration.OperationRegistration[i];
    const bool known_type =
        op.ObjectType == ObjectType::Process || op.ObjectType == ObjectType::Thread;
    const std::uint32_t all = OB_OPERATION_HANDLE_CREATE | OB_OPERATION_HANDLE_DUPLICATE;
    if (!known_type || op.Operations == 0 || (op.Operations & ~all) != 0 ||
        (op.PreOperation == nullptr && op.PostOperation == nullptr)) {
      return STATUS_INVALID_PARAMETER;
    }
    r->operations.push_back(op);
  }
  MutexLocker hold(lock_);
  // Highest altitude first; an altitude already taken is a collision.
  auto at = registrations_.begin();
  for (; at != registrations_.end(); ++at) {
    const int c = compare_altitudes(r->altitude, (*at)->altitude);
    if (c == 0) return STATUS_FLT_INSTANCE_ALTITUDE_COLLISION;
    if (c > 0) break;
  }
  *handle = r.get();
  registrations_.insert(at, std::move(r));
  return STATUS_SUCCESS;
}

Status ObjectCallbacks::ObUnRegisterCallbacks(void* handle) {
  std::shared_ptr<Registration> r;
  {
    MutexLocker hold(lock_);
    auto it = std::find_if(registrations_.begin(), registrations_.end(),
                           [&](const auto& x) { return x.get() == handle; });
    if (it == registrations_.end()) return STATUS_INVALID_PARAMETER;
    if (std::find(running().begin(), running().end(), it->get()) != running().end()) {
      return STATUS_POSSIBLE_DEADLOCK;
    }
    r = std::move(*it);
    registrations_.erase(it);
  }
  r->rundown.wait();  // no new call starts; the ones in flight finish
  return STATUS_SUCCESS;
}

std::size_t ObjectCallbacks::size() const {
  MutexLocker hold(lock_);
  return registrations_.size();
}

std::vector<std::shared_ptr<ObjectCallbacks::Registration>> ObjectCallbacks::snapshot(
    ObjectType type, OB_OPERATION operation) {
  std::vector<std::shared_ptr<Registration>> out;
  MutexLocker hold(lock_);
  for (const auto& r : registrations_) {
    const bool wanted = std::any_of(r->operations.begin(), r->operations.end(), [&](const auto& o) {
      return o.ObjectType == type && (o.Operations & operation) != 0;
    });
    if (wanted && r->rundown.acquire()) out.push_back(r);
  }
  return out;
}

std::uint32_t ObjectCallbacks::run_pre(Operation& op, std::uint32_t desired) {
  const ObjectType type = op.object->type();
  const std::uint32_t modifiable = modifiable_access(type);
  std::uint32_t granted = desired;
  std::vector<std::shared_ptr<Registration>> pending = snapshot(type, op.operation);
  std::size_t next = 0;
  try {
    for (; next < pending.size(); ++next) {
      Registration& r = *pending[next];
      void* call_context = nullptr;
      for (const OB_OPERATION_REGISTRATION& o : r.operations) {
        if (o.ObjectType != type || (o.Operations & op.operation) == 0 ||
            o.PreOperation == nullptr) {
          continue;
        }
        OB_PRE_OPERATION_INFORMATION info;
        info.Operation = op.operation;
        info.KernelHandle = op.kernel_handle;
        info.Object = op.object;
        info.ObjectType = type;
        info.DesiredAccess = granted;
        info.OriginalDesiredAccess = desired;
        info.SourceProcess = op.source_process;
        info.TargetProcess = op.target_process;
        {
          Running running(&r);
          static_cast<void>(o.PreOperation(r.context, &info));
        }
        // Only modifiable rights can go; nothing can be added (MSDOC).
        granted &= ~(modifiable & ~info.DesiredAccess);
        call_context = info.CallContext;
      }
      op.contexts.emplace_back(std::move(pending[next]), call_context);
    }
  } catch (...) {
    // A routine faulted: every reference taken goes back before the fault travels on.
    for (std::size_t i = next; i < pending.size(); ++i)
      pending[i]->rundown.release();
    release(op);
    throw;
  }
  return granted;
}

void ObjectCallbacks::release(Operation& op) {
  for (auto& entry : op.contexts)
    entry.first->rundown.release();
  op.contexts.clear();
}

void ObjectCallbacks::run_post(Operation& op, Status status, std::uint32_t granted) {
  const ObjectType type = op.object->type();
  struct Releaser {  // on every way out, a faulting routine included
    ObjectCallbacks& callbacks;
    Operation& op;
    ~Releaser() { callbacks.release(op); }
  } releaser{*this, op};
  // The reverse of the pre order: lowest altitude first.
  for (auto it = op.contexts.rbegin(); it != op.contexts.rend(); ++it) {
    Registration& r = *it->first;
    for (const OB_OPERATION_REGISTRATION& o : r.operations) {
      if (o.ObjectType != type || (o.Operations & op.operation) == 0 ||
          o.PostOperation == nullptr) {
        continue;
      }
      OB_POST_OPERATION_INFORMATION info;
      info.Operation = op.operation;
      info.KernelHandle = op.kernel_handle;
      info.Object = op.object;
      info.ObjectType = type;
      info.CallContext = it->second;
      info.ReturnStatus = status;
      info.GrantedAccess = granted;
      Running running(&r);
      o.PostOperation(r.context, &info);
    }
  }
}

}  // namespace ntemu::ob
