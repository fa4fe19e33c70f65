// SPDX-License-Identifier: MIT
/// \file
/// What the executive's creating and opening entry points return (ps/executive.hpp): a status
/// and, on success, the new object and the handle that holds it.
#pragma once

#include <cstdint>
#include <string>

#include "ntemu/support/ids.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu::ps {

class Process;
class Thread;

/// NtCreateProcess's result.
struct ProcessCreated {
  Status status;
  Process* process = nullptr;  ///< the new process, held by `handle`
  Handle handle{};             ///< in the creator's process object table
};

/// What a process is made from: its full image path and its command line. Empty fields take
/// the defaults: `\Device\HarddiskVolume1\Windows\System32\NAME` and `NAME`.
struct ProcessImage {
  std::string path;
  std::string command_line;
};

/// NtCreateThread's and PsCreateSystemThread's result.
struct ThreadCreated {
  Status status;
  Thread* thread = nullptr;  ///< null on failure
  Handle handle{};           ///< in the creator's process object table
  ClientId cid{};
};

/// NtCreateUserProcess's result (Vista and later).
struct UserProcessCreated {
  Status status;
  Process* process = nullptr;  ///< held by `process_handle`
  Handle process_handle{};     ///< in the creator's process object table
  Thread* thread = nullptr;    ///< the initial thread, held by `thread_handle`
  Handle thread_handle{};
  ClientId cid{};  ///< the initial thread's client ID
};

/// NtOpenProcess's, NtOpenThread's and NtDuplicateObject's result.
struct Opened {
  Status status;
  Handle handle{};            ///< in the opener's table, or a kernel handle in System's
  std::uint32_t granted = 0;  ///< the handle's access, after the object callbacks
};

}  // namespace ntemu::ps
