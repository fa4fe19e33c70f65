// SPDX-License-Identifier: MIT
// What a driver leaves behind when DriverUnload returns (or a DriverEntry fails), reported by
// the harness (leftovers.hpp): notify routines still registered, devices and links, pending
// IRPs, ERESOURCEs and lookaside lists still initialized, and pool blocks still allocated; and
// the records of those initialized objects (remember_initialized, forget_initialized).
#include "leftovers.hpp"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "convert.hpp"
#include "dbgprint.hpp"
#include "io.hpp"
#include "pool.hpp"
#include "trampolines.hpp"

namespace ntemu::wdk {

void remember_initialized(const void* object, const char* kind) {
  const Current c = current();
  if (c.state == nullptr) return;
  const std::string step = c.state->current_step();
  std::lock_guard hold(c.state->m);
  c.state->initialized[object] = {kind, step};
}

void forget_initialized(const void* object) {
  const Current c = current();
  if (c.state == nullptr) return;
  std::lock_guard hold(c.state->m);
  c.state->initialized.erase(object);
}

namespace {

// Reports every routine of the wdk layer still in one of the kernel's notify arrays.
template <class Array>
void report_routines_left(Harness::State& s, const Array& array, const char* kind,
                          const char* when) {
  for (std::uint32_t i = 0; i < array.size(); ++i) {
    const void* routine = reinterpret_cast<const void*>(array.slot(i));
    if (routine == nullptr || !wdk::is_trampoline(routine)) continue;  // most slots are empty
    s.report({verify::FindingKind::RoutineAfterUnload,
              fmt::format("{} is still in {} notify slot {} after {}: the real kernel would "
                          "call into unmapped driver code",
                          s.kernel.routine_symbol(routine), kind, i, when),
              i, 0, s.current_step()});
  }
}

// Devices, links, pending IRPs and initialized resources the driver left behind.
void report_objects_left(Harness::State& s, const char* when) {
  std::vector<std::string> devices;
  std::vector<std::string> links;
  std::vector<std::pair<std::string, std::string>> resources;
  std::size_t pending = 0;
  {
    std::lock_guard hold(s.m);
    for (const auto& d : s.devices) {
      if (!d->deleted)
        devices.push_back(d->name.empty() ? std::string("(unnamed)")
                                          : wdk::narrow_text(d->name.data(), d->name.size(), true));
    }
    for (const auto& [link, target] : s.links)
      links.push_back(wdk::narrow_text(link.data(), link.size(), true));
    for (const auto& [object, info] : s.initialized)
      resources.emplace_back(info.kind, info.step);
    for (const auto& r : s.finished) {
      if (!r->completed) ++pending;
    }
  }
  for (const auto& name : devices) {
    s.report({verify::FindingKind::DeviceLeak,
              fmt::format("device object {} still exists after {} (the I/O manager would not "
                          "unload the driver)",
                          name, when),
              0, 0, s.current_step()});
  }
  for (const auto& name : links) {
    s.report({verify::FindingKind::DeviceLeak,
              fmt::format("symbolic link {} still exists after {} (it would name a device of an "
                          "unloaded driver)",
                          name, when),
              0, 0, s.current_step()});
  }
  for (const auto& [kind, step] : resources) {
    s.report(
        {verify::FindingKind::ResourceLeak,
         fmt::format("an {}{} was still initialized after {}: the kernel's list of them "
                     "would point into the unloaded driver",
                     kind,
                     step.empty() ? std::string{} : fmt::format(" (initialized at \"{}\")", step),
                     when),
         0, 0, s.current_step()});
  }
  if (pending > 0) {
    s.report({verify::FindingKind::IrpNotCompleted,
              fmt::format("{} IRP(s) still pending after {}: their callers would wait forever",
                          pending, when),
              0, 0, s.current_step()});
  }
}

}  // namespace

void report_leftovers(Harness::State& s, const char* when, bool pool) {
  report_routines_left(s, s.kernel.process_notify_array(), "process", when);
  report_routines_left(s, s.kernel.thread_notify_array(), "thread", when);
  report_routines_left(s, s.kernel.image_notify_array(), "load-image", when);
  if (!pool) return;
  report_objects_left(s, when);
  std::vector<Harness::State::PoolBlock> leaked;
  {
    std::lock_guard hold(s.m);
    for (const auto& [sequence, block] : s.pool)
      leaked.push_back(block);
  }
  for (const auto& block : leaked) {
    s.report({verify::FindingKind::PoolLeak,
              fmt::format("a {}-byte pool block with tag '{}'{} was still allocated after {}",
                          block.size, wdk::tag_text(block.tag),
                          block.step.empty() ? std::string{}
                                             : fmt::format(" (allocated at \"{}\")", block.step),
                          when),
              block.tag, 0, s.current_step()});
  }
}

}  // namespace ntemu::wdk
