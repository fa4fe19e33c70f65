// SPDX-License-Identifier: MIT
// The host thread's context (ps/context.hpp): its one definition.
#include "ntemu/ps/context.hpp"

namespace ntemu::ps {

constinit thread_local HostContext t_host_context;

}  // namespace ntemu::ps
