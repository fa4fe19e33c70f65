// SPDX-License-Identifier: MIT
// The driver's image as the kernel's loader and checks see it (image.cpp): the routines it
// imports, which the profile's version must export for the image to load at all, and how it
// was linked (/INTEGRITYCHECK), which the Ex registrations check.
#pragma once

#include "ntemu/kernel.hpp"

namespace ntemu::wdk {

/// The driver called `function`, which `k`'s version does not export: on the machine the
/// image would not have loaded (an unresolved import). An `import-not-exported` finding
/// naming it, once per routine per harness.
void import_not_exported(Kernel& k, const char* function);
/// Whether the loaded image was linked with /INTEGRITYCHECK (Harness::LoadOptions; true
/// outside a harness).
bool linked_with_integrity_check(Kernel& k);

}  // namespace ntemu::wdk
