// SPDX-License-Identifier: MIT
// Debugger output: DbgPrint, DbgPrintEx, vDbgPrintEx and vDbgPrintExWithPrefix over the WDK's
// printf formatter (format_wdk, dbgprint_format.cpp), with DbgPrintEx's component filter
// (Harness::filter_debug_print). A line is formatted with `%p` at the current profile's pointer
// width, loses one trailing newline, and goes to the harness's log and to the trace as a
// `dbgprint` event naming the thread it was printed on; outside a harness it goes to stderr.
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

#include "dbgprint.hpp"
#include "ntemu/wdk.h"
#include "state.hpp"

namespace ntemu::wdk {
namespace {

// Whether the filter keeps a line of `component` at `level`; `ex` for the DbgPrintEx family
// (DbgPrint is filtered as DPFLTR_DEFAULT_ID / DPFLTR_INFO_LEVEL on Vista and later only).
bool filter_keeps(const Current& c, bool ex, ULONG component, ULONG level) {
  if (c.state == nullptr) return true;
  if (!ex && c.kernel->profile().version < ntemu::KernelVersion::Vista) return true;
  std::lock_guard hold(c.state->m);
  const Harness::State::DebugFilter& f = c.state->debug_filter;
  if (!f.on) return true;
  const ULONG bits = level < 32 ? (ULONG{1} << level) : level;
  const auto it = f.component_masks.find(component);
  const ULONG mask = it == f.component_masks.end() ? 0 : it->second;
  return ((mask | f.win2000_mask) & bits) != 0;
}

ULONG debug_print(const char* prefix, const char* format, va_list args, bool ex = false,
                  ULONG component = DPFLTR_DEFAULT_ID, ULONG level = DPFLTR_INFO_LEVEL) {
  const Current c = current();
  if (!filter_keeps(c, ex, component, level)) return static_cast<ULONG>(::STATUS_SUCCESS);
  const int digits = c.kernel != nullptr && c.kernel->profile().arch == ntemu::Arch::X86 ? 8 : 16;
  std::string text =
      (prefix != nullptr ? std::string(prefix) : std::string()) + format_wdk(format, args, digits);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (c.state == nullptr) {
    std::fprintf(stderr, "DbgPrint: %s\n", text.c_str());
    return c.kernel == nullptr ? static_cast<ULONG>(::STATUS_INVALID_DEVICE_STATE)
                               : static_cast<ULONG>(::STATUS_SUCCESS);
  }
  const ntemu::ClientId cid = c.kernel->current_thread().Cid();
  {
    std::lock_guard hold(c.state->m);
    c.state->debug_output.push_back(text);
  }
  c.state->emit(ntemu::Event{"dbgprint", {}}
                    .add("text", text)
                    .add("context_pid", cid.UniqueProcess.value())
                    .add("context_tid", cid.UniqueThread.value()));
  return static_cast<ULONG>(::STATUS_SUCCESS);
}

}  // namespace
}  // namespace ntemu::wdk

using ntemu::wdk::debug_print;

ULONG DbgPrint(PCSTR Format, ...) {
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_start(args, Format);
  const ULONG r = debug_print(nullptr, Format, args);
  va_end(args);
  return r;
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) {
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_start(args, Format);
  const ULONG r = debug_print(nullptr, Format, args, true, ComponentId, Level);
  va_end(args);
  return r;
}

ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list arglist) {
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_copy(args, arglist);
  const ULONG r = debug_print(nullptr, Format, args, true, ComponentId, Level);
  va_end(args);
  return r;
}

ULONG vDbgPrintExWithPrefix(PCSTR Prefix, ULONG ComponentId, ULONG Level, PCSTR Format,
                            va_list arglist) {
  if (Format == nullptr) return static_cast<ULONG>(STATUS_INVALID_PARAMETER);
  va_list args;
  va_copy(args, arglist);
  const ULONG r = debug_print(Prefix, Format, args, true, ComponentId, Level);
  va_end(args);
  return r;
}
