// SPDX-License-Identifier: MIT
// The checks every WDK function leans on (guard.hpp): findings reported to the current kernel's
// verifier (or, outside any kernel, to stderr), and the resolution of a driver's object pointer
// to a live model object, where a pointer naming nothing is `bad-object-pointer` and one naming
// a deleted object is `use-after-free`; the pointer is then not used, so neither is host
// undefined behaviour.
#include "guard.hpp"

#include <cstdio>
#include <string>
#include <utility>

#include "convert.hpp"

namespace ntemu::wdk {

void report(verify::Finding f) {
  if (Kernel* k = Kernel::current()) {
    k->verifier().report(std::move(f));
    return;
  }
  std::fprintf(stderr, "ntemu wdk: %s: %s\n", std::string(verify::to_string(f.kind)).c_str(),
               f.detail.c_str());
}

void report(verify::FindingKind kind, std::string detail) {
  report({kind, std::move(detail), 0, 0, context_step()});
}

bool non_null(const void* pointer, const char* function, const char* what) {
  if (pointer != nullptr) return true;
  report(verify::FindingKind::NullArgument,
         fmt::format("{} was given a NULL {} (the machine would fault); it did nothing", function,
                     what));
  return false;
}

std::string context_step() {
  Kernel* k = Kernel::current();
  return k == nullptr ? std::string{} : k->verifier().current_step();
}

ob::Object* resolve(Current c, const void* pointer, const char* function) {
  if (pointer == nullptr) return nullptr;
  ob::Object* o = c.kernel->objects().find(address_of(pointer));
  if (o == nullptr) {
    report({verify::FindingKind::BadObjectPointer,
            fmt::format("{} was given {:#x}, which names no object", function, address_of(pointer)),
            0, address_of(pointer), context_step()});
    return nullptr;
  }
  if (o->is_deleted()) {
    report({verify::FindingKind::UseAfterFree,
            fmt::format("{} was given {:#x}, a {} object that was already deleted", function,
                        o->address(), ob::to_string(o->type())),
            0, o->address(), context_step()});
    return nullptr;
  }
  return o;
}

}  // namespace ntemu::wdk
