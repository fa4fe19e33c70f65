// SPDX-License-Identifier: MIT
/// \file
/// `viz::State`: the machine's state at one point of a run, copied out of an executive as plain
/// data for the pictures (viz/dot.hpp draws it, viz/html_report.hpp shows it under a slider):
/// PspCidTable's entries and what each names, the processes and their threads (live objects and
/// tombstones), and the notify arrays' slots with, under EX_CALLBACK storage, each block's
/// fast-reference and rundown words. Everything is a model value (IDs, model addresses, symbol
/// names), so two captures of the same run are equal, whatever the host.
///
/// \code
///   ntemu::viz::State s = ntemu::viz::capture_state(kernel);
///   for (const auto& e : s.cid_entries)
///     fmt::print("{:#x} -> {} {}\n", e.handle, e.type, e.name);
/// \endcode
///
/// Capture on the thread that drives the machine, between entry-point calls: it takes the
/// table's entry locks and each process's lock, as a debugger's extension would read them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ntemu/profile.hpp"
#include "ntemu/ps/executive.hpp"

namespace ntemu::viz {

/// One PspCidTable entry.
struct CidEntry {
  std::uint64_t handle = 0;
  std::uint64_t object = 0;  ///< the model address the entry holds
  /// "process", "thread", or "" when no object was ever at that address.
  std::string type;
  std::string name;
  bool deleted = false;  ///< the object is a tombstone: the entry dangles
  /// The ID the object carries now for this role (a process's UniqueProcessId, a thread's TID):
  /// an entry whose object no longer carries its handle is stale (leaked).
  std::uint64_t carried_id = 0;
};

struct ThreadState {
  std::uint64_t address = 0;
  std::string name;
  std::uint64_t cid_process = 0;  ///< its Cid.UniqueProcess copy
  std::uint64_t tid = 0;
  bool system = false;
  bool terminated = false;
  bool deleted = false;
};

struct ProcessState {
  std::uint64_t address = 0;
  std::string name;
  std::uint64_t pid = 0;  ///< UniqueProcessId now
  std::uint64_t parent = 0;
  std::uint32_t active_threads = 0;
  std::uint32_t flags = 0;
  std::int64_t pointer_count = 0;
  std::int64_t handle_count = 0;
  bool deleted = false;
  bool boot = false;                 ///< the System process
  std::vector<ThreadState> threads;  ///< its thread list, in list order
};

/// One slot of a notify array.
struct SlotState {
  std::uint32_t index = 0;
  std::string routine;  ///< "edr!ProcessNotifyRoutine", or "" when empty
  /// EX_CALLBACK storage: the raw EX_FAST_REF word, the block it names, the references cached
  /// in it, and the block's EX_RUNDOWN_REF word.
  std::uint64_t raw = 0;
  std::uint64_t block = 0;
  std::uint64_t cached = 0;
  std::uint64_t rundown = 0;
};

struct ArrayState {
  std::string name;  ///< "PspCreateProcessNotifyRoutine", ...
  std::string kind;  ///< "process", "thread", "image"
  std::uint32_t size = 0;
  std::uint32_t count = 0;  ///< the registration counter
  bool ex_callback = false;
  std::vector<SlotState> occupied;  ///< occupied slots only, in slot order
};

/// An EX_CALLBACK block that no slot names and that was never freed (a poke lost it).
struct LostBlock {
  std::uint64_t address = 0;
  std::string routine;
  std::uint64_t rundown = 0;
};

struct State {
  std::string kernel;  ///< "win2000"
  std::string arch;    ///< "x86"
  std::uint64_t cid_handle_count = 0;
  std::vector<CidEntry> cid_entries;  ///< in handle order
  /// In creation order; the Idle process and its thread are left out (no real process: ID 0,
  /// never in PspCidTable).
  std::vector<ProcessState> processes;
  std::vector<ArrayState> arrays;  ///< process, thread, image
  std::vector<LostBlock> lost_blocks;
  bool bugchecked = false;

  std::size_t thread_count() const;
  std::size_t dangling_entries() const;
};

/// The state of `executive` now (see the file comment for when it may be called).
State capture_state(ps::Executive& executive);

}  // namespace ntemu::viz
