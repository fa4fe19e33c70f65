// SPDX-License-Identifier: MIT
// The driver's image: unexported imports and link options (image.hpp).
#include "image.hpp"

#include <string>

#include <fmt/format.h>

#include "state.hpp"

namespace ntemu::wdk {

void import_not_exported(Kernel& k, const char* function) {
  Harness::State* s = state_of(&k);
  if (s != nullptr) {
    std::lock_guard hold(s->m);
    if (!s->unexported_imports.emplace(function).second) return;
  }
  k.verifier().report(
      {verify::FindingKind::ImportNotExported,
       fmt::format("the driver imports {}, which {} does not export: the image would not load "
                   "on this version (the call returned STATUS_NOT_IMPLEMENTED); look it up with "
                   "MmGetSystemRoutineAddress instead",
                   function, to_string(k.profile().version)),
       0, 0, k.verifier().current_step()});
}

bool linked_with_integrity_check(Kernel& k) {
  const Harness::State* s = state_of(&k);
  return s == nullptr || s->load_options.integrity_check;
}

}  // namespace ntemu::wdk
