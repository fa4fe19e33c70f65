// The scenario parser: one statement per line, blank-separated words, each word taken apart
// where it has inner structure (`parent=NAME`, `NAME.pid+1`, `process-notify[3]`), so every
// error points at the exact column of the offending part.
#include "parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace ntemu::cli {
namespace {

struct Word {
  std::string_view text;
  int column = 0;  // 1-based
};

struct SyntaxError {
  Pos pos;
  std::string message;
};

int to_int(std::size_t n) {
  return static_cast<int>(n);
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_name(std::string_view s) {
  if (s.empty() || !is_name_start(s.front())) return false;
  for (char c : s) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The words of one line, after the comment is cut off. Control characters are errors.
std::vector<Word> split_words(std::string_view line, int line_no) {
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < line.size()) {
    if (is_blank(line[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c < 0x20 || c == 0x7F) {
        throw SyntaxError{{line_no, to_int(i) + 1},
                          fmt::format("unexpected control character 0x{:02X}", c)};
      }
      ++i;
    }
    words.push_back({line.substr(start, i - start), to_int(start) + 1});
  }
  return words;
}

enum class NumberError { None, Invalid, OutOfRange };

// Decimal or 0x-hexadecimal, nothing else (no sign, no suffix).
NumberError parse_number(std::string_view s, std::uint64_t& value) {
  int base = 10;
  std::string_view digits = s;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    digits = s.substr(2);
  }
  if (digits.empty()) return NumberError::Invalid;
  for (char c : digits) {
    const bool ok =
        base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '9');
    if (!ok) return NumberError::Invalid;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec == std::errc::result_out_of_range) return NumberError::OutOfRange;
  if (ec != std::errc{} || end != digits.data() + digits.size()) return NumberError::Invalid;
  return NumberError::None;
}

// The words of one statement, consumed left to right.
class Cursor {
 public:
  Cursor(const std::vector<Word>& words, int line, std::string_view synopsis)
      : words_(words), line_(line), synopsis_(synopsis) {}

  bool at_end() const { return next_ >= words_.size(); }
  const Word& peek() const { return words_[next_]; }
  const Word& keyword() const { return words_.front(); }
  Pos pos(const Word& w, std::size_t offset = 0) const {
    return {line_, w.column + to_int(offset)};
  }
  /// Just past the last word: where a missing argument would go.
  Pos end_pos() const {
    const Word& last = words_.back();
    return {line_, last.column + to_int(last.text.size())};
  }

  const Word& take(std::string_view what) {
    if (at_end()) fail(end_pos(), fmt::format("expected {}; usage: {}", what, synopsis_));
    return words_[next_++];
  }
  void skip() { ++next_; }

  [[noreturn]] void fail(Pos p, std::string message) const {
    throw SyntaxError{p, std::move(message)};
  }
  [[noreturn]] void unexpected(const Word& w) const {
    fail(pos(w), fmt::format("unexpected '{}'; usage: {}", w.text, synopsis_));
  }
  void expect_end() const {
    if (!at_end()) unexpected(peek());
  }

  Ident name(const Word& w, std::size_t offset, std::string_view text) const {
    if (text.empty()) fail(pos(w, offset), "expected a name");
    if (!is_name(text)) {
      fail(pos(w, offset),
           fmt::format("invalid name '{}' (names are [A-Za-z_][A-Za-z0-9_]*)", text));
    }
    return Ident{std::string(text), pos(w, offset)};
  }
  Ident name(const Word& w) const { return name(w, 0, w.text); }
  Ident take_name(std::string_view what) { return name(take(what)); }

  std::uint64_t number(const Word& w, std::size_t offset, std::string_view text) const {
    std::uint64_t v = 0;
    switch (parse_number(text, v)) {
      case NumberError::None:
        return v;
      case NumberError::OutOfRange:
        fail(pos(w, offset), fmt::format("number '{}' is out of range", text));
      case NumberError::Invalid:
        break;
    }
    fail(pos(w, offset), fmt::format("invalid number '{}'", text));
  }
  std::uint64_t take_number(std::string_view what) {
    const Word& w = take(what);
    return number(w, 0, w.text);
  }

  IdExpr id(const Word& w) const {
    IdExpr e;
    e.pos = pos(w);
    std::string_view base = w.text;
    const std::size_t op_at = base.find_first_of("+|");
    if (op_at != std::string_view::npos) {
      e.op = base[op_at] == '+' ? IdExpr::Op::Plus : IdExpr::Op::Or;
      std::string_view operand = base.substr(op_at + 1);
      if (operand.empty()) fail(pos(w, op_at + 1), "expected a number after '+' or '|'");
      e.operand = number(w, op_at + 1, operand);
      base = base.substr(0, op_at);
    }
    if (base.empty()) fail(pos(w), "expected an ID (a number, VAR, NAME.pid or NAME.tid)");
    if (base.front() >= '0' && base.front() <= '9') {
      e.kind = IdExpr::Kind::Number;
      e.number = number(w, 0, base);
      return e;
    }
    const std::size_t dot = base.find('.');
    if (dot == std::string_view::npos) {
      e.kind = IdExpr::Kind::Variable;
      e.name = name(w, 0, base);
      return e;
    }
    e.name = name(w, 0, base.substr(0, dot));
    const std::string_view field = base.substr(dot + 1);
    e.field_pos = pos(w, dot + 1);
    if (field == "pid") {
      e.kind = IdExpr::Kind::Pid;
    } else if (field == "tid") {
      e.kind = IdExpr::Kind::Tid;
    } else {
      fail(e.field_pos, fmt::format("unknown field '.{}' (an ID is NAME.pid or NAME.tid)", field));
    }
    return e;
  }
  IdExpr take_id(std::string_view what) { return id(take(what)); }

  /// `key=VALUE` if `w` is that option: the value's offset in the word, else npos.
  static std::size_t option_value(const Word& w, std::string_view key) {
    if (w.text.size() > key.size() && w.text.substr(0, key.size()) == key &&
        w.text[key.size()] == '=') {
      return key.size() + 1;
    }
    if (w.text == key) return key.size();  // "parent" without '=': value empty, reported
    return std::string_view::npos;
  }

  Ident option_name(const Word& w, std::size_t offset) const {
    if (offset >= w.text.size()) {
      fail(pos(w, offset), fmt::format("expected a name after '{}'", w.text.substr(0, offset)));
    }
    return name(w, offset, w.text.substr(offset));
  }

  Status status(const Word& w) const {
    if (auto s = Status::from_name(w.text)) return *s;
    std::uint64_t v = 0;
    if (parse_number(w.text, v) == NumberError::None && v <= 0xFFFFFFFFU) {
      return Status{static_cast<std::uint32_t>(v)};
    }
    fail(pos(w), fmt::format("unknown status '{}'", w.text));
  }

  template <class T>
  static void once(std::optional<T>& slot, T value, const Cursor& c, const Word& w) {
    if (slot) c.fail(c.pos(w), fmt::format("'{}' given twice", w.text));
    slot = std::move(value);
  }
  void flag_once(bool& flag, const Word& w) const {
    if (flag) fail(pos(w), fmt::format("'{}' given twice", w.text));
    flag = true;
  }

 private:
  const std::vector<Word>& words_;
  std::size_t next_ = 1;  // words_[0] is the statement word
  int line_;
  std::string_view synopsis_;
};

// --- one parse function per statement --------------------------------------------------------

StatementBody parse_kernel(Cursor& c) {
  KernelStmt s;
  const Word& v = c.take("a kernel version");
  s.version = Ident{std::string(v.text), c.pos(v)};
  if (auto parsed = parse_kernel_version(v.text)) {
    s.parsed_version = *parsed;
  } else {
    c.fail(c.pos(v),
           fmt::format("unknown kernel version '{}' (expected win2000, xp, server2003 or vista)",
                       v.text));
  }
  while (!c.at_end()) {
    const Word& w = c.peek();
    const std::size_t at = Cursor::option_value(w, "arch");
    if (at == std::string_view::npos || s.arch) c.unexpected(w);
    const std::string_view value = w.text.substr(std::min(at, w.text.size()));
    if (value.empty()) c.fail(c.pos(w, at), "expected x86 or x64 after 'arch='");
    if (auto a = parse_arch(value)) {
      s.parsed_arch = *a;
    } else {
      c.fail(c.pos(w, at), fmt::format("unknown architecture '{}' (expected x86 or x64)", value));
    }
    s.arch = Ident{std::string(value), c.pos(w, at)};
    c.skip();
  }
  return s;
}

RoutineRef routine_ref(Cursor& c) {
  return RoutineRef{c.take_name("a routine name (or null)")};
}

StatementBody parse_process_notify(Cursor& c, bool ex) {
  ProcessNotifyStmt s;
  s.ex = ex;
  s.routine = routine_ref(c);
  while (!c.at_end()) {
    const Word& w = c.peek();
    if (w.text == "remove") {
      c.flag_once(s.remove, w);
    } else if (ex && Cursor::option_value(w, "veto") != std::string_view::npos) {
      const std::size_t at = Cursor::option_value(w, "veto");
      if (at >= w.text.size()) c.fail(c.pos(w, at), "expected a status name after 'veto='");
      Word value{w.text.substr(at), w.column + to_int(at)};
      Cursor::once(s.veto, c.status(value), c, w);
    } else {
      c.unexpected(w);
    }
    c.skip();
  }
  return s;
}

StatementBody parse_thread_notify(Cursor& c, bool remove) {
  ThreadNotifyStmt s;
  s.remove = remove;
  s.routine = routine_ref(c);
  c.expect_end();
  return s;
}

StatementBody parse_create_process(Cursor& c, bool with_thread) {
  CreateProcessStmt s;
  s.with_thread = with_thread;
  s.name = c.take_name("a process name");
  while (!c.at_end()) {
    const Word& w = c.peek();
    if (const std::size_t at = Cursor::option_value(w, "parent"); at != std::string_view::npos) {
      Cursor::once(s.parent, c.option_name(w, at), c, w);
      c.skip();
    } else if (with_thread && w.text == "as") {
      c.skip();
      Ident t = c.take_name("a thread name after 'as'");
      Cursor::once(s.thread, std::move(t), c, w);
    } else {
      c.unexpected(w);
    }
  }
  return s;
}

StatementBody parse_create_thread(Cursor& c, bool system) {
  CreateThreadStmt s;
  s.system = system;
  if (!system) s.process = c.take_name("a process name");
  while (!c.at_end()) {
    const Word& w = c.peek();
    if (w.text == "as") {
      c.skip();
      Ident t = c.take_name("a thread name after 'as'");
      Cursor::once(s.name, std::move(t), c, w);
    } else if (!system && w.text == "suspended") {
      c.flag_once(s.suspended, w);
      c.skip();
    } else {
      c.unexpected(w);
    }
  }
  return s;
}

StatementBody parse_object_op(Cursor& c, ObjectOpStmt::Op op) {
  ObjectOpStmt s;
  s.op = op;
  s.target = c.take_name(op == ObjectOpStmt::Op::TerminateProcess  ? "a process name"
                         : op == ObjectOpStmt::Op::TerminateThread ? "a thread name"
                                                                   : "a process or thread name");
  c.expect_end();
  return s;
}

StatementBody parse_lookup(Cursor& c, LookupStmt::Api api) {
  LookupStmt s;
  s.api = api;
  if (api == LookupStmt::Api::ProcessThreadByCid) {
    s.first = c.take_id("a process ID");
    s.second = c.take_id("a thread ID");
  } else {
    s.first = c.take_id(api == LookupStmt::Api::ProcessById ? "a process ID" : "a thread ID");
  }
  c.expect_end();
  return s;
}

StatementBody parse_context(Cursor& c) {
  ContextStmt s;
  s.thread = c.take_name("a thread name");
  c.expect_end();
  return s;
}

void take_equals(Cursor& c) {
  const Word& eq = c.take("'='");
  if (eq.text != "=") {
    c.fail(c.pos(eq), fmt::format("expected '=' (separated by blanks), found '{}'", eq.text));
  }
}

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
        std::pair{std::string_view{"thread-notify["}, ps::NotifyKind::Thread}}) {
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
           fmt::format("cannot poke '{}' (expected PROCESS.UniqueProcessId, process-notify[SLOT] "
                       "or thread-notify[SLOT])",
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

struct StatementSyntax;
const std::vector<StatementSyntax>& statement_table();
std::string_view trim(std::string_view s);

// The notify kind word of `break` and `during`, if the next word is one.
std::optional<ps::NotifyKind> optional_kind(Cursor& c) {
  if (c.at_end()) return std::nullopt;
  const std::string_view w = c.peek().text;
  if (w != "process" && w != "thread") return std::nullopt;
  c.skip();
  return w == "process" ? ps::NotifyKind::Process : ps::NotifyKind::Thread;
}

StatementBody parse_during(Cursor& c, const std::vector<Word>& words, std::string_view line);

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

struct StatementSyntax {
  std::string_view keyword;
  std::string_view synopsis;
  std::function<StatementBody(Cursor&)> parse;
};

const std::vector<StatementSyntax>& statement_table() {
  using Api = LookupStmt::Api;
  using Op = ObjectOpStmt::Op;
  static const std::vector<StatementSyntax> table = {
      {"kernel", "kernel VERSION [arch=x86|x64]", parse_kernel},
      {"PsSetCreateProcessNotifyRoutine", "PsSetCreateProcessNotifyRoutine ROUTINE [remove]",
       [](Cursor& c) { return parse_process_notify(c, false); }},
      {"PsSetCreateProcessNotifyRoutineEx",
       "PsSetCreateProcessNotifyRoutineEx ROUTINE [remove] [veto=STATUS_NAME]",
       [](Cursor& c) { return parse_process_notify(c, true); }},
      {"PsSetCreateThreadNotifyRoutine", "PsSetCreateThreadNotifyRoutine ROUTINE",
       [](Cursor& c) { return parse_thread_notify(c, false); }},
      {"PsRemoveCreateThreadNotifyRoutine", "PsRemoveCreateThreadNotifyRoutine ROUTINE",
       [](Cursor& c) { return parse_thread_notify(c, true); }},
      {"NtCreateProcess", "NtCreateProcess NAME [parent=NAME]",
       [](Cursor& c) { return parse_create_process(c, false); }},
      {"NtCreateThread", "NtCreateThread PROCESS [as NAME] [suspended]",
       [](Cursor& c) { return parse_create_thread(c, false); }},
      {"PsCreateSystemThread", "PsCreateSystemThread [as NAME]",
       [](Cursor& c) { return parse_create_thread(c, true); }},
      {"CreateProcess", "CreateProcess NAME [parent=NAME] [as THREAD]",
       [](Cursor& c) { return parse_create_process(c, true); }},
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
      {"context", "context THREAD", parse_context},
      {"let", "let VAR = ID", parse_let},
      {"poke",
       "poke PROCESS.UniqueProcessId = ID | poke process-notify[SLOT] = 0 | "
       "poke thread-notify[SLOT] = 0",
       parse_poke},
      {"audit", "audit", parse_audit},
      {"expect",
       "expect status STATUS_NAME | expect calls ROUTINE N | expect findings [KIND] N | "
       "expect bugcheck CODE",
       parse_expect},
      {"dump", "dump cidtable | dump callbacks | dump process NAME", parse_dump},
      {"break", "break ROUTINE [process|thread]", parse_break},
      {"during", "during ROUTINE [process|thread] STATEMENT", nullptr},
  };
  return table;
}

// The statements `during` can run on the second CPU.
bool runs_during(std::string_view keyword) {
  return keyword == "PsSetCreateProcessNotifyRoutine" ||
         keyword == "PsSetCreateProcessNotifyRoutineEx" ||
         keyword == "PsSetCreateThreadNotifyRoutine" ||
         keyword == "PsRemoveCreateThreadNotifyRoutine";
}

StatementBody parse_during(Cursor& c, const std::vector<Word>& words, std::string_view line) {
  DuringStmt s;
  s.routine = routine_ref(c);
  s.kind = optional_kind(c);
  const Word& keyword = c.take("a registration statement to run while the routine runs");
  if (!runs_during(keyword.text)) {
    c.fail(c.pos(keyword),
           fmt::format("'during' runs a registration or removal (PsSetCreateProcessNotifyRoutine"
                       "[Ex], PsSetCreateThreadNotifyRoutine, PsRemoveCreateThreadNotifyRoutine), "
                       "not '{}'",
                       keyword.text));
  }
  const StatementSyntax* syntax = nullptr;
  for (const auto& t : statement_table()) {
    if (t.keyword == keyword.text) syntax = &t;
  }
  const auto first = std::find_if(words.begin(), words.end(),
                                  [&](const Word& w) { return w.column == keyword.column; });
  const std::vector<Word> inner(first, words.end());
  Cursor sub(inner, c.pos(keyword).line, syntax->synopsis);
  StatementBody body = syntax->parse(sub);
  if (auto* p = std::get_if<ProcessNotifyStmt>(&body)) {
    s.inner = *p;
  } else {
    s.inner = std::get<ThreadNotifyStmt>(body);
  }
  s.inner_pos = c.pos(keyword);
  s.inner_keyword = std::string(keyword.text);
  s.inner_source = std::string(trim(line.substr(static_cast<std::size_t>(keyword.column - 1))));
  while (!c.at_end())
    c.skip();
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool calls_api(const Statement& s) {
  return std::holds_alternative<ProcessNotifyStmt>(s.body) ||
         std::holds_alternative<ThreadNotifyStmt>(s.body) ||
         std::holds_alternative<CreateProcessStmt>(s.body) ||
         std::holds_alternative<CreateThreadStmt>(s.body) ||
         std::holds_alternative<ObjectOpStmt>(s.body) || std::holds_alternative<LookupStmt>(s.body);
}

Parsed parse_scenario(std::string_view text) {
  Parsed out;
  int line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    try {
      const std::vector<Word> words = split_words(line, line_no);
      if (words.empty()) continue;
      const Word& keyword = words.front();
      const StatementSyntax* syntax = nullptr;
      for (const auto& s : statement_table()) {
        if (s.keyword == keyword.text) syntax = &s;
      }
      if (syntax == nullptr) {
        std::string message = fmt::format("unknown statement '{}'", keyword.text);
        for (const auto& s : statement_table()) {
          if (lower(s.keyword) == lower(keyword.text)) {
            message += fmt::format("; did you mean '{}'?", s.keyword);
          }
        }
        throw SyntaxError{{line_no, keyword.column}, std::move(message)};
      }
      Cursor cursor(words, line_no, syntax->synopsis);
      const std::string_view source = trim(line);
      Statement st{{line_no, keyword.column},
                   std::string(keyword.text),
                   std::string(source),
                   syntax->parse ? syntax->parse(cursor) : parse_during(cursor, words, line)};
      out.statements.push_back(std::move(st));
    } catch (const SyntaxError& e) {
      out.errors.push_back({e.pos, e.message});
    }
  }
  return out;
}

Compiled compile_scenario(std::string_view text, const CheckOptions& options) {
  Compiled c;
  Parsed parsed = parse_scenario(text);
  if (!parsed.errors.empty()) {
    c.errors = std::move(parsed.errors);
    return c;
  }
  c.errors = check_scenario(std::move(parsed.statements), options, c.script);
  return c;
}

}  // namespace ntemu::cli
