// SPDX-License-Identifier: MIT
// kd's structures: `dt nt!_EPROCESS` / `dt nt!_ETHREAD` show the fields the model keeps,
// `dd` / `dq` / `dps` the notify arrays' slots as memory, and `ed` / `eq` write the ones a
// researcher pokes — EPROCESS.UniqueProcessId and the notify
// arrays' slots — through the same pokes as the scenario's `poke` statements, so the output
// is theirs. The layout is the model's own: one pointer-sized slot per field, in the order
// below. Its offsets are not a Windows build's, and `dt` says so.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "kd_session_impl.hpp"
#include "kd_words.hpp"
#include "ntemu/ex/fast_ref.hpp"

namespace ntemu::cli::kd {
namespace {

constexpr std::array<std::string_view, 8> kProcessFields = {
    "UniqueProcessId", "InheritedFromUniqueProcessId",
    "ObjectTable",     "ActiveThreads",
    "Flags",           "GrantedAccess",
    "ThreadListHead",  "ImageFileName"};
constexpr std::array<std::string_view, 5> kThreadFields = {
    "Cid.UniqueProcess", "Cid.UniqueThread", "ThreadsProcess", "CrossThreadFlags", "GrantedAccess"};

std::string hex(std::uint64_t v, unsigned bytes) {
  return fmt::format("{:#0{}x}", v, 2 + 2 * bytes);
}

std::string flags_text(std::uint32_t flags, bool process) {
  std::string out = hex(flags, 4);
  if (process) {
    if ((flags & ps::Process::kFlagProcessExiting) != 0) out += " ProcessExiting";
    if ((flags & ps::Process::kFlagProcessDelete) != 0) out += " ProcessDelete";
  } else {
    if ((flags & ps::Thread::kFlagTerminated) != 0) out += " Terminated";
    if ((flags & ps::Thread::kFlagDeadThread) != 0) out += " DeadThread";
    if ((flags & ps::Thread::kFlagSystem) != 0) out += " SystemThread";
  }
  return out;
}

struct Target {                         // what an ed/eq address names
  ps::Process* process = nullptr;       // EPROCESS.UniqueProcessId
  std::optional<ps::NotifyKind> array;  // a notify array's slot
  std::uint32_t slot = 0;
};

}  // namespace

void Session::cmd_dt(std::string_view args) {
  Words words(args);
  const std::string_view type = words.next();
  const bool process = type == "nt!_EPROCESS" || type == "_EPROCESS";
  const bool thread = type == "nt!_ETHREAD" || type == "_ETHREAD";
  if ((!process && !thread) || words.size() > 2) {
    return error("usage: dt nt!_EPROCESS [ADDR|NAME] | dt nt!_ETHREAD [ADDR|NAME]");
  }
  const unsigned ptr = script_->arch == Arch::X86 ? 4 : 8;
  const std::size_t count = process ? kProcessFields.size() : kThreadFields.size();
  auto field = [&](std::size_t i) { return process ? kProcessFields[i] : kThreadFields[i]; };
  if (words.done()) {
    say(
        fmt::format("nt!{} (ntemu's layout: one {}-byte slot per field; not a Windows build's "
                    "offsets)",
                    process ? "_EPROCESS" : "_ETHREAD", ptr));
    for (std::size_t i = 0; i < count; ++i)
      say(fmt::format("   +{:#05x} {}", i * ptr, field(i)));
    return;
  }
  ob::Object* o = object_arg(words.next(), "dt");
  if (o == nullptr) return;
  if ((o->type() == ob::ObjectType::Process) != process) {
    return error(fmt::format("dt: {} is a {}, not an {}", address(o->address()),
                             ob::to_string(o->type()), process ? "EPROCESS" : "ETHREAD"));
  }
  std::vector<std::string> values;
  if (process) {
    auto& p = static_cast<ps::Process&>(*o);
    const LockedFields locked = read_locked(p);  // the stopped kernel may hold the lock
    values = {
        hex(p.pid().value(), ptr),
        hex(p.InheritedFromUniqueProcessId.value(), ptr),
        fmt::format("HandleCount {}, owner {:#x}", p.ObjectTable->handle_count(),
                    p.ObjectTable->owner().value()),
        fmt::format("{:#x}", locked.active_threads),
        flags_text(p.Flags.load(), true),
        hex(p.GrantedAccess.load(), 4),
        fmt::format("{} thread{}", locked.threads.size(), locked.threads.size() == 1 ? "" : "s"),
        fmt::format("\"{}\"", p.ImageFileName)};
  } else {
    auto& t = static_cast<ps::Thread&>(*o);
    const ClientId cid = t.Cid();
    values = {
        hex(cid.UniqueProcess.value(), ptr), hex(cid.UniqueThread.value(), ptr),
        fmt::format("{} {}", address(t.ThreadsProcess->address()), t.ThreadsProcess->ImageFileName),
        flags_text(t.CrossThreadFlags.load(), false), hex(t.GrantedAccess.load(), 4)};
  }
  say(fmt::format("nt!{} at {} (ntemu's layout)", process ? "_EPROCESS" : "_ETHREAD",
                  address(o->address())));
  for (std::size_t i = 0; i < count; ++i)
    say(fmt::format("   +{:#05x} {:<28} : {}", i * ptr, field(i), values[i]));
}

void Session::cmd_edit(std::string_view args, unsigned width) {
  const std::string_view name = width == 4 ? "ed" : "eq";
  Words words(args);
  if (words.size() != 2) return error(fmt::format("usage: {} ADDR[+OFFSET] VALUE", name));
  const std::string_view where = words.next();
  const std::optional<std::uint64_t> value = parse_number(words.next());
  if (!value || (width == 4 && *value > 0xFFFFFFFFu)) {
    return error(fmt::format("{}: the value must be a number of {} bytes", name, width));
  }
  const unsigned ptr = script_->arch == Arch::X86 ? 4 : 8;
  const std::size_t plus = where.find('+');
  const std::string_view base_text = where.substr(0, plus);
  std::uint64_t offset = 0;
  if (plus != std::string_view::npos) {
    const std::optional<std::uint64_t> off = parse_number(where.substr(plus + 1));
    if (!off) return error(fmt::format("{}: '{}' is not an offset", name, where.substr(plus + 1)));
    offset = *off;
  }
  Target target;
  for (ps::NotifyKind kind : ps::kNotifyKinds) {
    if (base_text == fmt::format("nt!{}", ps::array_name(kind))) {
      if (offset % ptr != 0) {
        return error(
            fmt::format("{}: a slot is {} bytes: the offset must be a multiple", name, ptr));
      }
      target.array = kind;
      target.slot = static_cast<std::uint32_t>(std::min<std::uint64_t>(offset / ptr, 0xFFFFFFFFu));
    }
  }
  if (!target.array) {
    ob::Object* o = object_arg(base_text, name);
    if (o == nullptr) return;
    if (o->type() != ob::ObjectType::Process || offset != 0) {
      return error(
          fmt::format("{}: the model writes EPROCESS.UniqueProcessId (+0x0) and the "
                      "notify slots; {} is not one of them",
                      name, where));
    }
    target.process = static_cast<ps::Process*>(o);
  }
  if (target.array) {
    const std::uint32_t size = runner_->machine().notify_array(*target.array).size();
    if (target.slot >= size) {
      return error(
          fmt::format("{}: nt!{} has {} slots", name, ps::array_name(*target.array), size));
    }
    if (width != ptr) {
      return error(fmt::format("{}: a slot is {} bytes ({})", name, ptr, ptr == 4 ? "ed" : "eq"));
    }
    if (*value != 0) return error(fmt::format("{}: a slot can only be cleared (0)", name));
    // Findings the poke leads to name the command, as they name a file's statement.
    return runner_->with_step(fmt::format("kd> {}", line_),
                              [&] { runner_->poke_slot(0, *target.array, target.slot); });
  }
  if (width > ptr) {
    return error(fmt::format("{}: UniqueProcessId is {} bytes here (ed)", name, ptr));
  }
  std::uint64_t v = *value;
  if (width < ptr) v |= target.process->pid().value() & ~std::uint64_t{0xFFFFFFFFu};
  runner_->with_step(fmt::format("kd> {}", line_),
                     [&] { runner_->poke_pid(0, *target.process, v); });
}

void Session::cmd_display(std::string_view args, std::string_view name) {
  Words words(args);
  const std::string_view symbol = words.next();
  std::optional<ps::NotifyKind> kind;
  for (ps::NotifyKind k : ps::kNotifyKinds) {
    if (symbol == fmt::format("nt!{}", ps::array_name(k))) kind = k;
  }
  if (!kind || !words.done()) {
    return error(
        fmt::format("usage: {} nt!PspCreateProcessNotifyRoutine | "
                    "nt!PspCreateThreadNotifyRoutine | nt!PspLoadImageNotifyRoutine "
                    "(dt shows a process or thread)",
                    name));
  }
  Kernel& k = runner_->machine();
  const ps::NotifySlots& array = k.notify_array(*kind);
  const unsigned ptr = script_->arch == Arch::X86 ? 4 : 8;
  const bool callbacks = array.storage() == NotifyStorage::ExCallback;
  auto word = [&](std::uint64_t v) { return fmt::format("{:0{}x}", v, 2 * ptr); };
  if (name == "dps") {  // one slot a line, with what it holds by symbol
    for (std::uint32_t i = 0; i < array.size(); ++i) {
      std::string line = fmt::format("{}+{:#04x}  ", symbol, i * ptr);
      if (!array.occupied(i)) {
        line += word(0);
      } else if (callbacks) {
        const std::uint64_t raw = array.raw(i);
        line += fmt::format("{}  block {} (cached {}): {}", word(raw),
                            address(ex::FastRef::object(raw, script_->arch)),
                            ex::FastRef::cached(raw, script_->arch),
                            k.routine_symbol(array.routine(i)));
      } else {
        // The word is the routine's address; a host address would make the output depend on
        // the run, so the symbol stands for it.
        line += k.routine_symbol(array.routine(i));
      }
      say(line);
    }
    return;
  }
  if (!callbacks) {
    return error(
        fmt::format("{}: on {} the slots hold routine pointers (host addresses in the "
                    "model): dps shows them by symbol",
                    name, to_string(script_->version)));
  }
  const unsigned width = name == "dd" ? 4 : 8;
  if (width != ptr) {
    return error(
        fmt::format("{}: a slot is {} bytes here ({})", name, ptr, ptr == 4 ? "dd" : "dq"));
  }
  const std::uint32_t per_line = 16 / width;
  for (std::uint32_t i = 0; i < array.size(); i += per_line) {
    std::string line = fmt::format("{}+{:#04x} ", symbol, i * ptr);
    for (std::uint32_t j = i; j < i + per_line && j < array.size(); ++j)
      line += fmt::format(" {:0{}x}", array.occupied(j) ? array.raw(j) : 0, 2 * width);
    say(line);
  }
}

}  // namespace ntemu::cli::kd
