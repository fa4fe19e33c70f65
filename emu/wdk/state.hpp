// SPDX-License-Identifier: MIT
// The harness's state, shared between the harness (harness.cpp) and the WDK functions, and the
// registry (registry.cpp) that finds it from the kernel current on a host thread: a WDK call
// made inside a notify routine, DriverEntry or an enter() scope reaches the harness that drives
// that kernel through `current()`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ntemu/harness.hpp"
#include "ntemu/kernel.hpp"
#include "ntemu/trace.hpp"
#include "ntemu/wdk.h"

namespace ntemu {

namespace wdk {

/// Forwards every event to the harness's recording and to an optional second sink.
class TeeSink : public TraceSink {
 public:
  TeeSink(TraceSink& first, TraceSink* second) : first_(first), second_(second) {}
  void emit(const Event& e) override {
    first_.emit(e);
    if (second_ != nullptr) second_->emit(e);
  }

 private:
  TraceSink& first_;
  TraceSink* second_;
};

}  // namespace wdk

struct Harness::State {
  State(Profile profile, TraceSink* forward);

  RecordingSink recording;
  wdk::TeeSink tee;
  Kernel kernel;  // after the sinks: destroyed before them

  struct PoolBlock {
    void* memory = nullptr;
    std::size_t size = 0;
    ULONG tag = 0;
    std::string step;
  };
  struct Held {  // a handle the harness got from a create call
    ob::Object* object;
    ps::Process* owner;
    Handle handle;
    bool open;
  };

  /// This harness's number among all harnesses of the host process (never reused): what the
  /// per-thread IRQL is keyed by.
  const std::uint64_t serial;
  /// Harness::allow_blocking_waits: other host threads may signal what a wait waits for.
  std::atomic<bool> blocking_waits{false};

  mutable std::mutex m;
  std::vector<std::string> debug_output;          // guarded by m
  std::map<std::uint64_t, PoolBlock> pool;        // by allocation sequence; guarded by m
  std::uint64_t next_pool_sequence = 1;           // guarded by m
  std::size_t pool_successes_before_failure = 0;  // guarded by m
  std::size_t pool_failures = 0;                  // guarded by m

  // Touched by the test's thread only (load / unload / events), except code_unloaded.
  DRIVER_OBJECT driver{};
  std::string driver_name = "driver";
  std::wstring driver_name_text, registry_text, hardware_text;
  UNICODE_STRING registry_path{};
  UNICODE_STRING hardware_database{};
  bool loaded = false;
  /// The driver's code is "unmapped": its routines must not run (after unload or failed load).
  std::atomic<bool> code_unloaded{false};
  std::vector<Held> handles;
  /// Routines named without a module: renamed with the driver's name at each load.
  std::vector<std::pair<const void*, std::string>> default_module_names;

  /// What the driver initialized and must delete before unload (ERESOURCE, lookaside lists),
  /// by address, with the step that initialized it. Guarded by m.
  struct Initialized {
    const char* kind;
    std::string step;
  };
  std::map<const void*, Initialized> initialized;

  /// The references the driver holds (references.cpp), in the order taken: the object's model
  /// (or, for an opaque object, host) address, what it was when referenced, the function that
  /// took the reference and the step. Guarded by m.
  struct Reference {
    std::uint64_t address;
    std::string what;
    const char* function;
    std::string step;
  };
  std::vector<Reference> references;
  /// Opaque objects (events, devices, the driver object) by address, with their kind. Guarded
  /// by m.
  std::map<std::uint64_t, const char*> opaque;
  /// Sections (section.cpp), kept as long as the harness (a stale view stays readable), and
  /// their open handles by value. Guarded by m.
  struct Section;
  std::vector<std::unique_ptr<Section>> sections;
  std::map<std::uint64_t, Section*> section_handles;
  std::uint64_t next_section_handle = 0;
  /// Imports already reported as not exported by the profile (once each). Guarded by m.
  std::set<std::string> unexported_imports;
  /// How the loaded driver's image was linked (Harness::load's options).
  LoadOptions load_options;
  /// DbgPrintEx's component filter (Harness::filter_debug_print): off keeps every line; on, a
  /// line is kept when its level's bit is in its component's mask or in the WIN2000 mask.
  struct DebugFilter {
    bool on = false;
    ULONG win2000_mask = 1;  // DPFLTR_ERROR_LEVEL: errors are shown by default
    std::map<ULONG, ULONG> component_masks;
  };
  DebugFilter debug_filter;  // guarded by m

  /// The I/O manager's objects (device.cpp, irp.cpp, mdl.cpp): devices, links, open files and
  /// outstanding IRPs. Guarded by m; the records live as long as the harness (a deleted device's
  /// memory stays readable, so a stale pointer is a finding, not a host crash).
  struct Device;
  struct File;
  struct Request;
  std::vector<std::unique_ptr<Device>> devices;
  std::map<std::wstring, std::wstring> links;  // upper-cased \??\ name -> device name as given
  std::vector<std::unique_ptr<File>> files;
  std::map<const IRP*, Request*> requests;         // outstanding (dispatched, not completed) IRPs
  std::vector<std::unique_ptr<Request>> finished;  // kept until the harness goes
  std::uint64_t next_file_handle = 4;
  std::uint64_t next_request = 1;
  ps::Thread* client_thread = nullptr;  // the default client's first thread, once started
  DRIVER_EXTENSION driver_extension{};

  /// Reports a finding through the kernel's verifier (emitted as a `finding` event).
  void report(verify::Finding f) { kernel.verifier().report(std::move(f)); }
  /// Emits `e` to the harness's sinks (not through the kernel, whose sink is the same tee).
  void emit(const Event& e) { tee.emit(e); }
  std::string current_step() { return kernel.verifier().current_step(); }
  /// May the pool allocate now? Consumes one injected success or failure.
  bool pool_may_allocate();
};

namespace wdk {

/// The registry of harness-driven kernels (lookup only, never iterated for output).
void register_state(const Kernel* kernel, Harness::State* state);
void unregister_state(const Kernel* kernel);
/// The harness state of `kernel`, or nullptr for a kernel not driven by a harness.
Harness::State* state_of(const Kernel* kernel);

/// Sets the WDK's exported variables that name one kernel's objects (PsInitialSystemProcess)
/// for `kernel`: every harness call that runs driver code calls it first (ob.cpp).
void publish_variables(Kernel& kernel);

/// The kernel current on the calling host thread and the harness driving it; either may be
/// null (no current kernel; a kernel not driven by a harness).
struct Current {
  Kernel* kernel;
  Harness::State* state;
};
Current current();

}  // namespace wdk

}  // namespace ntemu
