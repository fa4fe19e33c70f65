// SPDX-License-Identifier: MIT
/// \file
/// Dumps of the machine's state in a kernel debugger's register, for the scenario runner, the
/// driver harness, the examples and the debugger alike: PspCidTable with what each entry names
/// (tombstones marked), the notify arrays with their EX_CALLBACK words decoded, and a process.
///
/// \code
///   fmt::print("{}\n", ntemu::dbg::dump_cid_table(kernel));
///   // PspCidTable: HandleCount 3, level 0
///   //   handle  object    type     name
///   //   0x0004  89a01290  thread   system_thread  Cid 0008.0004  in System ...
/// \endcode
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ntemu/ps/executive.hpp"

namespace ntemu::dbg {

/// A model address as the debugger prints it: 8 hex digits on x86, 16 on x64.
std::string format_address(std::uint64_t address, Arch arch);

/// PspCidTable: HandleCount, level, then one line per entry in handle order.
std::string dump_cid_table(ps::Executive& executive);

/// Extra text for a routine's line in dump_callbacks (e.g. "  calls 3"), or "".
using RoutineNote = std::function<std::string(ps::NotifyKind kind, const void* routine)>;
/// Both notify arrays: counter, then each slot (a run of empty slots as one line), with the
/// routine's symbol, and under EX_CALLBACK storage the raw EX_FAST_REF word decoded.
std::string dump_callbacks(const ps::Executive& executive, const RoutineNote& note = {});

/// One process: its EPROCESS fields the model keeps, then its threads.
std::string dump_process(ps::Process& process, Arch arch);

}  // namespace ntemu::dbg
