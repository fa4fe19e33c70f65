#include "ntemu/profile.hpp"

namespace ntemu {

Profile Profile::win2000(Arch arch) {
  // The member defaults are the Windows 2000 values (each documented in profile.hpp).
  Profile p;
  p.version = KernelVersion::Win2000;
  p.arch = arch;
  return p;
}

Result<Profile> Profile::make(KernelVersion version, Arch arch) {
  switch (version) {
    case KernelVersion::Win2000:
      return win2000(arch);
    case KernelVersion::Xp:
    case KernelVersion::Server2003:
    case KernelVersion::Vista:
      break;  // EX_CALLBACK machinery not modeled yet
  }
  return STATUS_NOT_SUPPORTED;
}

}  // namespace ntemu
