// SPDX-License-Identifier: MIT
// The calling host thread's scheduler (support/scheduling_point.hpp): its one definition.
#include "ntemu/support/scheduling_point.hpp"

namespace ntemu::sched {

constinit thread_local Scheduler* t_scheduler = nullptr;

}  // namespace ntemu::sched
