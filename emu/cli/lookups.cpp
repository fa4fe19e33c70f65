// SPDX-License-Identifier: MIT
// The scenario runner's lookups by client ID (PsLookupProcessByProcessId,
// PsLookupThreadByThreadId, PsLookupProcessThreadByCid) and the opens by ID (NtOpenProcess,
// NtOpenThread). A lookup's reference is dropped again as soon as its result is reported.
#include <fmt/format.h>

#include "report.hpp"
#include "runner_impl.hpp"

namespace ntemu::cli {

// --- lookups --------------------------------------------------------------------------------

void Runner::exec(const Statement& s, const LookupStmt& b) {
  switch (b.api) {
    case LookupStmt::Api::ProcessById: {
      const std::uint64_t id = eval(s, b.first);
      ps::Process* p = nullptr;
      const Status status = kernel().PsLookupProcessByProcessId(ProcessId{id}, &p);
      Event e = call_event(s.pos.line, "PsLookupProcessByProcessId", status).add("id", id);
      if (status.ok() && p != nullptr) {
        e.add("name", p->ImageFileName).add("pid", p->pid().value());
        kernel().ObDereferenceObject(*p);
      }
      sink_.emit(e);
      set_status(s, status);
      return;
    }
    case LookupStmt::Api::ThreadById: {
      const std::uint64_t id = eval(s, b.first);
      ps::Thread* t = nullptr;
      const Status status = kernel().PsLookupThreadByThreadId(ThreadId{id}, &t);
      Event e = call_event(s.pos.line, "PsLookupThreadByThreadId", status).add("id", id);
      if (status.ok() && t != nullptr) {
        add_thread_result(e, *t);
        kernel().ObDereferenceObject(*t);
      }
      sink_.emit(e);
      set_status(s, status);
      return;
    }
    case LookupStmt::Api::ProcessThreadByCid: {
      const ClientId cid{ProcessId{eval(s, b.first)}, ThreadId{eval(s, b.second)}};
      ps::Process* p = nullptr;
      ps::Thread* t = nullptr;
      const Status status = kernel().PsLookupProcessThreadByCid(cid, &p, &t);
      Event e = call_event(s.pos.line, "PsLookupProcessThreadByCid", status)
                    .add("cid_pid", cid.UniqueProcess.value())
                    .add("cid_tid", cid.UniqueThread.value());
      if (status.ok() && t != nullptr) {
        add_thread_result(e, *t);
        kernel().ObDereferenceObject(*t);
      }
      if (status.ok() && p != nullptr) kernel().ObDereferenceObject(*p);
      sink_.emit(e);
      set_status(s, status);
      return;
    }
    case LookupStmt::Api::OpenProcess:
    case LookupStmt::Api::OpenThread: {
      // The handle goes into the current thread's process table, with the access asked for (all
      // by default; no security model) less what object callbacks take away, and stays there
      // until that process exits.
      const bool process = b.api == LookupStmt::Api::OpenProcess;
      const ClientId cid{ProcessId{process || b.both ? eval(s, b.first) : 0},
                         ThreadId{!process || b.both ? eval(s, b.second) : 0}};
      const std::uint32_t access = b.access.value_or(Kernel::kMaximumAllowed);
      const Kernel::Opened o =
          process ? kernel().NtOpenProcess(cid, access) : kernel().NtOpenThread(cid, access);
      Event e = call_event(s.pos.line, process ? "NtOpenProcess" : "NtOpenThread", o.status)
                    .add("cid_pid", cid.UniqueProcess.value())
                    .add("cid_tid", cid.UniqueThread.value());
      if (o.status.ok()) {
        e.add("handle", o.handle.value()).add("owner", ps::object_name(kernel().current_process()));
        // The access granted, when it is not simply what was asked: an access= open, or object
        // callbacks registered (they may have taken rights away).
        if (b.access || kernel().object_callbacks().size() != 0) {
          e.add("granted", std::uint64_t{o.granted});
        }
      }
      sink_.emit(e);
      set_status(s, o.status);
      return;
    }
  }
}

}  // namespace ntemu::cli
