// SPDX-License-Identifier: MIT
/// \file
/// `Harness`: drives an ntemu kernel around a driver written against `ntemu/wdk.h` — boot a
/// profile, load the driver (its DriverEntry), create and end processes and threads, unload it,
/// and read the trace, the driver's DbgPrint output and the verifier's findings. Part of the
/// `ntemu::wdk` library (docs/driver-testing.md).
///
/// \code
///   ntemu::Harness h(ntemu::Profile::win2000());
///   REQUIRE(NT_SUCCESS(h.load(&TrackerDriverEntry, "tracker")));
///   auto started = h.start_process("notepad.exe");       // create + first thread: notifies
///   h.exit_process(*started.process);                    // terminate, close: exit notifies
///   REQUIRE(NT_SUCCESS(h.unload()));                     // DriverUnload must remove routines
///   CHECK(h.audit().empty());
/// \endcode
///
/// One harness drives one kernel and at most one loaded driver at a time. Kernel entry points
/// make the kernel current on the calling host thread themselves, so notify routines reach it
/// through the WDK functions; DriverEntry and DriverUnload run in the System process's first
/// thread; for WDK calls made directly from test code, hold `enter()`.
///
/// Beyond `Kernel::audit()`, the harness reports what only the driver's side shows, as
/// `Kernel::Finding`s (also emitted as `finding` events when raised):
/// `routine-after-unload` (a notify routine still registered once DriverUnload returned, or once
/// a failed DriverEntry returned: the real kernel would later call unmapped code),
/// `call-into-unloaded-driver` (such a routine was invoked; the harness skips the call),
/// `pool-leak` (a pool block still allocated at unload), `bad-pool-free`, `pool-tag-mismatch`,
/// `irql-not-restored` (a routine returned at another IRQL than it was called at, e.g. holding a
/// spin lock), `irql-too-high` (a call made above the IRQL its documentation allows),
/// `use-after-free` / `bad-object-pointer` (an object pointer naming a deleted object or none),
/// and `bugcheck` (a WDK call crashed the machine; the kernel keeps the BugCheck); for locks,
/// waits, resources and the I/O manager: `lock-not-held`, `null-argument`, `resource-leak`,
/// `wait-deadlock`, `irp-not-completed`, `irp-completion-error`, `device-leak`, `debug-break`,
/// `reference-leak` (a reference the driver took — a lookup, ObReferenceObject* — and never
/// dropped, at unload or when the harness ends with the driver loaded, naming the step of the
/// reference) and `import-not-exported` (the driver called a routine the profile's version
/// does not export: it would not load there) (docs/driver-testing.md lists what raises each).
///
/// Exceptions: the calls that run kernel entry points — create_process, create_thread,
/// start_process, terminate_thread, terminate_process, close, exit_process — may throw
/// `ntemu::BugCheck` when the modeled machine crashes (e.g. 0x17 CID_HANDLE_DELETION from an
/// object deletion, 0x1E from a routine that threw, 0x7F UNEXPECTED_KERNEL_MODE_TRAP when
/// notify routines re-enter the kernel without bound and its stack would overflow); the kernel
/// then stays inspectable (kernel().bugcheck()). WDK calls made by
/// the driver never throw into its C frames (a crash inside one is a `bugcheck` finding), so
/// load, unload and the device calls (open_device, device_io_control, read, write, close of a
/// DeviceHandle) do not throw BugCheck. Any call may throw std::bad_alloc.
///
/// Lifetime: every `enter()` scope (and every Kernel::ContextScope on this harness's kernel)
/// must end before the harness does. The destructor checks the destroying thread: a scope of
/// this kernel still current there would leave Kernel::current() dangling, so it prints what
/// happened and aborts the program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ntemu/kernel.hpp"
#include "ntemu/profile.hpp"
#include "ntemu/trace.hpp"
#include "ntemu/wdk.h"

namespace ntemu {

class Harness {
 public:
  /// Boots `profile`. Every event goes to the harness's own recording and, if given, to
  /// `forward` (which must outlive the harness and accept calls from several host threads).
  explicit Harness(Profile profile, TraceSink* forward = nullptr);
  /// Frees the pool blocks the driver still holds (after reporting them at unload, if it was
  /// unloaded) and shuts the kernel down. A still-loaded driver is not unloaded; the
  /// references it still holds are reported (`reference-leak`, seen by the `forward` sink).
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  Kernel& kernel();
  const Profile& profile() const;

  // --- the driver -------------------------------------------------------------------------------
  /// Calls `entry` as the I/O manager calls DriverEntry: on the System process's first thread,
  /// with a zeroed DRIVER_OBJECT named `\Driver\<name>` and the RegistryPath
  /// `\REGISTRY\MACHINE\SYSTEM\CurrentControlSet\Services\<name>`. Returns its status. On
  /// failure the driver is not loaded (DriverUnload is never called), and any routine it left
  /// registered is a `routine-after-unload` finding. STATUS_INVALID_DEVICE_STATE (nothing
  /// called) if a driver is already loaded or `entry` is null.
  NTSTATUS load(PDRIVER_INITIALIZE entry, std::string name = "driver");
  /// How the driver's image was linked, as the kernel's checks of it see it.
  struct LoadOptions {
    /// Linked with /INTEGRITYCHECK (IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY): without it,
    /// PsSetCreateProcessNotifyRoutineEx refuses to register with STATUS_ACCESS_DENIED.
    bool integrity_check = true;
  };
  /// load() with the image's link options.
  NTSTATUS load(PDRIVER_INITIALIZE entry, std::string name, LoadOptions options);
  /// Calls the driver's DriverUnload on the System process's first thread, then reports each
  /// notify routine still registered (`routine-after-unload`) and each pool block still
  /// allocated (`pool-leak`). STATUS_INVALID_DEVICE_STATE if no driver is loaded;
  /// STATUS_NOT_SUPPORTED, calling nothing and leaving it loaded, if the driver set no
  /// DriverUnload (such a driver cannot be unloaded).
  NTSTATUS unload();
  bool loaded() const;
  /// The DRIVER_OBJECT of the loaded (or last) driver.
  DRIVER_OBJECT& driver_object();

  /// Names a driver routine "<module>!<function>" in traces, stacks and findings; `module`
  /// defaults to the name given to `load` (or "driver" before any load). Call it before or after
  /// the driver registers the routine. The WDK's process and thread routine types are the same
  /// C type, so this names `routine` both as a process and as a thread routine. See also
  /// NTEMU_NAME_ROUTINE.
  void name_routine(::PCREATE_PROCESS_NOTIFY_ROUTINE routine, std::string function,
                    std::string module = {});
  /// Names an Ex process routine (Vista SP1+) the same way.
  void name_routine(::PCREATE_PROCESS_NOTIFY_ROUTINE_EX routine, std::string function,
                    std::string module = {});
  /// Names a load-image routine the same way.
  void name_routine(::PLOAD_IMAGE_NOTIFY_ROUTINE routine, std::string function,
                    std::string module = {});

  // --- context -----------------------------------------------------------------------------------
  /// Makes this kernel current on the calling host thread, in the System process's first thread,
  /// for the returned scope's lifetime: WDK calls from test code then act on this kernel.
  [[nodiscard]] Kernel::ContextScope enter();
  /// The same in `thread`'s context (PsGetCurrentProcessId then reads its Cid).
  [[nodiscard]] Kernel::ContextScope enter(ps::Thread& thread);

  // --- events ------------------------------------------------------------------------------------
  /// NtCreateProcess from the current thread (System's first thread outside any scope). The
  /// harness keeps the creator's handle for `close` / `exit_process`. `image` gives the full
  /// image path and the command line (PS_CREATE_NOTIFY_INFO, SeLocateProcessImageName, the
  /// load-image routines); empty fields default to `\Device\HarddiskVolume1\Windows\System32\`
  /// + the image name, and to the image name.
  Kernel::ProcessCreated create_process(std::string image_name, ps::Process* parent = nullptr,
                                        Kernel::ProcessImage image = {});
  /// NtCreateThread in `process` (its first thread gives the process its PID on win2000 and the
  /// process-create notify on every version). The harness keeps the handle.
  Kernel::ThreadCreated create_thread(ps::Process& process, std::string name = {});
  struct Started {
    Status status;                   ///< the first failing step's status, or success
    ps::Process* process = nullptr;  ///< null if the process could not be created
    ps::Thread* thread = nullptr;    ///< null if the first thread could not be created
  };
  /// create_process, then create_thread: a process as a user sees one start.
  Started start_process(std::string image_name, ps::Process* parent = nullptr,
                        Kernel::ProcessImage image = {});
  /// A DLL mapped into `process` (the loader's NtMapViewOfSection): the load-image routines hear
  /// of it with the process's PID, in the current thread's context (hold `enter(thread)` to load
  /// it from one of the process's threads, as LoadLibrary does). `image` without a backslash is
  /// taken from System32. STATUS_PROCESS_IS_TERMINATING for an exiting process,
  /// STATUS_INVALID_PARAMETER for a size of 0, STATUS_NO_MEMORY when the address space is full.
  ps::ImageMapped load_image(ps::Process& process, std::string image,
                             std::uint64_t size = ps::kDefaultImageSize);
  /// A driver image loaded into system space (MmLoadSystemImage, as another driver loads): the
  /// routines hear ProcessId 0 and SystemModeImage. `image` without a backslash is taken from
  /// `\SystemRoot\System32\drivers\`.
  ps::ImageMapped load_system_image(std::string image, std::uint64_t size = ps::kDefaultImageSize);
  /// NtTerminateThread (see Kernel for the statuses).
  Status terminate_thread(ps::Thread& thread);
  /// NtTerminateProcess (see Kernel for the statuses).
  Status terminate_process(ps::Process& process);
  /// NtClose of the handle the harness holds on `object` (from create_*): the object is deleted
  /// on its last reference. STATUS_INVALID_HANDLE if the harness holds none.
  Status close(ob::Object& object);
  /// The whole end of a process: NtTerminateProcess (an already terminating process is fine),
  /// then NtClose of the handles the harness holds on its threads and on it, in creation order.
  /// The objects are deleted unless something else — such as a driver that looked them up and
  /// never dereferenced them — still holds a reference. Returns the first failure.
  Status exit_process(ps::Process& process);
  /// Writes the process's UniqueProcessId (the thought experiment's poke).
  void poke_pid(ps::Process& process, ProcessId value);
  /// Labels what the test does now; findings name the step that caused them.
  void set_step(std::string label);

  // --- results -----------------------------------------------------------------------------------
  /// Kernel::audit() followed by the harness's own findings, in the order they were raised.
  std::vector<Kernel::Finding> audit();
  /// Every event so far: the kernel's (`cid`, `notify`, `finding`) and the harness's
  /// (`driver` at load / unload, `dbgprint`, `finding`).
  std::vector<Event> events() const;
  /// The events named `name`.
  std::vector<Event> events(std::string_view name) const;
  /// Every DbgPrint / DbgPrintEx / KdPrint line, in call order, as formatted.
  std::vector<std::string> debug_output() const;
  /// Pool blocks the driver holds now.
  std::size_t pool_outstanding() const;
  /// Fault injection: after `successes` more successful ExAllocatePoolWithTag calls, the next
  /// `failures` calls return NULL.
  void fail_pool_allocations(std::size_t successes, std::size_t failures = 1);
  /// Turns on DbgPrintEx's component filter, as the kernel debugger's Kd_<component>_Mask
  /// values: from then on a DbgPrintEx / vDbgPrintEx / KdPrintEx line is kept only when its
  /// level's bit (1 << Level for Level < 32, else Level itself as a mask) is in `mask` for
  /// `component_id` or in the WIN2000 mask (default 1: DPFLTR_ERROR_LEVEL lines are shown).
  /// DbgPrint and KdPrint are DbgPrintEx(DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL) on Vista and
  /// later, and unconditional before. Off (the default): every line is kept.
  void filter_debug_print(ULONG component_id, ULONG mask);
  /// The WIN2000 mask of the filter (and turns it on).
  void filter_debug_print_default(ULONG win2000_mask);
  /// Moves the kernel's model clock (Kernel::clock(), ke/clock.hpp) forward by `hundred_ns`
  /// (100 ns units): KeQuerySystemTime and friends read the new time. Returns the time since
  /// boot reached. The clock moves only when told so (and by KeDelayExecutionThread).
  std::uint64_t advance_clock(std::uint64_t hundred_ns);
  /// Whether other host threads of the test may signal what a driver waits for. Off (the
  /// default): a KeWaitForSingleObject on an object that is not signalled times out at once,
  /// or for an infinite wait is a `wait-deadlock` finding. On: waits block on the host until
  /// signalled or timed out (relative timeouts in host time).
  void allow_blocking_waits(bool allow);

  // --- the driver's user-mode client
  // --------------------------------------------------------------
  /// A handle the harness's client holds on a device (0: none).
  struct DeviceHandle {
    std::uint64_t value = 0;
    friend bool operator==(DeviceHandle, DeviceHandle) = default;
  };
  struct Opened {
    NTSTATUS status = ::STATUS_INVALID_DEVICE_STATE;
    DeviceHandle handle;  ///< valid when NT_SUCCESS(status)
  };
  /// What a request returned: IoStatus.Status and Information (the bytes returned), as the
  /// client's DeviceIoControl / ReadFile / WriteFile see them. STATUS_PENDING with a nonzero
  /// `request` when the driver marked the IRP pending: its end is then `completion(request)`.
  struct IoResult {
    NTSTATUS status = ::STATUS_INVALID_HANDLE;
    std::size_t information = 0;
    std::uint64_t request = 0;
  };
  /// CreateFile on `name` — `\\.\Name` (as a client writes it), `\??\Name`,
  /// `\DosDevices\Name`, `\GLOBAL??\Name` (through the driver's symbolic link) or
  /// `\Device\Name`: IRP_MJ_CREATE in `thread`'s context (UserMode; IoGetRequestorProcessId is
  /// its process). Without a thread, the harness's own client process, "client.exe", started at
  /// the first open (the driver's process routines see it start). Statuses: the driver's, or
  /// STATUS_OBJECT_NAME_NOT_FOUND (no such link or device), STATUS_ACCESS_DENIED (an exclusive
  /// device already open), STATUS_NO_SUCH_DEVICE (a device still initializing, or the driver
  /// unloaded: `call-into-unloaded-driver`), STATUS_INVALID_DEVICE_STATE (no driver loaded).
  Opened open_device(std::string_view name,
                     ACCESS_MASK desired_access = GENERIC_READ | GENERIC_WRITE,
                     ps::Thread* thread = nullptr);
  /// DeviceIoControl: IRP_MJ_DEVICE_CONTROL with the bytes moved as the I/O manager moves them
  /// for the code's method — METHOD_BUFFERED: a SystemBuffer of max(in, out) bytes holding the
  /// input, and Information bytes of it copied to `out` at completion; METHOD_IN_DIRECT /
  /// OUT_DIRECT: the input in SystemBuffer, `out` behind an MDL (MdlAddress); METHOD_NEITHER:
  /// Type3InputBuffer and UserBuffer point at the caller's buffers. STATUS_INVALID_HANDLE for a
  /// handle not open.
  IoResult device_io_control(DeviceHandle handle, ULONG code, std::span<const std::byte> in,
                             std::span<std::byte> out);
  /// ReadFile / WriteFile: IRP_MJ_READ / IRP_MJ_WRITE at `offset`, by the device's
  /// DO_BUFFERED_IO / DO_DIRECT_IO flag (neither: UserBuffer).
  IoResult read(DeviceHandle handle, std::span<std::byte> out, std::uint64_t offset = 0);
  IoResult write(DeviceHandle handle, std::span<const std::byte> in, std::uint64_t offset = 0);
  /// CloseHandle: IRP_MJ_CLEANUP then IRP_MJ_CLOSE. STATUS_INVALID_HANDLE if not open.
  NTSTATUS close(DeviceHandle handle);
  struct Completion {
    NTSTATUS status = ::STATUS_PENDING;
    std::size_t information = 0;
    std::vector<std::byte> output;  ///< the caller's output buffer once the request ended
  };
  /// How a request that returned STATUS_PENDING ended; nullopt while it is still pending (or
  /// for an unknown request).
  std::optional<Completion> completion(std::uint64_t request) const;
  /// The device object `name` names now (a link or a \Device name), or nullptr.
  DEVICE_OBJECT* device(std::string_view name);
  /// The target of symbolic link `link` (`\??\Name` or its other spellings), if it exists.
  std::optional<std::string> symbolic_link(std::string_view link) const;

  struct State;  ///< opaque; shared with the WDK functions of emu/wdk

 private:
  std::unique_ptr<State> state_;
};

/// Names `routine` after its own identifier in the loaded driver's module:
/// `NTEMU_NAME_ROUTINE(h, TrackerProcessNotify)` → "tracker!TrackerProcessNotify".
#define NTEMU_NAME_ROUTINE(harness, routine) (harness).name_routine(&(routine), #routine)

/// The ID as the WDK passes it: a HANDLE whose value is the number.
inline HANDLE to_handle(ProcessId id) {
  return reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(id.value()));
}
inline HANDLE to_handle(ThreadId id) {
  return reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(id.value()));
}
/// The process as a driver sees it (PEPROCESS: the object's model address).
inline PEPROCESS to_peprocess(const ps::Process& process) {
  return reinterpret_cast<PEPROCESS>(static_cast<ULONG_PTR>(process.address()));
}
inline PETHREAD to_pethread(const ps::Thread& thread) {
  return reinterpret_cast<PETHREAD>(static_cast<ULONG_PTR>(thread.address()));
}

}  // namespace ntemu
