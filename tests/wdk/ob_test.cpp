// SPDX-License-Identifier: MIT
// The object manager's exported variables and references by handle and by pointer, as a driver
// uses them: PsInitialSystemProcess, *PsProcessType / *PsThreadType, ObReferenceObjectByHandle
// on the handles the harness's creations return and on the pseudo-handles, with the statuses
// of a wrong type, a bad handle and missing access.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "finding_count.hpp"
#include "ntemu/harness.hpp"

namespace {

using ntemu::Harness;

HANDLE as_handle(ntemu::Handle h) {
  return reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(h.value()));
}

using ntemu::test::count;

}  // namespace

TEST_CASE("ob: PsInitialSystemProcess is the System process of the harness running the driver") {
  for (auto arch : {ntemu::Arch::X86, ntemu::Arch::X64}) {
    Harness h(ntemu::Profile::xp(arch));
    auto scope = h.enter();
    CHECK(PsInitialSystemProcess == ntemu::to_peprocess(h.kernel().system_process()));
    CHECK(PsGetProcessId(PsInitialSystemProcess) ==
          ntemu::to_handle(h.kernel().system_process().pid()));
    CHECK(PsGetCurrentProcess() == PsInitialSystemProcess);  // enter(): System's context
  }
}

TEST_CASE("ob: ObReferenceObjectByHandle references the process and thread a handle names") {
  Harness h(ntemu::Profile::vista());
  auto created = h.create_process("target.exe");
  REQUIRE(created.status.ok());
  auto thread = h.create_thread(*created.process);
  REQUIRE(thread.status.ok());
  auto scope = h.enter();  // System's context: the harness's handles are in its table
  PVOID object = nullptr;
  OBJECT_HANDLE_INFORMATION info{};
  REQUIRE(ObReferenceObjectByHandle(as_handle(created.handle), PROCESS_QUERY_INFORMATION,
                                    *PsProcessType, KernelMode, &object, &info) == STATUS_SUCCESS);
  CHECK(object == ntemu::to_peprocess(*created.process));
  CHECK(PsGetProcessId(static_cast<PEPROCESS>(object)) == ntemu::to_handle(created.process->pid()));
  ObDereferenceObject(object);
  REQUIRE(ObReferenceObjectByHandle(as_handle(thread.handle), 0, *PsThreadType, KernelMode, &object,
                                    nullptr) == STATUS_SUCCESS);
  CHECK(object == ntemu::to_pethread(*thread.thread));
  ObDereferenceObject(object);
  // Without a type, any object; the pseudo-handles name the current process and thread.
  REQUIRE(ObReferenceObjectByHandle(NtCurrentProcess(), 0, nullptr, KernelMode, &object, nullptr) ==
          STATUS_SUCCESS);
  CHECK(object == PsInitialSystemProcess);
  ObDereferenceObject(object);
  REQUIRE(ObReferenceObjectByHandle(NtCurrentThread(), 0, *PsThreadType, KernelMode, &object,
                                    nullptr) == STATUS_SUCCESS);
  CHECK(object == PsGetCurrentThread());
  ObDereferenceObject(object);
  CHECK(h.audit().empty());
}

TEST_CASE("ob: ObReferenceObjectByHandle's failures leave *Object NULL") {
  Harness h(ntemu::Profile::xp(ntemu::Arch::X64));
  auto created = h.create_process("target.exe");
  REQUIRE(created.status.ok());
  auto scope = h.enter();
  PVOID object = reinterpret_cast<PVOID>(1);
  CHECK(ObReferenceObjectByHandle(as_handle(created.handle), 0, *PsThreadType, KernelMode, &object,
                                  nullptr) == STATUS_OBJECT_TYPE_MISMATCH);
  CHECK(object == nullptr);
  CHECK(ObReferenceObjectByHandle(reinterpret_cast<HANDLE>(0x7F0), 0, *PsProcessType, KernelMode,
                                  &object, nullptr) == STATUS_INVALID_HANDLE);
  CHECK(ObReferenceObjectByHandle(NtCurrentProcess(), 0, *PsThreadType, KernelMode, &object,
                                  nullptr) == STATUS_OBJECT_TYPE_MISMATCH);
  CHECK(ObReferenceObjectByHandle(as_handle(created.handle), 0, *PsProcessType, KernelMode, nullptr,
                                  nullptr) == STATUS_INVALID_PARAMETER);
  CHECK(ObReferenceObjectByHandle(as_handle(created.handle), 0, *IoFileObjectType, KernelMode,
                                  &object, nullptr) == STATUS_OBJECT_TYPE_MISMATCH);
  CHECK(h.audit().empty());
}

TEST_CASE("ob: a reference by handle never released is a reference-leak at unload") {
  Harness h(ntemu::Profile::server2003());
  REQUIRE(NT_SUCCESS(h.load(
      [](PDRIVER_OBJECT driver, PUNICODE_STRING) -> NTSTATUS {
        driver->DriverUnload = [](PDRIVER_OBJECT) {};
        PVOID object = nullptr;
        return ObReferenceObjectByHandle(NtCurrentProcess(), 0, *PsProcessType, KernelMode, &object,
                                         nullptr);  // never dereferenced
      },
      "byhandle")));
  REQUIRE(NT_SUCCESS(h.unload()));
  const auto findings = h.audit();
  REQUIRE(count(findings, "reference-leak") == 1);
  CHECK(findings.back().detail.find("ObReferenceObjectByHandle") != std::string::npos);
}

TEST_CASE("ob: ObReferenceObjectByPointer checks the type and takes a reference") {
  Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  PEPROCESS system = PsInitialSystemProcess;
  CHECK(ObReferenceObjectByPointer(system, 0, *PsThreadType, KernelMode) ==
        STATUS_OBJECT_TYPE_MISMATCH);
  const auto before = h.kernel().system_process().pointer_count();
  REQUIRE(ObReferenceObjectByPointer(system, 0, *PsProcessType, KernelMode) == STATUS_SUCCESS);
  CHECK(h.kernel().system_process().pointer_count() == before + 1);
  ObDereferenceObject(system);
  CHECK(h.kernel().system_process().pointer_count() == before);
  CHECK(h.audit().empty());
}
