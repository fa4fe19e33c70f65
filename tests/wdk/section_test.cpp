// SPDX-License-Identifier: MIT
// Sections as a driver uses them: a page-file-backed section created, mapped into the current
// process, written through one view and read through another, referenced by handle as an
// opaque object, unmapped and closed; what is left open at unload is a resource-leak; ZwClose
// closes handles of the model's tables too.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "finding_count.hpp"
#include "ntemu/harness.hpp"

namespace {

using ntemu::Harness;
using ntemu::test::count;

HANDLE g_section = nullptr;
PVOID g_view = nullptr;

NTSTATUS SectionEntry(PDRIVER_OBJECT driver, PUNICODE_STRING) {
  driver->DriverUnload = [](PDRIVER_OBJECT) {};  // closes nothing
  LARGE_INTEGER size;
  size.QuadPart = 8192;
  NTSTATUS status = ZwCreateSection(&g_section, SECTION_ALL_ACCESS, nullptr, &size, PAGE_READWRITE,
                                    SEC_COMMIT, nullptr);
  if (!NT_SUCCESS(status)) return status;
  SIZE_T view_size = 0;
  g_view = nullptr;
  return ZwMapViewOfSection(g_section, NtCurrentProcess(), &g_view, 0, 0, nullptr, &view_size,
                            ViewUnmap, 0, PAGE_READWRITE);
}

}  // namespace

TEST_CASE("section: views of one section share its bytes, and every handle closes") {
  Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  HANDLE section = nullptr;
  LARGE_INTEGER size;
  size.QuadPart = 4096;
  REQUIRE(ZwCreateSection(&section, SECTION_ALL_ACCESS, nullptr, &size, PAGE_READWRITE, SEC_COMMIT,
                          nullptr) == STATUS_SUCCESS);
  PVOID first = nullptr;
  SIZE_T first_size = 0;
  REQUIRE(ZwMapViewOfSection(section, NtCurrentProcess(), &first, 0, 0, nullptr, &first_size,
                             ViewUnmap, 0, PAGE_READWRITE) == STATUS_SUCCESS);
  CHECK(first_size == 4096);
  PVOID second = nullptr;
  SIZE_T second_size = 16;
  LARGE_INTEGER offset;
  offset.QuadPart = 100;
  REQUIRE(ZwMapViewOfSection(section, NtCurrentProcess(), &second, 0, 0, &offset, &second_size,
                             ViewUnmap, 0, PAGE_READONLY) == STATUS_SUCCESS);
  CHECK(static_cast<unsigned char*>(second)[0] == 0);  // zeroed
  std::memcpy(static_cast<char*>(first) + 100, "shared", 7);
  CHECK(std::string(static_cast<const char*>(second)) == "shared");

  PVOID object = nullptr;
  REQUIRE(ObReferenceObjectByHandle(section, SECTION_MAP_READ, *MmSectionObjectType, KernelMode,
                                    &object, nullptr) == STATUS_SUCCESS);
  CHECK(object != nullptr);
  CHECK(ObReferenceObjectByHandle(section, 0, *PsProcessType, KernelMode, &object, nullptr) ==
        STATUS_OBJECT_TYPE_MISMATCH);
  REQUIRE(ObReferenceObjectByHandle(section, 0, nullptr, KernelMode, &object, nullptr) ==
          STATUS_SUCCESS);
  ObDereferenceObject(object);  // an opaque object: no bad-object-pointer
  ObDereferenceObject(object);

  CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), second) == STATUS_SUCCESS);
  CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), second) == STATUS_NOT_MAPPED_VIEW);
  CHECK(ZwUnmapViewOfSection(NtCurrentProcess(), first) == STATUS_SUCCESS);
  CHECK(ZwClose(section) == STATUS_SUCCESS);
  CHECK(ZwClose(section) == STATUS_INVALID_HANDLE);
  CHECK(h.audit().empty());

  // ZwClose of a handle in the model's tables: the process handle the harness's creation made.
  auto created = h.create_process("closed.exe");
  REQUIRE(created.status.ok());
  CHECK(ZwClose(reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(created.handle.value()))) ==
        STATUS_SUCCESS);
  CHECK(created.process->is_deleted());
}

TEST_CASE("section: what the model cannot make is refused with the kernel's statuses") {
  Harness h(ntemu::Profile::vista(ntemu::Arch::X64));
  auto scope = h.enter();
  HANDLE section = nullptr;
  LARGE_INTEGER size;
  size.QuadPart = 4096;
  CHECK(ZwCreateSection(&section, SECTION_ALL_ACCESS, nullptr, &size, PAGE_READWRITE, SEC_COMMIT,
                        reinterpret_cast<HANDLE>(0x40)) == STATUS_INVALID_HANDLE);  // no files
  size.QuadPart = 0;
  CHECK(ZwCreateSection(&section, SECTION_ALL_ACCESS, nullptr, &size, PAGE_READWRITE, SEC_COMMIT,
                        nullptr) == STATUS_INVALID_PARAMETER);
  size.QuadPart = 1LL << 40;
  CHECK(ZwCreateSection(&section, SECTION_ALL_ACCESS, nullptr, &size, PAGE_READWRITE, SEC_COMMIT,
                        nullptr) == STATUS_SECTION_TOO_BIG);
  size.QuadPart = 64;
  REQUIRE(ZwCreateSection(&section, SECTION_ALL_ACCESS, nullptr, &size, PAGE_READWRITE, SEC_COMMIT,
                          nullptr) == STATUS_SUCCESS);
  PVOID view = reinterpret_cast<PVOID>(0x10000);
  SIZE_T view_size = 0;
  CHECK(ZwMapViewOfSection(section, NtCurrentProcess(), &view, 0, 0, nullptr, &view_size, ViewUnmap,
                           0, PAGE_READWRITE) == STATUS_CONFLICTING_ADDRESSES);
  view = nullptr;
  view_size = 65;
  CHECK(ZwMapViewOfSection(section, NtCurrentProcess(), &view, 0, 0, nullptr, &view_size, ViewUnmap,
                           0, PAGE_READWRITE) == STATUS_INVALID_VIEW_SIZE);
  view_size = 0;
  CHECK(ZwMapViewOfSection(section, reinterpret_cast<HANDLE>(0x44), &view, 0, 0, nullptr,
                           &view_size, ViewUnmap, 0, PAGE_READWRITE) == STATUS_NOT_SUPPORTED);
  CHECK(ZwClose(section) == STATUS_SUCCESS);
  CHECK(h.audit().empty());
}

TEST_CASE("section: a section left open and mapped at unload is a resource-leak") {
  Harness h(ntemu::Profile::server2003());
  h.set_step("load");
  REQUIRE(NT_SUCCESS(h.load(&SectionEntry, "sections")));
  REQUIRE(g_view != nullptr);
  REQUIRE(NT_SUCCESS(h.unload()));
  const auto findings = h.audit();
  REQUIRE(count(findings, "resource-leak") == 1);
  CHECK(findings.back().detail.find("8192-byte section (created at \"load\")") !=
        std::string::npos);
  CHECK(findings.back().detail.find("1 open handle(s) and 1 mapped view(s)") != std::string::npos);
}
