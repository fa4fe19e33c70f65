// SPDX-License-Identifier: MIT
// The driver's references on kernel objects and its opaque objects (references.hpp). A
// reference is recorded with a description of its object taken when it was made, so the
// finding at unload names the object even if it has changed since; references are kept in
// the order they were taken, and reported in that order.
#include "references.hpp"

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "convert.hpp"
#include "ntemu/ps/process.hpp"
#include "ntemu/ps/thread.hpp"

namespace ntemu::wdk {
namespace {

std::string describe(const ob::Object& o) {
  if (o.type() == ob::ObjectType::Process) {
    const auto& p = static_cast<const ps::Process&>(o);
    return fmt::format("process {} (PID {}, object {:#x})", p.ImageFileName, p.pid().value(),
                       o.address());
  }
  const auto& t = static_cast<const ps::Thread&>(o);
  return fmt::format("thread {} of PID {} (object {:#x})", t.tid().value(),
                     t.Cid().UniqueProcess.value(), o.address());
}

void add(Harness::State& s, std::uint64_t address, std::string what, const char* function) {
  std::string step = s.current_step();
  std::lock_guard hold(s.m);
  s.references.push_back({address, std::move(what), function, std::move(step)});
}

void drop(Harness::State& s, std::uint64_t address) {
  std::lock_guard hold(s.m);
  for (auto it = s.references.rbegin(); it != s.references.rend(); ++it) {
    if (it->address != address) continue;
    s.references.erase(std::next(it).base());
    return;
  }
}

}  // namespace

void note_reference(Current c, const ob::Object& object, const char* function) {
  if (c.state != nullptr) add(*c.state, object.address(), describe(object), function);
}

void note_dereference(Current c, const ob::Object& object) {
  if (c.state != nullptr) drop(*c.state, object.address());
}

void report_reference_leaks(Harness::State& s, const char* when) {
  std::vector<Harness::State::Reference> held;
  {
    std::lock_guard hold(s.m);
    held.swap(s.references);
  }
  for (const auto& r : held) {
    s.report({verify::FindingKind::ReferenceLeak,
              fmt::format("a reference on {} taken by {}{} was never dereferenced by {} (the "
                          "object can never be deleted)",
                          r.what, r.function,
                          r.step.empty() ? std::string{} : fmt::format(" at \"{}\"", r.step), when),
              0, r.address, s.current_step()});
  }
}

void register_opaque(Current c, const void* pointer, const char* kind) {
  if (c.state == nullptr || pointer == nullptr) return;
  std::lock_guard hold(c.state->m);
  c.state->opaque.emplace(address_of(pointer), kind);
}

void forget_opaque(Current c, const void* pointer) {
  if (c.state == nullptr || pointer == nullptr) return;
  std::lock_guard hold(c.state->m);
  c.state->opaque.erase(address_of(pointer));
}

bool count_opaque(Current c, const void* pointer, int delta, const char* function) {
  if (c.state == nullptr || pointer == nullptr) return false;
  const std::uint64_t address = address_of(pointer);
  std::string what;
  {
    std::lock_guard hold(c.state->m);
    const auto it = c.state->opaque.find(address);
    if (it == c.state->opaque.end()) return false;
    what = fmt::format("the {} at {:#x} (an object ntemu does not model)", it->second, address);
  }
  if (delta > 0) {
    add(*c.state, address, std::move(what), function);
  } else {
    drop(*c.state, address);
  }
  return true;
}

}  // namespace ntemu::wdk
