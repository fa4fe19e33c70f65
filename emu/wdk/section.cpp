// SPDX-License-Identifier: MIT
// Page-file-backed sections (ntemu/wdk/zw.h): a section is zeroed host memory the harness owns,
// an opaque object, reached through handles of a range of its own (OBJ_KERNEL_HANDLE-marked
// values far above any handle table's entries); views are pointers into it. ZwClose closes
// those handles or, for any other value, a handle of the model's tables.
#include "section.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "convert.hpp"
#include "guard.hpp"
#include "ntemu/ob/obhandle.hpp"
#include "references.hpp"

namespace ntemu::wdk {
namespace {}  // namespace

using Section = Harness::State::Section;
constexpr std::uint64_t kMaxSection = 64ULL << 20;
constexpr std::uint64_t kFirstSectionHandle = 0x3FF00000;

namespace {

Section* find_handle(Harness::State& s, HANDLE handle) {
  const auto it = s.section_handles.find(value_of(handle));
  return it == s.section_handles.end() ? nullptr : it->second;
}

bool is_current_process(const Kernel& k, HANDLE h) {
  const std::uint64_t minus_one = k.profile().arch == Arch::X86 ? 0xFFFFFFFFULL : ~0ULL;
  return (value_of(h) & minus_one) == minus_one;
}

}  // namespace

void* section_of_handle(Current c, HANDLE handle) {
  if (c.state == nullptr) return nullptr;
  std::lock_guard hold(c.state->m);
  return find_handle(*c.state, handle);
}

void report_sections_left(Harness::State& s, const char* when) {
  std::vector<std::string> left;
  {
    std::lock_guard hold(s.m);
    for (const auto& section : s.sections) {
      if (section->open_handles == 0 && section->views.empty()) continue;
      left.push_back(fmt::format(
          "a {}-byte section{} still had {} open handle(s) and {} mapped view(s) after {}",
          section->size,
          section->step.empty() ? std::string{}
                                : fmt::format(" (created at \"{}\")", section->step),
          section->open_handles, section->views.size(), when));
    }
  }
  for (auto& text : left)
    s.report({verify::FindingKind::ResourceLeak, std::move(text), 0, 0, s.current_step()});
}

}  // namespace ntemu::wdk

using ntemu::Harness;
using ntemu::Kernel;
using ntemu::wdk::Current;
using ntemu::wdk::kFirstSectionHandle;
using ntemu::wdk::kMaxSection;
using ntemu::wdk::Section;

NTSTATUS ZwCreateSection(PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
                         POBJECT_ATTRIBUTES ObjectAttributes, PLARGE_INTEGER MaximumSize,
                         ULONG SectionPageProtection, ULONG AllocationAttributes,
                         HANDLE FileHandle) {
  static_cast<void>(DesiredAccess);
  static_cast<void>(ObjectAttributes);
  static_cast<void>(SectionPageProtection);
  static_cast<void>(AllocationAttributes);
  const Current c = ntemu::wdk::current();
  if (c.kernel == nullptr || c.state == nullptr) return STATUS_INVALID_DEVICE_STATE;
  if (SectionHandle == nullptr || MaximumSize == nullptr || MaximumSize->QuadPart <= 0)
    return STATUS_INVALID_PARAMETER;
  *SectionHandle = nullptr;
  ntemu::wdk::irql_too_high(PASSIVE_LEVEL, "ZwCreateSection");
  if (FileHandle != nullptr) return STATUS_INVALID_HANDLE;  // no files in the model
  const auto size = static_cast<std::uint64_t>(MaximumSize->QuadPart);
  if (size > kMaxSection) return STATUS_SECTION_TOO_BIG;
  auto section = std::make_unique<Section>();
  section->memory.resize(
      static_cast<std::size_t>((size + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t)));
  section->size = static_cast<std::size_t>(size);
  section->step = c.state->current_step();
  section->open_handles = 1;
  Harness::State& s = *c.state;
  std::lock_guard hold(s.m);
  const std::uint64_t value = ntemu::ob::kernel_handle_bit(c.kernel->profile().arch) |
                              (kFirstSectionHandle + 4 * s.next_section_handle++);
  s.section_handles.emplace(value, section.get());
  s.opaque.emplace(ntemu::wdk::address_of(section.get()), "section");
  s.sections.push_back(std::move(section));
  *SectionHandle = reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(value));
  return STATUS_SUCCESS;
}

NTSTATUS ZwMapViewOfSection(HANDLE SectionHandle, HANDLE ProcessHandle, PVOID* BaseAddress,
                            ULONG_PTR ZeroBits, SIZE_T CommitSize, PLARGE_INTEGER SectionOffset,
                            PSIZE_T ViewSize, SECTION_INHERIT InheritDisposition,
                            ULONG AllocationType, ULONG Win32Protect) {
  static_cast<void>(ZeroBits);
  static_cast<void>(CommitSize);
  static_cast<void>(InheritDisposition);
  static_cast<void>(AllocationType);
  static_cast<void>(Win32Protect);
  const Current c = ntemu::wdk::current();
  if (c.kernel == nullptr || c.state == nullptr) return STATUS_INVALID_DEVICE_STATE;
  if (BaseAddress == nullptr || ViewSize == nullptr) return STATUS_INVALID_PARAMETER;
  ntemu::wdk::irql_too_high(APC_LEVEL, "ZwMapViewOfSection");
  if (!ntemu::wdk::is_current_process(*c.kernel, ProcessHandle)) return STATUS_NOT_SUPPORTED;
  if (*BaseAddress != nullptr) return STATUS_CONFLICTING_ADDRESSES;
  std::lock_guard hold(c.state->m);
  Section* section = ntemu::wdk::find_handle(*c.state, SectionHandle);
  if (section == nullptr) return STATUS_INVALID_HANDLE;
  const LONGLONG offset = SectionOffset == nullptr ? 0 : SectionOffset->QuadPart;
  if (offset < 0 || static_cast<std::uint64_t>(offset) >= section->size)
    return STATUS_INVALID_VIEW_SIZE;
  const std::size_t start = static_cast<std::size_t>(offset);
  const std::size_t size = *ViewSize == 0 ? section->size - start : *ViewSize;
  if (size > section->size - start) return STATUS_INVALID_VIEW_SIZE;
  unsigned char* view = section->bytes() + start;
  section->views.push_back(view);
  *BaseAddress = view;
  *ViewSize = size;
  return STATUS_SUCCESS;
}

NTSTATUS ZwUnmapViewOfSection(HANDLE ProcessHandle, PVOID BaseAddress) {
  const Current c = ntemu::wdk::current();
  if (c.kernel == nullptr || c.state == nullptr) return STATUS_INVALID_DEVICE_STATE;
  ntemu::wdk::irql_too_high(PASSIVE_LEVEL, "ZwUnmapViewOfSection");
  if (!ntemu::wdk::is_current_process(*c.kernel, ProcessHandle)) return STATUS_NOT_SUPPORTED;
  std::lock_guard hold(c.state->m);
  for (const auto& section : c.state->sections) {
    auto& views = section->views;
    const auto it = std::find(views.begin(), views.end(), BaseAddress);
    if (it == views.end()) continue;
    views.erase(it);
    return STATUS_SUCCESS;
  }
  return STATUS_NOT_MAPPED_VIEW;
}

NTSTATUS ZwClose(HANDLE Handle) {
  const Current c = ntemu::wdk::current();
  if (c.kernel == nullptr) return STATUS_INVALID_DEVICE_STATE;
  ntemu::wdk::irql_too_high(PASSIVE_LEVEL, "ZwClose");
  if (c.state != nullptr) {
    std::lock_guard hold(c.state->m);
    const auto it = c.state->section_handles.find(ntemu::wdk::value_of(Handle));
    if (it != c.state->section_handles.end()) {
      --it->second->open_handles;
      c.state->section_handles.erase(it);
      return STATUS_SUCCESS;
    }
  }
  Kernel& k = *c.kernel;
  ntemu::ps::Process& owner =
      ntemu::ob::is_kernel_handle(ntemu::Handle{ntemu::wdk::value_of(Handle)}, k.profile().arch)
          ? k.system_process()
          : k.current_process();
  return ntemu::wdk::guarded(STATUS_UNSUCCESSFUL, "ZwClose", [&] {
    return ntemu::wdk::to_ntstatus(k.NtClose(owner, ntemu::Handle{ntemu::wdk::value_of(Handle)}));
  });
}
