// SPDX-License-Identifier: MIT
// kd's breakpoints: `bp` on a modeled routine (a frame the kernel pushes on its shadow stack),
// on a driver routine of the scenario (its body), or on a finding kind; `bl` lists them, `bc`
// clears them. Numbers count up from 0 for the session and are never reused, as WinDbg's are.
#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "kd_session_impl.hpp"
#include "kd_words.hpp"
#include "ntemu/verify/finding.hpp"

namespace ntemu::cli::kd {
namespace {

// Every routine the model pushes a frame for on a scenario's paths (emu/ps: FrameScope, the
// entry points' guard line, the system-call gate's frames); tests/cli/kd_test.cpp checks the
// list against the frames a run pushes. Entry points no scenario statement reaches (object
// callbacks, the Windows 10 Ex registrations, NtDuplicateObject) are not offered.
constexpr std::array<std::string_view, 44> kModeledRoutines = {
    "nt!ExCreateHandle",
    "nt!ExDestroyHandle",
    "nt!KiFastCallEntry",
    "nt!KiServiceInternal",
    "nt!KiSystemCall64",
    "nt!KiSystemService",
    "nt!MmLoadSystemImage",
    "nt!MmMapViewOfSection",
    "nt!NtClose",
    "nt!NtCreateProcess",
    "nt!NtCreateThread",
    "nt!NtCreateUserProcess",
    "nt!NtOpenProcess",
    "nt!NtOpenThread",
    "nt!NtTerminateProcess",
    "nt!NtTerminateThread",
    "nt!ObKillProcess",
    "nt!ObOpenObjectByPointer",
    "nt!ObRegisterCallbacks",
    "nt!ObUnRegisterCallbacks",
    "nt!PsCallImageNotifyRoutines",
    "nt!PsCreateSystemThread",
    "nt!PsLookupProcessByProcessId",
    "nt!PsLookupProcessThreadByCid",
    "nt!PsLookupThreadByThreadId",
    "nt!PsRemoveCreateThreadNotifyRoutine",
    "nt!PsRemoveLoadImageNotifyRoutine",
    "nt!PsSetCreateProcessNotifyRoutine",
    "nt!PsSetCreateProcessNotifyRoutineEx",
    "nt!PsSetCreateThreadNotifyRoutine",
    "nt!PsSetLoadImageNotifyRoutine",
    "nt!PspCreateProcess",
    "nt!PspCreateThread",
    "nt!PspExitProcess",
    "nt!PspExitThread",
    "nt!PspInsertThread",
    "nt!PspProcessDelete",
    "nt!PspThreadDelete",
    "nt!ZwCreateThread",
    "nt!ZwCreateUserProcess",
    "nt!ZwOpenProcess",
    "nt!ZwOpenThread",
    "ntdll!KiFastSystemCallRet",
    "ntdll!ZwCreateThread",
};

constexpr std::array<std::string_view, 6> kDriverFunctions = {
    "ProcessNotifyRoutine",   "ProcessNotifyRoutineEx", "ThreadNotifyRoutine",
    "LoadImageNotifyRoutine", "PreOperationCallback",   "PostOperationCallback"};

bool case_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace

std::span<const std::string_view> modeled_routines() {
  return kModeledRoutines;
}

bool Session::is_driver(std::string_view module) const {
  return std::find(script_->routines.begin(), script_->routines.end(), module) !=
         script_->routines.end();
}

const Breakpoint* Session::routine_breakpoint(std::string_view symbol) const {
  for (const Breakpoint& b : breakpoints_) {
    if (!b.finding && b.symbol == symbol) return &b;
  }
  return nullptr;
}

void Session::cmd_bp(std::string_view args) {
  Words words(args);
  const std::string_view first = words.next();
  if (first.empty() || words.size() > 2 || (first != "finding" && words.size() > 1)) {
    return error("usage: bp MODULE!ROUTINE | bp finding KIND");
  }
  Breakpoint b;
  if (first == "finding") {
    const std::string_view kind = words.next();
    if (kind.empty()) return error("usage: bp finding KIND (dangling-cid, use-after-free...)");
    if (!verify::parse_finding_kind(kind)) {
      return error(fmt::format("unknown finding kind '{}'", kind));
    }
    b.finding = true;
    b.symbol = std::string(kind);
  } else {
    const std::size_t bang = first.find('!');
    if (bang == std::string_view::npos || bang == 0 || bang + 1 == first.size()) {
      return error(
          fmt::format("'{}' is not MODULE!ROUTINE (nt!PspCreateThread, "
                      "edr!ProcessNotifyRoutine)",
                      first));
    }
    const std::string_view module = first.substr(0, bang);
    const std::string_view function = first.substr(bang + 1);
    // Module names are case-insensitive in the debugger: nt, NT and Nt are one module.
    const auto modeled = std::find_if(kModeledRoutines.begin(), kModeledRoutines.end(),
                                      [&](std::string_view r) { return case_equal(r, first); });
    if (modeled != kModeledRoutines.end()) {
      b.symbol = std::string(*modeled);
    } else if (is_driver(module) && std::find(kDriverFunctions.begin(), kDriverFunctions.end(),
                                              function) != kDriverFunctions.end()) {
      b.symbol = std::string(first);
    } else if (case_equal(module, "nt") || case_equal(module, "ntdll")) {
      return error(fmt::format("Couldn't resolve '{}': not a modeled routine", first));
    } else if (is_driver(module)) {
      return error(
          fmt::format("Couldn't resolve '{}': a driver routine is {}!{}, {}!{}, "
                      "{}!{} or {}!{}",
                      first, module, kDriverFunctions[0], module, kDriverFunctions[1], module,
                      kDriverFunctions[2], module, kDriverFunctions[3]));
    } else {
      return error(
          fmt::format("Couldn't resolve '{}': no module '{}' (the scenario's "
                      "routines and nt are)",
                      first, module));
    }
  }
  for (const Breakpoint& old : breakpoints_) {
    if (old.finding == b.finding && old.symbol == b.symbol) {
      return say(fmt::format("breakpoint {} is already set on {}", old.number, old.symbol));
    }
  }
  b.number = next_breakpoint_++;
  say(fmt::format("Breakpoint {} set: {}{}", b.number, b.finding ? "finding " : "", b.symbol));
  breakpoints_.push_back(std::move(b));
}

void Session::cmd_bl() {
  if (breakpoints_.empty()) return say("no breakpoints");
  for (const Breakpoint& b : breakpoints_) {
    say(fmt::format("{:>2} e {}{}", b.number, b.finding ? "finding " : "", b.symbol));
  }
}

void Session::cmd_bc(std::string_view args) {
  Words words(args);
  if (words.size() == 0) return error("usage: bc N... | bc *");
  if (words.size() == 1 && words.peek() == "*") {
    breakpoints_.clear();
    return say("every breakpoint cleared");
  }
  std::vector<int> numbers;
  while (!words.done()) {
    const std::string_view w = words.next();
    int n = 0;
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
    if (ec != std::errc{} || end != w.data() + w.size()) {
      return error(fmt::format("'{}' is not a breakpoint number", w));
    }
    if (std::none_of(breakpoints_.begin(), breakpoints_.end(),
                     [&](const Breakpoint& b) { return b.number == n; })) {
      return error(fmt::format("no breakpoint {} (bl lists them)", n));
    }
    numbers.push_back(n);
  }
  for (int n : numbers) {
    std::erase_if(breakpoints_, [&](const Breakpoint& b) { return b.number == n; });
    say(fmt::format("Breakpoint {} cleared", n));
  }
}

}  // namespace ntemu::cli::kd
