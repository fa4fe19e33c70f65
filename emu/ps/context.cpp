// The current executive and thread of each host thread (ps/executive.hpp, "Context").
#include "context.hpp"

namespace ntemu::ps {

namespace detail {
constinit thread_local HostContext t_context;
}  // namespace detail

using detail::t_context;

Executive* Executive::current() {
  return t_context.executive;
}

Thread& Executive::current_thread() {
  if (t_context.executive == this && t_context.thread != nullptr) return *t_context.thread;
  return first_system_thread_ != nullptr ? *first_system_thread_ : *idle_thread_;
}

Executive::ContextScope::ContextScope(Executive& executive, Thread& thread)
    : previous_executive_(t_context.executive), previous_thread_(t_context.thread) {
  t_context.executive = &executive;
  t_context.thread = &thread;
}

Executive::ContextScope::~ContextScope() {
  t_context.executive = previous_executive_;
  t_context.thread = previous_thread_;
}

}  // namespace ntemu::ps
