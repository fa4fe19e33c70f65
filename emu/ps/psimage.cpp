// SPDX-License-Identifier: MIT
// Images (semantics.md §10.10): the mappings the load-image routines hear of — a process's own
// image and ntdll, a DLL mapped into a process, a driver's image loaded into system space.
// Image bases are deterministic model addresses, per process and in system space. Registration
// is in psnotify.cpp, the dispatcher PsCallImageNotifyRoutines in psnotify_run.cpp.
#include <optional>

#include "entry_point.hpp"
#include "ntemu/dbg/shadow_stack.hpp"

namespace ntemu::ps {
namespace {

// Where images go (deterministic model addresses, 64 KiB granular as NT's allocation).
constexpr std::uint64_t kGranularity = 0x10000;
std::uint64_t first_user_image_base(Arch arch) {
  return arch == Arch::X86 ? 0x00400000ULL : 0x0000000140000000ULL;
}
std::uint64_t first_system_image_base(Arch arch) {
  return arch == Arch::X86 ? 0xF8000000ULL : 0xFFFFF88000000000ULL;
}
// Where each space ends: x86's 2 GiB user space and the top of its system space; x64's 128 TiB
// user space (less the last 64 KiB) and the start of its session space.
std::uint64_t user_space_end(Arch arch) {
  return arch == Arch::X86 ? 0x7FFF0000ULL : 0x00007FFFFFFF0000ULL;
}
std::uint64_t system_space_end(Arch arch) {
  return arch == Arch::X86 ? 0x100000000ULL : 0xFFFFF90000000000ULL;
}

// The full name a loader shows for an image named `name` without a path.
std::string system32_path(std::string_view name) {
  if (name.find('\\') != std::string_view::npos) return std::string(name);
  return "\\Device\\HarddiskVolume1\\Windows\\System32\\" + std::string(name);
}

}  // namespace

std::optional<IMAGE_INFO> Executive::PspPlaceImage(Process* process, std::uint64_t size) {
  IMAGE_INFO info;
  info.ImageSize = size;
  info.SystemModeImage = process == nullptr;
  std::atomic<std::uint64_t>& next =
      process != nullptr ? process->NextImageBase : next_system_image_base_;
  const std::uint64_t first = process != nullptr ? first_user_image_base(profile_.arch)
                                                 : first_system_image_base(profile_.arch);
  const std::uint64_t end =
      process != nullptr ? user_space_end(profile_.arch) : system_space_end(profile_.arch);
  // 0 means "nothing mapped yet": the first image goes at the first base.
  std::uint64_t seen = next.load(std::memory_order_acquire);
  std::uint64_t after = 0;
  do {
    info.ImageBase = seen == 0 ? first : seen;
    // No room left for `size` bytes, 64 KiB granular, below the end of the space. (`size` is
    // then below 2^64 - 2^48, so rounding it up cannot wrap.)
    if (size > end - info.ImageBase) return std::nullopt;
    after = info.ImageBase + (size + kGranularity - 1) / kGranularity * kGranularity;
    if (after > end) return std::nullopt;
  } while (!next.compare_exchange_weak(seen, after, std::memory_order_acq_rel));
  return info;
}

ImageMapped Executive::MmMapImage(Process& process, std::string full_name, std::uint64_t size) {
  detail::EntryPoint entry(this, "MmMapViewOfSection");
  if (size == 0) return {STATUS_INVALID_PARAMETER, {}};
  if (process.is_deleted() ||
      (process.Flags.load(std::memory_order_acquire) & Process::kFlagProcessExiting) != 0) {
    return {STATUS_PROCESS_IS_TERMINATING, {}};
  }
  const std::optional<IMAGE_INFO> info = PspPlaceImage(&process, size);
  if (!info) return {STATUS_NO_MEMORY, {}};  // no room in the user address space
  PsCallImageNotifyRoutines(full_name, process.pid(), *info, &process);
  return {STATUS_SUCCESS, *info};
}

ImageMapped Executive::MmLoadSystemImage(std::string full_name, std::uint64_t size) {
  detail::EntryPoint entry(this, "MmLoadSystemImage");
  if (size == 0) return {STATUS_INVALID_PARAMETER, {}};
  const std::optional<IMAGE_INFO> info = PspPlaceImage(nullptr, size);
  if (!info) return {STATUS_INSUFFICIENT_RESOURCES, {}};  // no room left in system space
  PsCallImageNotifyRoutines(full_name, ProcessId{}, *info, nullptr);
  return {STATUS_SUCCESS, *info};
}

void Executive::PspReportProcessImages(Process& process) {
  if (process.ImagesReported.exchange(true, std::memory_order_acq_rel)) return;
  dbg::FrameScope frame("nt", "MmMapViewOfSection");
  // The process's own image first, then ntdll (PspMapSystemDll), as a loader maps them.
  // (A new process's space is empty: both always fit.)
  const IMAGE_INFO exe = PspPlaceImage(&process, kDefaultImageSize).value();
  PsCallImageNotifyRoutines(process.ImagePath, process.pid(), exe, &process);
  const IMAGE_INFO ntdll = PspPlaceImage(&process, kDefaultImageSize).value();
  PsCallImageNotifyRoutines("\\SystemRoot\\System32\\ntdll.dll", process.pid(), ntdll, &process);
}

std::string default_image_path(std::string_view image_name) {
  return system32_path(image_name);
}

std::string default_driver_path(std::string_view image_name) {
  if (image_name.find('\\') != std::string_view::npos) return std::string(image_name);
  return "\\SystemRoot\\System32\\drivers\\" + std::string(image_name);
}

}  // namespace ntemu::ps
