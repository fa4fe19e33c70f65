// SPDX-License-Identifier: MIT
/// \file
/// Short, one-line descriptions of trace events, shared by the pictures (the sequence diagram's
/// messages and notes, the HTML report's timeline, `ntemu compare`'s cells). Every event gets
/// one: the kinds the pictures know (`notify`, `cid`, `call`, `finding`, ...) read as in the
/// text output; any other — a kind added later — as its name and fields, so nothing is dropped.
///
/// \code
///   ntemu::viz::describe(notify_event);
///   // "notify process edr!ProcessNotifyRoutine (ParentId 0x8, ProcessId 0x10, Create TRUE) on Cid
///   0008.0004"
/// \endcode
#pragma once

#include <string>

#include "ntemu/trace/event.hpp"

namespace ntemu::viz {

/// The event in one line.
std::string describe(const Event& e);
/// A notify event's arguments as the routine gets them: "ParentId 0x8, ProcessId 0x10, Create
/// TRUE"; for a kind the pictures do not know, its fields.
std::string notify_arguments(const Event& e);
/// "0008.0004": the thread a notify ran on.
std::string notify_context(const Event& e);
/// A `call` event's results after its status: "pid=0x18 tid=0x14 handle=0x10".
std::string call_results(const Event& e);
/// "key=value key=value" for every field but those named in `skip` (blank-separated keys); the
/// fields the stamps add (`cpu`, `frames`, `stack`) are always left out.
std::string field_list(const Event& e, std::string_view skip = {});
/// A field's value as the text output shows it: unsigned numbers in hex, the rest as they are.
std::string field_text(const Event& e, std::string_view key);

}  // namespace ntemu::viz
