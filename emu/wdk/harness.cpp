// SPDX-License-Identifier: MIT
// The driver-test harness (ntemu/harness.hpp).
#include "ntemu/harness.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "convert.hpp"
#include "dbgprint.hpp"
#include "io.hpp"
#include "leftovers.hpp"
#include "pool.hpp"
#include "references.hpp"
#include "section.hpp"
#include "state.hpp"
#include "trampolines.hpp"

namespace ntemu {

// --- State ------------------------------------------------------------------------------------

namespace {
std::atomic<std::uint64_t> g_next_serial{1};
}  // namespace

Harness::State::State(Profile profile, TraceSink* forward)
    : tee(recording, forward), kernel(profile, &tee), serial(g_next_serial.fetch_add(1)) {}

bool Harness::State::pool_may_allocate() {
  std::lock_guard hold(m);
  if (pool_successes_before_failure > 0) {
    --pool_successes_before_failure;
    return true;
  }
  if (pool_failures > 0) {
    --pool_failures;
    return false;
  }
  return true;
}

namespace {

UNICODE_STRING view_of(std::wstring& text) {
  UNICODE_STRING s{};
  s.Buffer = text.data();
  s.Length = static_cast<USHORT>(text.size() * sizeof(WCHAR));
  s.MaximumLength = static_cast<USHORT>(s.Length + sizeof(WCHAR));
  return s;
}

}  // namespace

// --- Harness --------------------------------------------------------------------------------

Harness::Harness(Profile profile, TraceSink* forward)
    : state_(std::make_unique<State>(profile, forward)) {
  wdk::register_state(&state_->kernel, state_.get());
}

Harness::~Harness() {
  if (Kernel::current() == &state_->kernel) {
    // A scope of this kernel outlives the harness on this thread: Kernel::current() would
    // dangle, and every later WDK call on the thread would use freed memory.
    std::fprintf(stderr,
                 "ntemu: a Harness is being destroyed while one of its enter() scopes (or a "
                 "Kernel::ContextScope on its kernel) is still active on this thread; end the "
                 "scope before the harness. Aborting.\n");
    std::abort();
  }
  if (state_->loaded) {
    try {  // a finding event for the forward sink; nothing may escape a destructor
      wdk::report_reference_leaks(*state_, "the end of the harness");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ntemu: reporting reference leaks failed: %s\n", e.what());
    }
  }
  wdk::unregister_state(&state_->kernel);
  wdk::forget_requests(*state_);
  wdk::release_pool(*state_);
}

Kernel& Harness::kernel() {
  return state_->kernel;
}

const Profile& Harness::profile() const {
  return state_->kernel.profile();
}

NTSTATUS Harness::load(PDRIVER_INITIALIZE entry, std::string name) {
  return load(entry, std::move(name), LoadOptions{});
}

NTSTATUS Harness::load(PDRIVER_INITIALIZE entry, std::string name, LoadOptions options) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  if (s.loaded || entry == nullptr) return ::STATUS_INVALID_DEVICE_STATE;
  s.load_options = options;
  s.driver_name = std::move(name);
  s.driver = DRIVER_OBJECT{};
  s.driver.Type = 4;  // IO_TYPE_DRIVER
  s.driver.Size = static_cast<SHORT>(sizeof(DRIVER_OBJECT));
  s.driver_name_text = L"\\Driver\\" + wdk::widen(s.driver_name);
  s.registry_text =
      L"\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\" + wdk::widen(s.driver_name);
  s.hardware_text = L"\\REGISTRY\\MACHINE\\HARDWARE\\DESCRIPTION\\SYSTEM";
  s.driver.DriverName = view_of(s.driver_name_text);
  s.registry_path = view_of(s.registry_text);
  s.hardware_database = view_of(s.hardware_text);
  s.driver.HardwareDatabase = &s.hardware_database;
  s.driver.DriverInit = entry;
  s.driver_extension = DRIVER_EXTENSION{};
  s.driver_extension.DriverObject = &s.driver;
  s.driver_extension.ServiceKeyName = s.registry_path;
  s.driver.DriverExtension = &s.driver_extension;
  for (auto& routine : s.driver.MajorFunction)
    routine = &IoInvalidDeviceRequest;  // what the I/O manager puts in every entry
  s.code_unloaded.store(false, std::memory_order_release);
  {
    std::lock_guard hold(s.m);
    s.opaque.emplace(wdk::address_of(&s.driver), "driver object");
  }
  for (const auto& [trampoline, function] : s.default_module_names) {
    s.kernel.name_routine(trampoline, s.driver_name, function);
  }

  NTSTATUS status = ::STATUS_SUCCESS;
  {
    auto scope = enter();
    status = entry(&s.driver, &s.registry_path);
  }
  s.emit(Event{"driver", {}}
             .add("op", "load")
             .add("name", s.driver_name)
             .add("status", Status{static_cast<std::uint32_t>(status)}.hex()));
  if (::NT_SUCCESS(status)) {
    s.loaded = true;
    // The I/O manager ends the initialization of the devices DriverEntry created.
    for (PDEVICE_OBJECT d = s.driver.DeviceObject; d != nullptr; d = d->NextDevice)
      d->Flags &= ~static_cast<ULONG>(DO_DEVICE_INITIALIZING);
  } else {
    s.code_unloaded.store(true, std::memory_order_release);
    wdk::report_leftovers(s, "its DriverEntry failed", /*pool=*/false);
    wdk::report_reference_leaks(s, "the time its DriverEntry failed");
  }
  return status;
}

NTSTATUS Harness::unload() {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  if (!s.loaded) return ::STATUS_INVALID_DEVICE_STATE;
  if (s.driver.DriverUnload == nullptr) return ::STATUS_NOT_SUPPORTED;
  {
    auto scope = enter();
    s.driver.DriverUnload(&s.driver);
  }
  s.loaded = false;
  s.code_unloaded.store(true, std::memory_order_release);
  s.emit(Event{"driver", {}}.add("op", "unload").add("name", s.driver_name));
  wdk::report_leftovers(s, "DriverUnload returned", /*pool=*/true);
  wdk::report_sections_left(s, "DriverUnload returned");
  wdk::report_reference_leaks(s, "the time DriverUnload returned");
  return ::STATUS_SUCCESS;
}

bool Harness::loaded() const {
  return state_->loaded;
}

DRIVER_OBJECT& Harness::driver_object() {
  return state_->driver;
}

namespace {
void name_trampoline(Harness::State& s, const void* trampoline, const std::string& function,
                     const std::string& module) {
  if (trampoline == nullptr) return;
  if (module.empty()) s.default_module_names.emplace_back(trampoline, function);
  s.kernel.name_routine(trampoline, module.empty() ? s.driver_name : module, function);
}
}  // namespace

void Harness::name_routine(::PCREATE_PROCESS_NOTIFY_ROUTINE routine, std::string function,
                           std::string module) {
  // One C type serves both kinds: name the routine as either.
  name_trampoline(*state_, reinterpret_cast<const void*>(wdk::process_trampoline(routine)),
                  function, module);
  name_trampoline(*state_, reinterpret_cast<const void*>(wdk::thread_trampoline(routine)), function,
                  module);
}

void Harness::name_routine(::PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine, std::string function,
                           std::string module) {
  name_trampoline(*state_, reinterpret_cast<const void*>(wdk::process_ex_trampoline(routine)),
                  function, module);
}

void Harness::name_routine(::PLOAD_IMAGE_NOTIFY_ROUTINE routine, std::string function,
                           std::string module) {
  name_trampoline(*state_, reinterpret_cast<const void*>(wdk::image_trampoline(routine)), function,
                  module);
}

Kernel::ContextScope Harness::enter() {
  wdk::publish_variables(state_->kernel);
  return Kernel::ContextScope(state_->kernel, state_->kernel.first_system_thread());
}

Kernel::ContextScope Harness::enter(ps::Thread& thread) {
  wdk::publish_variables(state_->kernel);
  return Kernel::ContextScope(state_->kernel, thread);
}

Kernel::ProcessCreated Harness::create_process(std::string image_name, ps::Process* parent,
                                               Kernel::ProcessImage image) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  ps::Process& owner = s.kernel.current_process();
  Kernel::ProcessCreated created =
      s.kernel.NtCreateProcess(std::move(image_name), parent, std::move(image));
  if (created.status.ok()) s.handles.push_back({created.process, &owner, created.handle, true});
  return created;
}

Kernel::ThreadCreated Harness::create_thread(ps::Process& process, std::string name) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  ps::Process& owner = s.kernel.current_process();
  Kernel::ThreadCreated created =
      s.kernel.NtCreateThread(process, CreateSuspended::No, std::move(name));
  if (created.status.ok()) s.handles.push_back({created.thread, &owner, created.handle, true});
  return created;
}

Harness::Started Harness::start_process(std::string image_name, ps::Process* parent,
                                        Kernel::ProcessImage image) {
  Started started;
  Kernel::ProcessCreated p = create_process(std::move(image_name), parent, std::move(image));
  started.status = p.status;
  if (!p.status.ok()) return started;
  started.process = p.process;
  Kernel::ThreadCreated t = create_thread(*p.process);
  started.status = t.status;
  started.thread = t.thread;
  return started;
}

ps::ImageMapped Harness::load_image(ps::Process& process, std::string image, std::uint64_t size) {
  wdk::publish_variables(state_->kernel);
  return state_->kernel.MmMapImage(process, ps::default_image_path(image), size);
}

ps::ImageMapped Harness::load_system_image(std::string image, std::uint64_t size) {
  wdk::publish_variables(state_->kernel);
  return state_->kernel.MmLoadSystemImage(ps::default_driver_path(image), size);
}

Status Harness::terminate_thread(ps::Thread& thread) {
  wdk::publish_variables(state_->kernel);
  return state_->kernel.NtTerminateThread(thread);
}

Status Harness::terminate_process(ps::Process& process) {
  wdk::publish_variables(state_->kernel);
  return state_->kernel.NtTerminateProcess(process);
}

Status Harness::close(ob::Object& object) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  for (auto it = s.handles.rbegin(); it != s.handles.rend(); ++it) {
    if (it->object != &object || !it->open) continue;
    it->open = false;
    return s.kernel.NtClose(*it->owner, it->handle);
  }
  return STATUS_INVALID_HANDLE;
}

Status Harness::exit_process(ps::Process& process) {
  wdk::publish_variables(state_->kernel);
  State& s = *state_;
  Status first = s.kernel.NtTerminateProcess(process);
  if (first == STATUS_PROCESS_IS_TERMINATING) first = STATUS_SUCCESS;
  auto close_held = [&](bool threads) {
    // By index: a routine called from NtClose may make the harness record more handles.
    for (std::size_t i = 0; i < s.handles.size(); ++i) {
      Harness::State::Held held = s.handles[i];
      if (!held.open) continue;
      const bool is_thread = held.object->type() == ob::ObjectType::Thread;
      if (is_thread != threads) continue;
      const bool ours = is_thread
                            ? static_cast<ps::Thread*>(held.object)->ThreadsProcess == &process
                            : held.object == &process;
      if (!ours) continue;
      s.handles[i].open = false;
      const Status st = s.kernel.NtClose(*held.owner, held.handle);
      if (first.ok() && !st.ok()) first = st;
    }
  };
  close_held(/*threads=*/true);
  close_held(/*threads=*/false);
  return first;
}

void Harness::poke_pid(ps::Process& process, ProcessId value) {
  state_->kernel.poke_unique_process_id(process, value);
}

void Harness::set_step(std::string label) {
  state_->kernel.set_step(std::move(label));
}

std::vector<Kernel::Finding> Harness::audit() {
  return state_->kernel.audit();  // the kernel's findings, then the ones the harness reported
}

std::vector<Event> Harness::events() const {
  return state_->recording.events();
}

std::vector<Event> Harness::events(std::string_view name) const {
  return state_->recording.events(name);
}

std::vector<std::string> Harness::debug_output() const {
  std::lock_guard hold(state_->m);
  return state_->debug_output;
}

std::size_t Harness::pool_outstanding() const {
  std::lock_guard hold(state_->m);
  return state_->pool.size();
}

void Harness::fail_pool_allocations(std::size_t successes, std::size_t failures) {
  std::lock_guard hold(state_->m);
  state_->pool_successes_before_failure = successes;
  state_->pool_failures = failures;
}

void Harness::filter_debug_print(ULONG component_id, ULONG mask) {
  std::lock_guard hold(state_->m);
  state_->debug_filter.on = true;
  state_->debug_filter.component_masks[component_id] = mask;
}

void Harness::filter_debug_print_default(ULONG win2000_mask) {
  std::lock_guard hold(state_->m);
  state_->debug_filter.on = true;
  state_->debug_filter.win2000_mask = win2000_mask;
}

std::uint64_t Harness::advance_clock(std::uint64_t hundred_ns) {
  return state_->kernel.clock().advance(hundred_ns);
}

void Harness::allow_blocking_waits(bool allow) {
  state_->blocking_waits.store(allow, std::memory_order_release);
}

}  // namespace ntemu
