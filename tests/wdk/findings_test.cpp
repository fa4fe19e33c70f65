// SPDX-License-Identifier: MIT
// The findings a driver developer needs beyond the core's (issue 13, item 6), each made to fire
// and shown silent for a correct driver: reference-leak, import-not-exported, the Ex
// registration of an image not linked with /INTEGRITYCHECK, KdPrint in free and checked
// builds, DbgPrintEx's component filter, opaque objects; and the kernel stack overflow of
// unbounded notify recursion (bugcheck 0x7F, regression: the host stack overflowed).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "free_build.h"
#include "ntemu/harness.hpp"
#include "probe_driver.h"

namespace {

using ntemu::Harness;

std::vector<ntemu::Kernel::Finding> of_kind(const std::vector<ntemu::Kernel::Finding>& findings,
                                            const std::string& kind) {
  std::vector<ntemu::Kernel::Finding> out;
  for (const auto& f : findings) {
    if (ntemu::verify::to_string(f.kind) == kind) out.push_back(f);
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("findings: a lookup never dereferenced is a reference-leak at unload, naming its step") {
  ProbeReset();
  ProbeConfig.LeakReference = TRUE;
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  h.set_step("start leaky.exe");
  auto started = h.start_process("leaky.exe");
  REQUIRE(started.status.ok());
  h.set_step("exit leaky.exe");
  CHECK(h.exit_process(*started.process).ok());
  CHECK(of_kind(h.audit(), "reference-leak").empty());  // not before unload
  h.set_step("unload");
  REQUIRE(NT_SUCCESS(h.unload()));
  const auto leaks = of_kind(h.audit(), "reference-leak");
  REQUIRE(leaks.size() == 1);
  CHECK(contains(leaks[0].detail, "process leaky.exe"));
  CHECK(contains(leaks[0].detail, "PsLookupProcessByProcessId"));
  CHECK(contains(leaks[0].detail, "at \"start leaky.exe\""));
  CHECK(leaks[0].object == started.process->address());
}

TEST_CASE("findings: a driver that dereferences what it referenced has no reference-leak") {
  ProbeReset();  // the probe dereferences its lookup
  Harness h(ntemu::Profile::vista());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  auto started = h.start_process("tidy.exe");
  REQUIRE(started.status.ok());
  {
    auto scope = h.enter();
    PEPROCESS p = ntemu::to_peprocess(*started.process);
    ObReferenceObject(p);
    PETHREAD t = nullptr;
    REQUIRE(PsLookupThreadByThreadId(ntemu::to_handle(started.thread->tid()), &t) ==
            STATUS_SUCCESS);
    ObDereferenceObject(t);
    ObDereferenceObject(p);
  }
  CHECK(h.exit_process(*started.process).ok());
  REQUIRE(NT_SUCCESS(h.unload()));
  CHECK(h.audit().empty());
  CHECK(started.process->is_deleted());
}

TEST_CASE("findings: references still held when the harness ends are reported to its sink") {
  ntemu::RecordingSink sink;
  {
    ProbeReset();
    ProbeConfig.LeakReference = TRUE;
    ProbeConfig.SetUnload = FALSE;  // never unloaded: the harness's end is the last chance
    Harness h(ntemu::Profile::server2003(), &sink);
    REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
    REQUIRE(h.start_process("kept.exe").status.ok());
  }
  int leaks = 0;
  for (const auto& e : sink.events()) {
    if (e.name != "finding") continue;
    const std::string text = ntemu::JsonlSink::to_json(e, 0);
    if (contains(text, "reference-leak") && contains(text, "the end of the harness")) ++leaks;
  }
  CHECK(leaks == 1);
}

TEST_CASE("findings: device and driver objects are opaque objects, never bad object pointers") {
  ProbeReset();
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  auto scope = h.enter();
  PDEVICE_OBJECT device = nullptr;
  REQUIRE(IoCreateDevice(&h.driver_object(), 0, nullptr, FILE_DEVICE_UNKNOWN, 0, FALSE, &device) ==
          STATUS_SUCCESS);
  ObReferenceObject(device);
  ObDereferenceObject(device);
  ObReferenceObject(&h.driver_object());
  ObDereferenceObject(&h.driver_object());
  CHECK(h.audit().empty());
  ObReferenceObject(device);  // never dropped
  IoDeleteDevice(device);
  int not_an_object = 0;
  ObReferenceObject(&not_an_object);  // still a finding: no object at all
  const auto findings = h.audit();
  CHECK(of_kind(findings, "bad-object-pointer").size() == 1);
  const auto leaks_before_unload = of_kind(findings, "reference-leak");
  CHECK(leaks_before_unload.empty());
}

TEST_CASE("findings: an opaque object's reference never dropped is a reference-leak") {
  ProbeReset();
  Harness h(ntemu::Profile::xp());
  REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
  {
    auto scope = h.enter();
    h.set_step("reference the driver object");
    ObReferenceObject(&h.driver_object());
  }
  REQUIRE(NT_SUCCESS(h.unload()));
  const auto leaks = of_kind(h.audit(), "reference-leak");
  REQUIRE(leaks.size() == 1);
  CHECK(contains(leaks[0].detail, "driver object"));
  CHECK(contains(leaks[0].detail, "\"reference the driver object\""));
}

TEST_CASE("findings: a routine the version does not export is an import-not-exported finding") {
  SUBCASE("the Ex routine on xp") {
    Harness h(ntemu::Profile::xp());
    auto scope = h.enter();
    CHECK(PsSetCreateProcessNotifyRoutineEx(&ProbeProcessNotifyEx, FALSE) ==
          STATUS_NOT_IMPLEMENTED);
    CHECK(PsSetCreateProcessNotifyRoutineEx(&ProbeProcessNotifyEx, TRUE) == STATUS_NOT_IMPLEMENTED);
    const auto findings = of_kind(h.audit(), "import-not-exported");
    REQUIRE(findings.size() == 1);  // once per routine
    CHECK(contains(findings[0].detail, "PsSetCreateProcessNotifyRoutineEx"));
    CHECK(contains(findings[0].detail, "xp"));
  }
  SUBCASE("the thread-routine removal on win2000") {
    ProbeReset();
    Harness h(ntemu::Profile::win2000());
    REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
    REQUIRE(NT_SUCCESS(h.unload()));  // the probe's unload removes its thread routine
    CHECK(ProbeRecord.UnloadRemoveStatus[2] == STATUS_NOT_IMPLEMENTED);
    const auto findings = of_kind(h.audit(), "import-not-exported");
    REQUIRE(findings.size() == 1);
    CHECK(contains(findings[0].detail, "PsRemoveCreateThreadNotifyRoutine"));
  }
  SUBCASE("a driver importing only what its version exports is silent") {
    ProbeReset();
    ProbeConfig.RegisterProcessEx = TRUE;
    Harness h(ntemu::Profile::vista());
    REQUIRE(NT_SUCCESS(h.load(&ProbeDriverEntry, "probe")));
    CHECK(ProbeRecord.EntryRegisterStatus[1] == STATUS_SUCCESS);
    REQUIRE(h.start_process("fine.exe").status.ok());
    REQUIRE(NT_SUCCESS(h.unload()));
    CHECK(h.audit().empty());
  }
}

TEST_CASE("findings: the Ex registration refuses an image not linked with /INTEGRITYCHECK") {
  ProbeReset();
  ProbeConfig.RegisterProcessEx = TRUE;
  Harness unsigned_image(ntemu::Profile::vista());
  Harness::LoadOptions options;
  options.integrity_check = false;
  REQUIRE(NT_SUCCESS(unsigned_image.load(&ProbeDriverEntry, "probe", options)));
  CHECK(ProbeRecord.EntryRegisterStatus[1] == STATUS_ACCESS_DENIED);
  CHECK(ProbeRecord.EntryRegisterStatus[0] == STATUS_SUCCESS);  // the plain routine is fine
  REQUIRE(unsigned_image.start_process("seen.exe").status.ok());
  CHECK(ProbeRecord.ExCalls == 0);
  CHECK(ProbeRecord.ProcessCalls == 1);
  REQUIRE(NT_SUCCESS(unsigned_image.unload()));

  ProbeReset();
  ProbeConfig.RegisterProcessEx = TRUE;
  Harness linked(ntemu::Profile::vista());  // the default: linked as it should be
  REQUIRE(NT_SUCCESS(linked.load(&ProbeDriverEntry, "probe")));
  CHECK(ProbeRecord.EntryRegisterStatus[1] == STATUS_SUCCESS);
  REQUIRE(linked.start_process("seen.exe").status.ok());
  CHECK(ProbeRecord.ExCalls == 1);
  REQUIRE(NT_SUCCESS(linked.unload()));
  CHECK(linked.audit().empty());
}

TEST_CASE("findings: KdPrint compiles to nothing in a free build and prints in a checked one") {
  Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  CHECK(FreeBuildPrint() == 0);  // no argument of KdPrint, KdPrintEx or ASSERT was evaluated
  KdPrint(("checked: %d", 7));   // this file is a checked build (DBG=1)
  const auto out = h.debug_output();
  REQUIRE(out.size() == 2);
  CHECK(out[0] == "free: DbgPrint DBG=0");
  CHECK(out[1] == "checked: 7");
  CHECK(h.audit().empty());
}

TEST_CASE("findings: DbgPrintEx honours the component filter the test sets") {
  Harness h(ntemu::Profile::vista());
  auto scope = h.enter();
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "unfiltered info");
  h.filter_debug_print(DPFLTR_IHVDRIVER_ID, 1UL << DPFLTR_WARNING_LEVEL);
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "error");      // the WIN2000 mask
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_WARNING_LEVEL, "warning");  // the component's mask
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL, "trace");      // filtered out
  DbgPrintEx(DPFLTR_IHVVIDEO_ID, DPFLTR_WARNING_LEVEL, "video");     // another component
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, 0x4, "mask 0x4");                  // >= 32 would be a mask;
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, 0x40000002U, "mask bit 1");        // this one is (bit 1)
  DbgPrint("plain");  // DPFLTR_DEFAULT_ID, INFO on Vista: filtered out
  h.filter_debug_print_default(0);
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "error, silenced");
  const std::vector<std::string> expected = {"unfiltered info", "error", "warning", "mask bit 1"};
  CHECK(h.debug_output() == expected);

  Harness old(ntemu::Profile::server2003());  // before Vista DbgPrint is unconditional
  auto old_scope = old.enter();
  old.filter_debug_print(DPFLTR_IHVDRIVER_ID, 0);
  DbgPrint("plain");
  DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "info");
  CHECK(old.debug_output() == std::vector<std::string>{"plain"});
}

namespace {
Harness* g_recursing = nullptr;
int g_depth = 0;
VOID RecurseOnCreate(HANDLE, HANDLE, BOOLEAN Create) {
  // Every process start starts another, from inside the routine: nothing ends the nesting.
  if (!Create || g_recursing == nullptr) return;
  ++g_depth;
  static_cast<void>(g_recursing->start_process("again.exe"));
}
}  // namespace

TEST_CASE(
    "findings: unbounded notify recursion bugchecks 0x7F (regression: the host stack "
    "overflowed)") {
  Harness h(ntemu::Profile::xp());
  g_recursing = &h;
  g_depth = 0;
  {
    auto scope = h.enter();
    REQUIRE(PsSetCreateProcessNotifyRoutine(&RecurseOnCreate, FALSE) == STATUS_SUCCESS);
  }
  bool stopped = false;
  try {
    static_cast<void>(h.start_process("first.exe"));
  } catch (const ntemu::BugCheck& b) {
    stopped = true;
    CHECK(b.code() == 0x7F);
    CHECK(b.name() == "UNEXPECTED_KERNEL_MODE_TRAP");
    CHECK(b.parameters()[0] == 8);  // EXCEPTION_DOUBLE_FAULT
  }
  g_recursing = nullptr;
  CHECK(stopped);
  CHECK(g_depth == 32);
  REQUIRE(h.kernel().bugcheck() != nullptr);
  CHECK(h.kernel().bugcheck()->code() == 0x7F);
}
