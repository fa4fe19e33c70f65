// SPDX-License-Identifier: MIT
/// \file
/// `Verifier`: the model's hazard detector, an observer of the executive (ps/observer.hpp). It
/// keeps books from what the executive reports — per routine and ID, the creates and exits each
/// routine was told of; per object, the step that gave it its client ID and the step that
/// deleted it — raises findings the moment a hazard happens (a lookup reaching a deleted
/// object, a removal returning under a running call, a routine asked to remove itself), and
/// audits the whole machine on request (PspCidTable against the objects, the books, the notify
/// arrays and their EX_CALLBACK blocks). docs/fidelity.md, "The verifier", says what each kind
/// means; a kernel (kernel.hpp) has one attached from boot.
///
/// \code
///   ntemu::Kernel k(ntemu::Profile::win2000());
///   k.verifier().set_step("line 7: NtClose notepad");   // findings name the step
///   for (const ntemu::verify::Finding& f : k.verifier().audit()) fmt::print("{}\n", f.detail);
/// \endcode
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ntemu/ps/executive.hpp"
#include "ntemu/trace/sink.hpp"
#include "ntemu/verify/finding.hpp"

namespace ntemu::verify {

struct RoutineBook;

/// Whether an audit emits the findings it finds now as `finding` events.
enum class AuditEvents : std::uint8_t { EmitNew, None };

class Verifier final : public ps::KernelObserver {
 public:
  /// Watches `executive` once attached to it (Executive::add_observer), and reads its state to
  /// audit. The executive must outlive the verifier.
  explicit Verifier(ps::Executive& executive);
  ~Verifier() override;
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  /// Where `finding` events go (nullptr: nowhere). Set before running operations.
  void set_sink(TraceSink* sink) { sink_ = sink; }
  /// A label for what the caller is doing now ("line 7: NtClose notepad"); findings name the
  /// step that caused them with it.
  void set_step(std::string label);
  std::string current_step() const;

  /// From now on every notify call is counted in its routine's book on its own. By default a
  /// create walk and its object's exit walk that tell the same routines the same IDs are held
  /// as one pair until something reads the books (emu/verify/walk_pairs.hpp); the findings are
  /// the same either way, and tests compare the two.
  void count_every_call();

  /// A finding raised outside the kernel's own checks (the WDK surface, the driver harness):
  /// emitted now as a `finding` event, and listed by every later audit after the kernel's own.
  void report(Finding f);

  /// Walks PspCidTable, the objects and the notify bookkeeping and returns every finding, in a
  /// deterministic order: those raised while running (use-after-free lookups,
  /// call-after-remove, removal-deadlock), in the order raised; then those found now; then the
  /// reported ones. Raised and reported findings were emitted when raised; `events` says
  /// whether the ones found now are emitted.
  std::vector<Finding> audit(AuditEvents events = AuditEvents::EmitNew);

  // --- what the executive reports (ps/observer.hpp) -----------------------------------------
  void cid_created(Handle handle, const ob::Object& object) override;
  void object_deleting(const ob::Object& object) override;
  void lookup_reached_deleted(std::uint64_t id, std::uint64_t address,
                              const ob::Object* object) override;
  void routine_registering(ps::NotifyKind kind, ps::NotifyRoutine& routine) override;
  void routine_registered(ps::NotifyKind kind, ps::NotifyRoutine& routine, Status status) override;
  void routine_removed(ps::NotifyKind kind, ps::NotifyRoutine& routine,
                       const ps::NotifySlots& array) override;
  void removal_refused(ps::NotifyKind kind, ps::NotifyRoutine& routine) override;
  void routine_calling(const ps::NotifyCall& call) override;
  bool hears_returns() const override { return false; }
  void process_lock_reentered(const ps::Process& process, std::string_view routine) override;
  void pid_poked(const ps::Process& process, ProcessId value) override;
  void slot_poked(ps::NotifyKind kind, std::uint32_t slot, const ex::CallbackBlock* block) override;

  struct Books;  ///< opaque: emu/verify/books.hpp

 private:
  /// Stores a finding raised while running and emits it.
  void raise(Finding f);
  /// routine_calling's general way: a routine's first call, a walk's first call logged, a full
  /// log, a call counted at once, an image call.
  void log_call(const ps::NotifyCall& call);
  /// Plain arrays: whether `call`, made at `step`, runs after its slot was cleared.
  void check_in_flight(const ps::NotifyCall& call, std::uint32_t step);
  /// Plain arrays: records a call-after-remove of `call`, whose slot was cleared before it was
  /// made (routine_calling's check, kept out of line).
  void called_after_removal(const ps::NotifyCall& call, std::uint32_t step);

  ps::Executive& executive_;
  TraceSink* sink_ = nullptr;
  std::unique_ptr<Books> books_;
  const bool asymmetric_fence_;  // fence::asymmetric(): fence::light() is a compiler barrier
};

}  // namespace ntemu::verify
