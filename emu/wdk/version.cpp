// SPDX-License-Identifier: MIT
// The running kernel's version as a driver asks for it (RtlGetVersion, PsGetVersion,
// IoIsWdmVersionAvailable): the major, minor and build numbers, service pack, product type and
// WDM version of the release each profile models; outside any kernel the calls fail.
#include <cstdint>
#include <cwchar>
#include <string>

#include "ntemu/kernel.hpp"
#include "ntemu/wdk.h"

namespace {
struct Version {
  ULONG major, minor, build;
  UCHAR wdm_major, wdm_minor;
  UCHAR product;
  USHORT service_pack;
};
bool running_version(Version& v) {
  ntemu::Kernel* k = ntemu::Kernel::current();
  if (k == nullptr) return false;
  switch (k->profile().version) {
    case ntemu::KernelVersion::Win2000:
      v = {5, 0, 2195, 1, 0x10, VER_NT_WORKSTATION, 4};
      break;
    case ntemu::KernelVersion::Xp:
      v = {5, 1, 2600, 1, 0x20, VER_NT_WORKSTATION, 2};
      break;
    case ntemu::KernelVersion::Server2003:
      v = {5, 2, 3790, 1, 0x30, VER_NT_SERVER, 1};
      break;
    case ntemu::KernelVersion::Vista:
      v = {6, 0, 6001, 6, 0x00, VER_NT_WORKSTATION, 1};
      break;
    case ntemu::KernelVersion::Win7:
      v = {6, 1, 7601, 6, 0x10, VER_NT_WORKSTATION, 1};
      break;
    case ntemu::KernelVersion::Win10: {
      // The build of each release the profile can name (1507 … 1709), WDM 6.40 [I].
      const std::uint16_t r = k->profile().release;
      const ULONG build = r >= 1709   ? 16299
                          : r >= 1703 ? 15063
                          : r >= 1607 ? 14393
                          : r >= 1511 ? 10586
                                      : 10240;
      v = {10, 0, build, 6, 0x40, VER_NT_WORKSTATION, 0};
      break;
    }
  }
  return true;
}
}  // namespace

NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation) {
  Version v{};
  if (!running_version(v)) return ::STATUS_INVALID_DEVICE_STATE;
  if (lpVersionInformation == nullptr) return ::STATUS_INVALID_PARAMETER;
  const ULONG size = lpVersionInformation->dwOSVersionInfoSize;
  if (size != sizeof(RTL_OSVERSIONINFOW) && size != sizeof(RTL_OSVERSIONINFOEXW))
    return ::STATUS_INVALID_PARAMETER;
  lpVersionInformation->dwMajorVersion = v.major;
  lpVersionInformation->dwMinorVersion = v.minor;
  lpVersionInformation->dwBuildNumber = v.build;
  lpVersionInformation->dwPlatformId = VER_PLATFORM_WIN32_NT;
  const std::wstring csd = L"Service Pack " + std::to_wstring(v.service_pack);
  std::wcsncpy(lpVersionInformation->szCSDVersion, csd.c_str(), 127);
  lpVersionInformation->szCSDVersion[127] = 0;
  if (size == sizeof(RTL_OSVERSIONINFOEXW)) {
    auto* ex = reinterpret_cast<PRTL_OSVERSIONINFOEXW>(lpVersionInformation);
    ex->wServicePackMajor = v.service_pack;
    ex->wServicePackMinor = 0;
    ex->wSuiteMask = 0;
    ex->wProductType = v.product;
    ex->wReserved = 0;
  }
  return ::STATUS_SUCCESS;
}

BOOLEAN PsGetVersion(PULONG MajorVersion, PULONG MinorVersion, PULONG BuildNumber,
                     PUNICODE_STRING CSDVersion) {
  static_cast<void>(CSDVersion);  // left as given: no CSD string is modeled here
  Version v{};
  if (!running_version(v)) return FALSE;
  if (MajorVersion != nullptr) *MajorVersion = v.major;
  if (MinorVersion != nullptr) *MinorVersion = v.minor;
  if (BuildNumber != nullptr) *BuildNumber = v.build;
  return FALSE;
}

BOOLEAN IoIsWdmVersionAvailable(UCHAR MajorVersion, UCHAR MinorVersion) {
  Version v{};
  if (!running_version(v)) return FALSE;
  if (MajorVersion != v.wdm_major) return MajorVersion < v.wdm_major ? TRUE : FALSE;
  return MinorVersion <= v.wdm_minor ? TRUE : FALSE;
}
