// SPDX-License-Identifier: MIT
// What the scenario runner's pieces share: how a status is spelled, the `call` event and a
// thread's part in it, and each
// registration statement's API and call.
#pragma once

#include <string>
#include <string_view>

#include "ntemu/kernel.hpp"
#include "ntemu/trace/event.hpp"
#include "scenario.hpp"

namespace ntemu::cli {

/// What a call event reports of a thread (`name`, `process`, `pid`, `tid`), read while the
/// thread is surely in memory: under --reclaim a call may release it.
struct ThreadFacts {
  std::string name, process;
  ClientId cid;
};
ThreadFacts thread_facts(const ps::Thread& t);
void add_thread_result(Event& e, const ThreadFacts& t);
void add_thread_result(Event& e, const ps::Thread& t);

/// "STATUS_SUCCESS", or the hex value of a status ntemu does not name.
std::string status_text(Status s);
/// The `call` event of an API statement at `line`.
Event call_event(int line, std::string_view api, Status status);

/// The API a registration statement calls.
std::string_view api_name(const ProcessNotifyStmt& b);
std::string_view api_name(const ThreadNotifyStmt& b);
std::string_view api_name(const ImageNotifyStmt& b);
/// Calls that API with the statement's pool routine, without reporting it.
Status register_routine(Kernel& kernel, const ProcessNotifyStmt& b);
Status register_routine(Kernel& kernel, const ThreadNotifyStmt& b);
Status register_routine(Kernel& kernel, const ImageNotifyStmt& b);

}  // namespace ntemu::cli
