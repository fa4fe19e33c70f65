// SPDX-License-Identifier: MIT
// Object callbacks (MSDOC ObRegisterCallbacks, OB_CALLBACK_REGISTRATION, OB_OPERATION_REGISTRATION,
// OB_PRE_CREATE_HANDLE_INFORMATION, OB_PRE_DUPLICATE_HANDLE_INFORMATION, ObUnRegisterCallbacks):
// registration statuses, altitude order, access stripping, kernel handles, duplication, and the
// rundown wait of unregistration. Each test names its source.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ntemu/kernel.hpp"
#include "ntemu/ob/obhandle.hpp"

using namespace ntemu;
using namespace ntemu::ob;

namespace {

std::vector<std::string> g_log;

std::string name_of(void* context) {
  return context != nullptr ? static_cast<const char*>(context) : "?";
}
OB_PREOP_CALLBACK_STATUS pre_log(void* context, OB_PRE_OPERATION_INFORMATION* info) {
  g_log.push_back(
      fmt::format("pre {} {} {} {:#x}{}", name_of(context),
                  info->Operation == OB_OPERATION_HANDLE_CREATE ? "create" : "duplicate",
                  info->ObjectType == ObjectType::Process ? "process" : "thread",
                  info->DesiredAccess, info->KernelHandle ? " kernel" : ""));
  info->CallContext = context;
  return OB_PREOP_SUCCESS;
}
void post_log(void* context, OB_POST_OPERATION_INFORMATION* info) {
  g_log.push_back(fmt::format("post {} {:#x} {} ctx {}", name_of(context), info->GrantedAccess,
                              info->ReturnStatus.name(), name_of(info->CallContext)));
}
// Strips PROCESS_TERMINATE and PROCESS_VM_WRITE (modifiable), tries to strip PROCESS_QUERY_
// INFORMATION (0x400, not modifiable) and to add PROCESS_VM_READ (0x10).
OB_PREOP_CALLBACK_STATUS pre_strip(void*, OB_PRE_OPERATION_INFORMATION* info) {
  info->DesiredAccess &= ~(0x0001U | 0x0020U | 0x0400U);
  info->DesiredAccess |= 0x0010U;
  return OB_PREOP_SUCCESS;
}

struct Registration {
  std::vector<OB_OPERATION_REGISTRATION> ops;
  OB_CALLBACK_REGISTRATION reg;
  Registration(std::string altitude, const char* name,
               std::vector<OB_OPERATION_REGISTRATION> operations)
      : ops(std::move(operations)) {
    reg.Altitude = std::move(altitude);
    reg.RegistrationContext = const_cast<char*>(name);
    reg.OperationRegistrationCount = static_cast<std::uint16_t>(ops.size());
    reg.OperationRegistration = ops.data();
  }
};
constexpr std::uint32_t kBoth = OB_OPERATION_HANDLE_CREATE | OB_OPERATION_HANDLE_DUPLICATE;
OB_OPERATION_REGISTRATION logging(ObjectType type, std::uint32_t ops = kBoth) {
  return {type, ops, &pre_log, &post_log};
}

struct Fixture {
  explicit Fixture(const Profile& p = Profile::win7())
      : k(p), app(k.NtCreateProcess("app.exe")), main(k.NtCreateThread(*app.process)) {
    g_log.clear();
  }
  Kernel k;
  Kernel::ProcessCreated app;
  Kernel::ThreadCreated main;
  ClientId pid_only() const { return {main.cid.UniqueProcess, ThreadId{}}; }
  ClientId tid_only() const { return {ProcessId{}, main.cid.UniqueThread}; }
};

std::uint32_t granted_of(ex::AnyHandleTable& table, Handle h) {
  std::uint32_t access = 0;
  table.with_locked(h, [&](const ex::EntryView& e) { access = e.granted_access; });
  return access;
}

}  // namespace

TEST_CASE("ObRegisterCallbacks [F MSDOC] exists from Vista SP1: NOT_IMPLEMENTED on 2000–2003") {
  for (KernelVersion v : kKernelVersions) {
    CAPTURE(to_string(v));
    Fixture f(*Profile::make(v, Arch::X86));
    Registration r("320000", "a", {logging(ObjectType::Process)});
    void* handle = reinterpret_cast<void*>(1);
    const Status st = f.k.ObRegisterCallbacks(r.reg, &handle);
    const bool has = f.k.profile().has_object_callbacks;
    CHECK(has ==
          (v == KernelVersion::Vista || v == KernelVersion::Win7 || v == KernelVersion::Win10));
    CHECK(st == (has ? STATUS_SUCCESS : STATUS_NOT_IMPLEMENTED));
    CHECK((handle != nullptr) == has);
    if (has) CHECK(f.k.ObUnRegisterCallbacks(handle) == STATUS_SUCCESS);
  }
}

TEST_CASE(
    "ObRegisterCallbacks [F MSDOC] statuses: a wrong Version, no operations, an unsupported "
    "object type, an empty operation are INVALID_PARAMETER, a taken altitude is "
    "FLT_INSTANCE_ALTITUDE_COLLISION") {
  Fixture f;
  void* h = nullptr;
  Registration bad_version("1", "a", {logging(ObjectType::Process)});
  bad_version.reg.Version = 0x0200;
  CHECK(f.k.ObRegisterCallbacks(bad_version.reg, &h) == STATUS_INVALID_PARAMETER);
  Registration none("1", "a", {});
  CHECK(f.k.ObRegisterCallbacks(none.reg, &h) == STATUS_INVALID_PARAMETER);
  Registration other_type("1", "a", {logging(static_cast<ObjectType>(7))});
  CHECK(f.k.ObRegisterCallbacks(other_type.reg, &h) == STATUS_INVALID_PARAMETER);
  Registration no_ops("1", "a", {logging(ObjectType::Thread, 0)});
  CHECK(f.k.ObRegisterCallbacks(no_ops.reg, &h) == STATUS_INVALID_PARAMETER);
  Registration no_routines("1", "a", {{ObjectType::Thread, kBoth, nullptr, nullptr}});
  CHECK(f.k.ObRegisterCallbacks(no_routines.reg, &h) == STATUS_INVALID_PARAMETER);
  Registration bad_altitude("12x", "a", {logging(ObjectType::Process)});
  CHECK(f.k.ObRegisterCallbacks(bad_altitude.reg, &h) == STATUS_INVALID_PARAMETER);
  CHECK(f.k.object_callbacks().size() == 0);
  Registration first("320000", "a", {logging(ObjectType::Process)});
  Registration same("0320000.0", "b", {logging(ObjectType::Thread)});  // numerically equal
  void* h1 = nullptr;
  REQUIRE(f.k.ObRegisterCallbacks(first.reg, &h1) == STATUS_SUCCESS);
  void* h2 = reinterpret_cast<void*>(1);
  CHECK(f.k.ObRegisterCallbacks(same.reg, &h2) == STATUS_FLT_INSTANCE_ALTITUDE_COLLISION);
  CHECK(h2 == nullptr);
  CHECK(f.k.ObUnRegisterCallbacks(h1) == STATUS_SUCCESS);
  CHECK(f.k.ObUnRegisterCallbacks(h1) == STATUS_INVALID_PARAMETER);  // gone already
  CHECK(f.k.ObRegisterCallbacks(same.reg, &h2) == STATUS_SUCCESS);   // the altitude is free
}

TEST_CASE(
    "object callbacks [F MSDOC OB_OPERATION_REGISTRATION, I altitude order]: NtOpenProcess runs "
    "the process routines for handle creation, highest altitude first, the post routines lowest "
    "first with their own CallContext") {
  Fixture f(Profile::win10(Arch::X64));
  Registration low("1000", "low", {logging(ObjectType::Process)});
  Registration high("385000.5", "high", {logging(ObjectType::Process)});
  Registration mid("385000", "mid", {logging(ObjectType::Process, OB_OPERATION_HANDLE_DUPLICATE)});
  Registration threads("2000", "threads", {logging(ObjectType::Thread)});
  void* h[4] = {};
  REQUIRE(f.k.ObRegisterCallbacks(low.reg, &h[0]).ok());
  REQUIRE(f.k.ObRegisterCallbacks(high.reg, &h[1]).ok());
  REQUIRE(f.k.ObRegisterCallbacks(mid.reg, &h[2]).ok());
  REQUIRE(f.k.ObRegisterCallbacks(threads.reg, &h[3]).ok());
  const auto opened = f.k.NtOpenProcess(f.pid_only(), 0x1000);
  REQUIRE(opened.status == STATUS_SUCCESS);
  CHECK(g_log == std::vector<std::string>{"pre high create process 0x1000",
                                          "pre low create process 0x1000",
                                          "post low 0x1000 STATUS_SUCCESS ctx low",
                                          "post high 0x1000 STATUS_SUCCESS ctx high"});
  g_log.clear();
  REQUIRE(f.k.NtOpenThread(f.tid_only(), 0x0040).status == STATUS_SUCCESS);
  CHECK(g_log == std::vector<std::string>{"pre threads create thread 0x40",
                                          "post threads 0x40 STATUS_SUCCESS ctx threads"});
  // A failed open runs no routine (no object to open a handle to).
  g_log.clear();
  CHECK(f.k.NtOpenProcess({ProcessId{0x7000}, ThreadId{}}, 0x1000).status == STATUS_INVALID_CID);
  CHECK(g_log.empty());
  for (void* x : h)
    CHECK(f.k.ObUnRegisterCallbacks(x) == STATUS_SUCCESS);
  g_log.clear();
  CHECK(f.k.NtOpenProcess(f.pid_only(), 0x1000).status == STATUS_SUCCESS);
  CHECK(g_log.empty());  // unregistered: nothing runs
}

TEST_CASE(
    "object callbacks [F MSDOC OB_PRE_CREATE_HANDLE_INFORMATION]: a pre routine can take only "
    "the listed rights away and can add none: the handle gets what is left") {
  Fixture f(Profile::vista());
  Registration strip("300000", "strip", {{ObjectType::Process, kBoth, &pre_strip, &post_log}});
  void* h = nullptr;
  REQUIRE(f.k.ObRegisterCallbacks(strip.reg, &h).ok());
  // TERMINATE | VM_WRITE | QUERY_INFORMATION | SYNCHRONIZE
  const std::uint32_t asked = 0x0001 | 0x0020 | 0x0400 | 0x00100000;
  const auto opened = f.k.NtOpenProcess(f.pid_only(), asked);
  REQUIRE(opened.status == STATUS_SUCCESS);
  const std::uint32_t expected = 0x0400 | 0x00100000;  // QUERY_INFORMATION stays, no VM_READ
  CHECK(granted_of(*f.k.current_process().ObjectTable, opened.handle) == expected);
  CHECK(g_log ==
        std::vector<std::string>{fmt::format("post strip {:#x} STATUS_SUCCESS ctx ?", expected)});
  CHECK(modifiable_access(ObjectType::Process) == 0x0BEB);
  CHECK(modifiable_access(ObjectType::Thread) == 0x07B3);
  CHECK(f.k.ObUnRegisterCallbacks(h).ok());
}

TEST_CASE(
    "object callbacks [F MSDOC OB_PRE_OPERATION_INFORMATION.KernelHandle, "
    "OB_PRE_DUPLICATE_HANDLE_INFORMATION]: kernel handles are flagged, duplication names both "
    "processes and puts the handle in the target's table") {
  Fixture f(Profile::win7(Arch::X64));
  static const ob::Object* s_source = nullptr;
  static const ob::Object* s_target = nullptr;
  POB_PRE_OPERATION_CALLBACK dup_pre = [](void* c, OB_PRE_OPERATION_INFORMATION* info) {
    if (info->Operation == OB_OPERATION_HANDLE_DUPLICATE) {
      s_source = info->SourceProcess;
      s_target = info->TargetProcess;
    }
    return pre_log(c, info);
  };
  Registration r("320000", "r", {{ObjectType::Thread, kBoth, dup_pre, &post_log}});
  void* h = nullptr;
  REQUIRE(f.k.ObRegisterCallbacks(r.reg, &h).ok());
  const auto kernel = f.k.NtOpenThread(f.tid_only(), 0x0040, /*kernel_handle=*/true);
  REQUIRE(kernel.status.ok());
  CHECK(ob::is_kernel_handle(kernel.handle, Arch::X64));
  auto other = f.k.NtCreateProcess("other.exe");
  REQUIRE(other.status.ok());
  g_log.clear();
  const auto dup = f.k.NtDuplicateObject(f.k.system_process(), kernel.handle, *other.process,
                                         Kernel::kMaximumAllowed);
  REQUIRE(dup.status == STATUS_SUCCESS);
  CHECK(s_source == &f.k.system_process());
  CHECK(s_target == other.process);
  CHECK(granted_of(*other.process->ObjectTable, dup.handle) == ps::kThreadAllAccessVista);
  CHECK(g_log.front() == fmt::format("pre r duplicate thread {:#x}", ps::kThreadAllAccessVista));
  CHECK(f.k.NtDuplicateObject(f.k.system_process(), Handle{0x7ff0}, *other.process, 0x40).status ==
        STATUS_INVALID_HANDLE);
  CHECK(f.k.NtClose(*other.process, dup.handle).ok());
  CHECK(f.k.NtClose(f.k.system_process(), kernel.handle).ok());
  // The kernel handle's call said so.
  CHECK(f.k.ObUnRegisterCallbacks(h).ok());
}
