// The current executive and thread of each host thread (ps/context.hpp).
#include "entry_point.hpp"

namespace ntemu::ps {

constinit thread_local HostContext t_host_context;

Executive* Executive::current() {
  return t_host_context.executive;
}

Thread& Executive::current_thread() {
  if (t_host_context.executive == this && t_host_context.thread != nullptr)
    return *t_host_context.thread;
  return first_system_thread_ != nullptr ? *first_system_thread_ : *idle_thread_;
}

}  // namespace ntemu::ps
