// SPDX-License-Identifier: MIT
// kd's command line: the first word picks the command (`g`, `bp`, `!process`, `dt`...); a line
// that is no command is a scenario statement, checked against the file's names and run on the
// stopped machine. A bad command is reported with `error:` and the prompt comes back; nothing
// half-runs.
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "kd_session_impl.hpp"
#include "kd_words.hpp"
#include "ntemu/dbg/dump.hpp"

namespace ntemu::cli::kd {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

constexpr std::string_view kHelp =
    "Execution (breakpoints stop g, p and t alike):\n"
    "  g                       run to the next breakpoint, or to the end of the file\n"
    "  p                       run to the next statement of the file\n"
    "  t                       run to the next modeled routine's entry or driver routine's\n"
    "                          body, or to the next statement\n"
    "  bp MODULE!ROUTINE       break at nt!PspCreateThread, edr!ProcessNotifyRoutine...\n"
    "  bp finding KIND         break where the verifier raises KIND (dangling-cid...)\n"
    "  bl | bc N... | bc *     list | clear breakpoints\n"
    "  .restart                run the file again on a fresh kernel (breakpoints stay)\n"
    "  q                       end the session (so does the end of the input)\n"
    "Inspection:\n"
    "  kb                      the shadow call stack, innermost frame first\n"
    "  r                       the context: current thread and process, IRQL, statement\n"
    "  !process 0 0            every process; !process [ADDR|NAME]: one, with its threads\n"
    "  !thread [ADDR|NAME]     a thread (the current one without an argument)\n"
    "  dt nt!_EPROCESS ADDR|NAME | dt nt!_ETHREAD ADDR|NAME   the fields the model has\n"
    "  !cidtable               PspCidTable (also !handle PspCidTable)\n"
    "  !handle [ADDR|NAME]     a process's object table (the current one's without one)\n"
    "  !callbacks              the notify arrays, EX_CALLBACK words decoded\n"
    "  !audit                  what the verifier finds now\n"
    "  dd|dq|dps nt!PspCreateProcessNotifyRoutine   a notify array's slots as memory (also\n"
    "                          nt!PspCreateThreadNotifyRoutine, nt!PspLoadImageNotifyRoutine)\n"
    "Changing state:\n"
    "  ed|eq ADDR[+OFFSET] VALUE  write a modeled field dt shows (UniqueProcessId)\n"
    "  ed|eq nt!PspCreateProcessNotifyRoutine+OFFSET 0   clear a notify slot (also\n"
    "                          nt!PspCreateThreadNotifyRoutine, nt!PspLoadImageNotifyRoutine)\n"
    "  STATEMENT               any scenario statement (docs/scenario-language.md), before a\n"
    "                          statement or in a driver routine's body\n"
    "Numbers are hexadecimal (0n for decimal). docs/kd.md describes every command.";

}  // namespace

void Session::cmd_help() {
  say(kHelp);
}

bool Session::command(const std::string& raw, const Stop& stop) {
  const std::string_view line = trim(raw);
  if (line.empty() || line.front() == '#') return false;
  line_ = std::string(line);
  const std::size_t blank = line.find_first_of(" \t");
  const std::string_view name = line.substr(0, blank);
  const std::string_view args =
      blank == std::string_view::npos ? std::string_view{} : trim(line.substr(blank));
  auto resume = [&](Mode mode) {
    if (!args.empty()) {
      error(fmt::format("'{}' takes no arguments", name));
      return false;
    }
    if (stop.where == Stop::Where::End &&
        (mode == Mode::Go || mode == Mode::StepOver || mode == Mode::StepInto)) {
      error("the run is over: .restart runs the file again, q ends the session");
      return false;
    }
    mode_ = mode;
    return true;
  };
  if (name == "g") return resume(Mode::Go);
  if (name == "p") return resume(Mode::StepOver);
  if (name == "t") return resume(Mode::StepInto);
  if (name == "q") return resume(Mode::Quit);
  if (name == ".restart") return resume(Mode::Restart);
  if (name == ".help" || name == "?") {
    cmd_help();
  } else if (name == "bp") {
    cmd_bp(args);
  } else if (name == "bl" || name == "bc") {
    if (name == "bl" && !args.empty()) {
      error("'bl' takes no arguments");
    } else if (name == "bl") {
      cmd_bl();
    } else {
      cmd_bc(args);
    }
  } else if (name == "kb" || name == "k") {
    if (!args.empty()) return error(fmt::format("'{}' takes no arguments", name)), false;
    cmd_kb();
  } else if (name == "r") {
    if (!args.empty()) return error("no registers are modeled: 'r' shows the context"), false;
    cmd_r(stop);
  } else if (name == "!process") {
    cmd_process(args);
  } else if (name == "!thread") {
    cmd_thread(args);
  } else if (name == "dt") {
    cmd_dt(args);
  } else if (name == "!cidtable" || name == "!callbacks" || name == "!audit") {
    if (!args.empty()) return error(fmt::format("'{}' takes no arguments", name)), false;
    Kernel& k = runner_->machine();
    if (name == "!cidtable") {
      say(dbg::dump_cid_table(k));
    } else if (name == "!callbacks") {
      say(dbg::dump_callbacks(
          k, [&](ps::NotifyKind kind, const void* r) { return runner_->calls_note(kind, r); }));
    } else {
      const std::vector<Kernel::Finding> findings = k.verifier().audit(verify::AuditEvents::None);
      say(fmt::format("{} finding{}", findings.size(), findings.size() == 1 ? "" : "s"));
      for (const Kernel::Finding& f : findings) {
        std::string text = TextOutput::to_text(verify::finding_event(f));
        if (!text.empty() && text.back() == '\n') text.pop_back();
        say(text);
      }
    }
  } else if (name == "!handle") {
    cmd_handle(args);
  } else if (name == "dd" || name == "dq" || name == "dps") {
    cmd_display(args, name);
  } else if (name == "ed" || name == "eq") {
    cmd_edit(args, name == "ed" ? 4 : 8);
  } else if (name.front() == '!' || name.front() == '.') {
    error(fmt::format("unknown command '{}' (.help lists the commands)", name));
  } else {
    cmd_statement(std::string(line), stop);
  }
  return false;
}

void Session::cmd_statement(const std::string& line, const Stop& stop) {
  Parsed parsed = parse_scenario(line);
  for (const Diagnostic& d : parsed.errors) {
    if (d.pos.column == 1 && d.message.starts_with("unknown statement")) {
      error(
          fmt::format("unknown command '{}' (.help lists the commands; a scenario "
                      "statement runs too)",
                      line.substr(0, line.find_first_of(" \t"))));
    } else {
      error(fmt::format("column {}: {}", d.pos.column, d.message));
    }
  }
  if (!parsed.errors.empty() || parsed.statements.empty()) return;
  if (stop.where == Stop::Where::Frame) {
    return error(
        "a statement runs before a statement of the file or in a driver routine's "
        "body; here the kernel is inside a routine (g, p or t first)");
  }
  Statement s = std::move(parsed.statements.front());
  if (std::holds_alternative<KernelStmt>(s.body)) {
    return error("the kernel version is the file's: .restart runs it again");
  }
  const std::size_t known = script_->symbols.size();
  const std::vector<Diagnostic> errors = checker_->check_more(s);
  for (const Diagnostic& d : errors)
    error(fmt::format("column {}: {}", d.pos.column, d.message));
  if (!errors.empty()) return;
  if (const auto* dump = std::get_if<DumpStmt>(&s.body);
      dump != nullptr && dump->what == DumpStmt::What::Process) {
    const ob::Object* o = runner_->object_of(dump->symbol);
    if (o != nullptr && static_cast<const ps::Process*>(o)->ProcessLock.held_by_current_thread()) {
      // dump_process takes the lock this stopped call holds: !process reads it in place.
      return error("the kernel holds this process's lock here: !process shows it");
    }
  }
  s.pos.line = 0;
  for (std::size_t i = known; i < script_->symbols.size(); ++i)
    script_->symbols[i].defined = {};  // defined at the prompt, not at a line of the file
  runner_->script_grew();
  typed_.push_back(std::move(s));
  if (stop.where != Stop::Where::Routine) return runner_->execute_typed(typed_.back(), false);
  try {
    runner_->execute_typed(typed_.back(), true);
  } catch (const BugCheck&) {
    // The machine stops in the routine's kernel call; the statement that called it reports
    // the bugcheck, and the session stops again before the next one.
    mode_ = Mode::StepOver;
    throw;
  }
}

}  // namespace ntemu::cli::kd
