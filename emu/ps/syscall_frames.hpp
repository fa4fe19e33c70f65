// SPDX-License-Identifier: MIT
// The frames a system service's callers leave on the shadow stack (semantics.md §10.2), shared
// by the Nt* entry points that model a call from user or kernel mode.
#pragma once

#include <string_view>

#include <boost/container/static_vector.hpp>

#include "ntemu/dbg/shadow_stack.hpp"
#include "ntemu/ps/executive.hpp"

namespace ntemu::ps::detail {

// The frames below a system service, outermost first (semantics.md §10.2): a user-mode caller
// enters through ntdll's stub and the version's gate; kernel-mode code (a system thread)
// through the kernel's own Zw stub and its system-service dispatcher.
class SystemCallFrames {
 public:
  SystemCallFrames(const Profile& profile, PreviousMode mode, std::string_view stub) {
    const bool x64 = profile.arch == Arch::X64;
    if (mode == PreviousMode::KernelMode) {
      frames_.emplace_back("nt", stub);
      frames_.emplace_back("nt", x64 ? "KiServiceInternal" : "KiSystemService");
      return;
    }
    frames_.emplace_back("ntdll", stub);
    switch (profile.system_call_gate) {
      case SystemCallGate::Int2E:
        frames_.emplace_back("nt", "KiSystemService");
        break;
      case SystemCallGate::SysEnter:
        frames_.emplace_back("ntdll", "KiFastSystemCallRet");
        frames_.emplace_back("nt", "KiFastCallEntry");
        break;
      case SystemCallGate::SysCall64:
        frames_.emplace_back("nt", "KiSystemCall64");
        break;
    }
  }

 private:
  boost::container::static_vector<dbg::FrameScope, 3> frames_;
};

/// The mode a call made by `caller` comes from: kernel mode for a system thread.
inline PreviousMode caller_mode(const Thread& caller) {
  return caller.is_system() ? PreviousMode::KernelMode : PreviousMode::UserMode;
}

}  // namespace ntemu::ps::detail
