// SPDX-License-Identifier: MIT
// The references a driver holds on kernel objects (references.cpp): every lookup and
// ObReferenceObject* that succeeded, with the function and the step that took it, dropped by
// the driver's ObDereferenceObject; what is still held when the driver unloads, or when the
// harness ends with it loaded, is a `reference-leak` finding naming the step of the reference.
// The unmodelled objects a driver may reference (its events, devices, files) are opaque
// objects: counted, never "bad object pointer".
#pragma once

#include <cstdint>

#include "ntemu/ob/object.hpp"
#include "state.hpp"

namespace ntemu::wdk {

/// Records a reference the driver took on `object` with `function`.
void note_reference(Current c, const ob::Object& object, const char* function);
/// Drops the driver's latest reference on `object` (none recorded: nothing to drop).
void note_dereference(Current c, const ob::Object& object);
/// Reports each reference still held as `reference-leak`, then forgets them.
void report_reference_leaks(Harness::State& s, const char* when);

/// Makes `pointer` an opaque object of `kind` ("event", "device", ...): a driver may reference
/// and dereference it; ntemu models nothing else of it. Registering it again changes nothing.
void register_opaque(Current c, const void* pointer, const char* kind);
/// Forgets the opaque object at `pointer` (its memory is going away: IoDeleteDevice, ...).
void forget_opaque(Current c, const void* pointer);
/// ObReferenceObject / ObDereferenceObject on an opaque object: true if `pointer` names one,
/// and the reference is recorded (`delta` +1) or dropped (-1) as for a modelled object.
bool count_opaque(Current c, const void* pointer, int delta, const char* function);

}  // namespace ntemu::wdk
