// SPDX-License-Identifier: MIT
// The parsers of the other statements — variables, pokes, expectations, dumps, breakpoints,
// audits and races — and the statement table (statement_parsers.hpp).
#include <algorithm>

#include "statement_parsers.hpp"

namespace ntemu::cli::syntax {
namespace {

void take_equals(Cursor& c) {
  const Word& eq = c.take("'='");
  if (eq.text != "=") {
    c.fail(c.pos(eq), fmt::format("expected '=' (separated by blanks), found '{}'", eq.text));
  }
}

// The kinds the kernel's verifier raises: the ones a scenario can expect.
std::string finding_kinds() {
  std::string out;
  for (verify::FindingKind k : verify::all_finding_kinds()) {
    if (verify::source_of(k) != verify::FindingSource::Kernel) continue;
    if (!out.empty()) out += ", ";
    out += verify::to_string(k);
  }
  return out;
}

// The notify kind word of `break` and `during`, if the next word is one.
std::optional<ps::NotifyKind> optional_kind(Cursor& c) {
  if (c.at_end()) return std::nullopt;
  const std::string_view w = c.peek().text;
  for (ps::NotifyKind k : ps::kNotifyKinds) {
    if (w == ps::kind_word(k)) {
      c.skip();
      return k;
    }
  }
  return std::nullopt;
}

bool runs_during(std::string_view keyword) {
  return keyword == "PsSetCreateProcessNotifyRoutine" ||
         keyword == "PsSetCreateProcessNotifyRoutineEx" ||
         keyword == "PsSetCreateThreadNotifyRoutine" ||
         keyword == "PsRemoveCreateThreadNotifyRoutine" ||
         keyword == "PsSetLoadImageNotifyRoutine" || keyword == "PsRemoveLoadImageNotifyRoutine";
}

}  // namespace

StatementBody parse_let(Cursor& c) {
  LetStmt s;
  s.var = c.take_name("a variable name");
  take_equals(c);
  s.value = c.take_id("an ID (a number, VAR, NAME.pid or NAME.tid)");
  c.expect_end();
  return s;
}

StatementBody parse_poke(Cursor& c) {
  const Word& target = c.take("a poke target");
  const std::string_view t = target.text;
  for (auto [prefix, kind] :
       {std::pair{std::string_view{"process-notify["}, ps::NotifyKind::Process},
        std::pair{std::string_view{"thread-notify["}, ps::NotifyKind::Thread},
        std::pair{std::string_view{"image-notify["}, ps::NotifyKind::Image}}) {
    if (t.substr(0, prefix.size()) != prefix) continue;
    PokeSlotStmt s;
    s.kind = kind;
    if (t.back() != ']' || t.size() == prefix.size() + 1) {
      c.fail(c.pos(target, prefix.size()), "expected a slot number and ']'");
    }
    s.slot_pos = c.pos(target, prefix.size());
    s.slot = c.number(target, prefix.size(), t.substr(prefix.size(), t.size() - prefix.size() - 1));
    take_equals(c);
    const Word& v = c.take("the value 0");
    s.value_pos = c.pos(v);
    s.value = c.number(v, 0, v.text);
    c.expect_end();
    return s;
  }
  const std::size_t dot = t.find('.');
  if (dot == std::string_view::npos) {
    c.fail(c.pos(target),
           fmt::format("cannot poke '{}' (expected PROCESS.UniqueProcessId, process-notify[SLOT], "
                       "thread-notify[SLOT] or image-notify[SLOT])",
                       t));
  }
  PokePidStmt s;
  s.process = c.name(target, 0, t.substr(0, dot));
  if (t.substr(dot + 1) != "UniqueProcessId") {
    c.fail(c.pos(target, dot + 1),
           fmt::format("cannot poke field '{}' (only UniqueProcessId)", t.substr(dot + 1)));
  }
  take_equals(c);
  s.value = c.take_id("a number or ID");
  c.expect_end();
  return s;
}

StatementBody parse_expect(Cursor& c) {
  const Word& what = c.take("'status', 'calls', 'findings' or 'bugcheck'");
  if (what.text == "status") {
    ExpectStatusStmt s;
    const Word& w = c.take("a status name");
    s.status = c.status(w);
    s.status_pos = c.pos(w);
    c.expect_end();
    return s;
  }
  if (what.text == "calls") {
    ExpectCallsStmt s;
    s.routine = routine_ref(c);
    s.count = c.take_number("a call count");
    c.expect_end();
    return s;
  }
  if (what.text == "findings") {
    ExpectFindingsStmt s;
    const Word& first = c.take("a finding kind or a count");
    if (!first.text.empty() && first.text.front() >= '0' && first.text.front() <= '9') {
      s.count = c.number(first, 0, first.text);
    } else {
      const auto kind = verify::parse_finding_kind(first.text);
      if (!kind || verify::source_of(*kind) != verify::FindingSource::Kernel) {
        c.fail(c.pos(first),
               fmt::format("unknown finding kind '{}' (expected {})", first.text, finding_kinds()));
      }
      s.kind = kind;
      s.count = c.take_number("a count of findings");
    }
    c.expect_end();
    return s;
  }
  if (what.text == "bugcheck") {
    ExpectBugcheckStmt s;
    const Word& w = c.take("a bugcheck code (0x17)");
    const std::uint64_t code = c.number(w, 0, w.text);
    if (code > 0xFFFFFFFFU)
      c.fail(c.pos(w), fmt::format("bugcheck code '{}' exceeds 32 bits", w.text));
    s.code = static_cast<std::uint32_t>(code);
    s.code_pos = c.pos(w);
    c.expect_end();
    return s;
  }
  c.fail(c.pos(what),
         fmt::format("unknown expectation '{}' (expected status, calls, findings or bugcheck)",
                     what.text));
}

StatementBody parse_dump(Cursor& c) {
  DumpStmt s;
  const Word& what = c.take("cidtable, callbacks or process NAME");
  if (what.text == "cidtable") {
    s.what = DumpStmt::What::CidTable;
  } else if (what.text == "callbacks") {
    s.what = DumpStmt::What::Callbacks;
  } else if (what.text == "process") {
    s.what = DumpStmt::What::Process;
    s.process = c.take_name("a process name");
  } else {
    c.fail(
        c.pos(what),
        fmt::format("cannot dump '{}' (expected cidtable, callbacks or process NAME)", what.text));
  }
  c.expect_end();
  return s;
}

StatementBody parse_snapshot(Cursor& c) {
  SnapshotStmt s;
  if (!c.at_end()) s.label = c.take_name("a label for the snapshot");
  c.expect_end();
  return s;
}

StatementBody parse_break(Cursor& c) {
  BreakStmt s;
  s.routine = routine_ref(c);
  s.kind = optional_kind(c);
  c.expect_end();
  return s;
}

StatementBody parse_audit(Cursor& c) {
  c.expect_end();
  return AuditStmt{};
}

const std::vector<StatementSyntax>& statement_table() {
  using Api = LookupStmt::Api;
  using Op = ObjectOpStmt::Op;
  static const std::vector<StatementSyntax> table = {
      {"kernel", "kernel VERSION [arch=x86|x64] [release=N]", parse_kernel},
      {"PsSetCreateProcessNotifyRoutine", "PsSetCreateProcessNotifyRoutine ROUTINE [remove]",
       [](Cursor& c) { return parse_process_notify(c, false); }},
      {"PsSetCreateProcessNotifyRoutineEx",
       "PsSetCreateProcessNotifyRoutineEx ROUTINE [remove] [veto=STATUS_NAME]",
       [](Cursor& c) { return parse_process_notify(c, true); }},
      {"PsSetCreateThreadNotifyRoutine", "PsSetCreateThreadNotifyRoutine ROUTINE",
       [](Cursor& c) { return parse_thread_notify(c, false); }},
      {"PsRemoveCreateThreadNotifyRoutine", "PsRemoveCreateThreadNotifyRoutine ROUTINE",
       [](Cursor& c) { return parse_thread_notify(c, true); }},
      {"PsSetLoadImageNotifyRoutine", "PsSetLoadImageNotifyRoutine ROUTINE",
       [](Cursor& c) { return parse_image_notify(c, false); }},
      {"PsRemoveLoadImageNotifyRoutine", "PsRemoveLoadImageNotifyRoutine ROUTINE",
       [](Cursor& c) { return parse_image_notify(c, true); }},
      {"NtCreateProcess", "NtCreateProcess NAME [parent=NAME] [image=PATH] [cmdline=TEXT]",
       [](Cursor& c) { return parse_create_process(c, false); }},
      {"NtCreateThread", "NtCreateThread PROCESS [as NAME] [suspended]",
       [](Cursor& c) { return parse_create_thread(c, false); }},
      {"PsCreateSystemThread", "PsCreateSystemThread [as NAME]",
       [](Cursor& c) { return parse_create_thread(c, true); }},
      {"CreateProcess", "CreateProcess NAME [parent=NAME] [image=PATH] [cmdline=TEXT] [as THREAD]",
       [](Cursor& c) { return parse_create_process(c, true); }},
      {"NtCreateUserProcess",
       "NtCreateUserProcess NAME [parent=NAME] [image=PATH] [cmdline=TEXT] [as THREAD]",
       [](Cursor& c) { return parse_create_process(c, true, true); }},
      {"LoadImage", "LoadImage PROCESS IMAGE [size=N]",
       [](Cursor& c) { return parse_load_image(c, false); }},
      {"LoadDriver", "LoadDriver IMAGE [size=N]",
       [](Cursor& c) { return parse_load_image(c, true); }},
      {"NtTerminateThread", "NtTerminateThread THREAD",
       [](Cursor& c) { return parse_object_op(c, Op::TerminateThread); }},
      {"NtTerminateProcess", "NtTerminateProcess PROCESS",
       [](Cursor& c) { return parse_object_op(c, Op::TerminateProcess); }},
      {"NtClose", "NtClose NAME", [](Cursor& c) { return parse_object_op(c, Op::Close); }},
      {"PsLookupProcessByProcessId", "PsLookupProcessByProcessId ID",
       [](Cursor& c) { return parse_lookup(c, Api::ProcessById); }},
      {"PsLookupThreadByThreadId", "PsLookupThreadByThreadId ID",
       [](Cursor& c) { return parse_lookup(c, Api::ThreadById); }},
      {"PsLookupProcessThreadByCid", "PsLookupProcessThreadByCid ID ID",
       [](Cursor& c) { return parse_lookup(c, Api::ProcessThreadByCid); }},
      {"NtOpenProcess", "NtOpenProcess PID [TID] [access=MASK]",
       [](Cursor& c) { return parse_lookup(c, Api::OpenProcess); }},
      {"NtOpenThread", "NtOpenThread [PID] TID [access=MASK]",
       [](Cursor& c) { return parse_lookup(c, Api::OpenThread); }},
      {"ObRegisterCallbacks",
       "ObRegisterCallbacks ROUTINE [altitude=TEXT] [process] [thread] [create] [duplicate] "
       "[strip=MASK]",
       [](Cursor& c) { return parse_ob_callbacks(c, false); }},
      {"ObUnRegisterCallbacks", "ObUnRegisterCallbacks ROUTINE",
       [](Cursor& c) { return parse_ob_callbacks(c, true); }},
      {"context", "context THREAD", parse_context},
      {"let", "let VAR = ID", parse_let},
      {"poke",
       "poke PROCESS.UniqueProcessId = ID | poke process-notify[SLOT] = 0 | "
       "poke thread-notify[SLOT] = 0 | poke image-notify[SLOT] = 0",
       parse_poke},
      {"audit", "audit", parse_audit},
      {"expect",
       "expect status STATUS_NAME | expect calls ROUTINE N | expect findings [KIND] N | "
       "expect bugcheck CODE",
       parse_expect},
      {"dump", "dump cidtable | dump callbacks | dump process NAME", parse_dump},
      {"snapshot", "snapshot [LABEL]", parse_snapshot},
      {"break", "break ROUTINE [process|thread|image]", parse_break},
      {"during", "during ROUTINE [process|thread|image] STATEMENT", nullptr},
  };
  return table;
}

const StatementSyntax* find_statement(std::string_view keyword) {
  for (const auto& s : statement_table()) {
    if (s.keyword == keyword) return &s;
  }
  return nullptr;
}

StatementBody parse_during(Cursor& c, const std::vector<Word>& words, std::string_view line) {
  DuringStmt s;
  s.routine = routine_ref(c);
  s.kind = optional_kind(c);
  const Word& keyword = c.take("a registration statement to run while the routine runs");
  if (!runs_during(keyword.text)) {
    c.fail(c.pos(keyword),
           fmt::format("'during' runs a registration or removal (PsSetCreateProcessNotifyRoutine"
                       "[Ex], PsSetCreateThreadNotifyRoutine, PsRemoveCreateThreadNotifyRoutine, "
                       "PsSetLoadImageNotifyRoutine, PsRemoveLoadImageNotifyRoutine), not '{}'",
                       keyword.text));
  }
  const StatementSyntax* syntax = find_statement(keyword.text);
  const auto first = std::find_if(words.begin(), words.end(),
                                  [&](const Word& w) { return w.column == keyword.column; });
  const std::vector<Word> inner(first, words.end());
  Cursor sub(inner, c.pos(keyword).line, syntax->synopsis);
  StatementBody body = syntax->parse(sub);
  if (auto* p = std::get_if<ProcessNotifyStmt>(&body)) {
    s.inner = *p;
  } else if (auto* t = std::get_if<ThreadNotifyStmt>(&body)) {
    s.inner = *t;
  } else {
    s.inner = std::get<ImageNotifyStmt>(body);
  }
  s.inner_pos = c.pos(keyword);
  s.inner_keyword = std::string(keyword.text);
  s.inner_source = std::string(trim(line.substr(static_cast<std::size_t>(keyword.column - 1))));
  while (!c.at_end())
    c.skip();
  return s;
}

}  // namespace ntemu::cli::syntax
