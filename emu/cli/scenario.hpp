// SPDX-License-Identifier: MIT
/// \file
/// The syntax tree of a scenario file (`.ntemu`), as the parser builds it and the checker
/// completes it (docs/scenario-language.md). One `Statement` per non-empty line.
///
/// The parser fills the spelled parts (names, numbers, positions); the checker resolves every
/// name to a `Symbol` or routine index and fills the `symbol`/`index` members, so the runner
/// never looks a name up by text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ntemu/profile.hpp"
#include "ntemu/ps/notify_routine.hpp"
#include "ntemu/support/arch.hpp"
#include "ntemu/support/result.hpp"
#include "ntemu/support/status.hpp"
#include "ntemu/verify/finding.hpp"

namespace ntemu::cli {

/// A 1-based line and byte column in the scenario text.
struct Pos {
  int line = 0;
  int column = 0;
  friend bool operator==(const Pos&, const Pos&) = default;
};

/// One error found while parsing or checking a file.
struct Diagnostic {
  Pos pos;
  std::string message;
};

/// A name as spelled in the file.
struct Ident {
  std::string text;
  Pos pos;
};

/// "No symbol": an unresolved name, or "the current process" for an omitted `parent=`.
inline constexpr int kNoSymbol = -1;

/// A named thing of the scenario: a process, a thread or a variable (one namespace).
struct Symbol {
  enum class Kind : std::uint8_t { Process, Thread, Variable };
  /// Boot objects the runner binds before the first statement.
  enum class Boot : std::uint8_t { None, SystemProcess, SystemThread, IdleProcess, IdleThread };
  std::string name;
  Kind kind = Kind::Variable;
  Boot boot = Boot::None;
  Pos defined;              ///< {0, 0} for predefined names
  int process = kNoSymbol;  ///< Thread: the process it was created in
};

/// A routine position: a recording routine's name, or `null`.
struct RoutineRef {
  Ident name;
  int index = kNoSymbol;  ///< checker: index into Script::routines; kNoSymbol for `null`
  bool is_null() const { return name.text == "null"; }
};

/// An ID expression: NUMBER | VAR | NAME.pid | NAME.tid, optionally followed by `+N` or `|N`
/// (an extension, to reach the tag bits of a handle value: `System.pid+3`).
struct IdExpr {
  enum class Kind : std::uint8_t { Number, Variable, Pid, Tid };
  enum class Op : std::uint8_t { None, Plus, Or };
  Kind kind = Kind::Number;
  std::uint64_t number = 0;  ///< Number
  Ident name;                ///< Variable, Pid, Tid: the name part
  Pos field_pos;             ///< Pid, Tid: where the field after the dot starts
  Op op = Op::None;
  std::uint64_t operand = 0;
  Pos pos;                 ///< start of the whole expression
  int symbol = kNoSymbol;  ///< checker
};

// --- statements ------------------------------------------------------------------------------

struct KernelStmt {
  Ident version;
  KernelVersion parsed_version = KernelVersion::Win2000;
  std::optional<Ident> arch;
  Arch parsed_arch = Arch::X86;
  std::optional<std::uint64_t> release;  ///< `release=N` (win10 only: 1507, 1703, 1709, …)
  Pos release_pos;
};

/// PsSetCreateProcessNotifyRoutine / PsSetCreateProcessNotifyRoutineEx.
struct ProcessNotifyStmt {
  RoutineRef routine;
  bool remove = false;
  bool ex = false;
  std::optional<Status> veto;
};

/// PsSetCreateThreadNotifyRoutine / PsRemoveCreateThreadNotifyRoutine.
struct ThreadNotifyStmt {
  RoutineRef routine;
  bool remove = false;
};

/// PsSetLoadImageNotifyRoutine / PsRemoveLoadImageNotifyRoutine.
struct ImageNotifyStmt {
  RoutineRef routine;
  bool remove = false;
};

/// A text option's value as written (`image=PATH`, `cmdline="…"`), quotes taken out.
struct TextOption {
  std::string text;
  Pos pos;
};

/// NtCreateProcess, and CreateProcess (`with_thread`: NtCreateProcess then NtCreateThread).
struct CreateProcessStmt {
  Ident name;
  std::optional<Ident> parent;
  std::optional<TextOption> image;         ///< the full image path (default: System32\NAME)
  std::optional<TextOption> command_line;  ///< default: NAME
  bool with_thread = false;
  bool user_process = false;    ///< NtCreateUserProcess (Vista+): both in one call
  std::optional<Ident> thread;  ///< CreateProcess / NtCreateUserProcess `as THREAD`
  int symbol = kNoSymbol;
  int parent_symbol = kNoSymbol;  ///< kNoSymbol: the current process
  int thread_symbol = kNoSymbol;  ///< CreateProcess: the first thread (named or automatic)
};

/// NtCreateThread, and PsCreateSystemThread (`system`).
struct CreateThreadStmt {
  std::optional<Ident> process;  ///< absent for PsCreateSystemThread
  std::optional<Ident> name;
  bool system = false;
  bool suspended = false;
  int process_symbol = kNoSymbol;
  int symbol = kNoSymbol;  ///< the new thread (named or automatic)
};

/// NtTerminateThread THREAD, NtTerminateProcess PROCESS, NtClose NAME (a process or thread the
/// scenario created: the runner closes the handle it recorded at that creation).
struct ObjectOpStmt {
  enum class Op : std::uint8_t { TerminateThread, TerminateProcess, Close };
  Op op = Op::Close;
  Ident target;
  int symbol = kNoSymbol;
};

/// LoadImage PROCESS IMAGE [size=N] (an image mapped into a process, as the loader maps a DLL)
/// and LoadDriver IMAGE [size=N] (a driver image loaded into system space).
struct LoadImageStmt {
  bool driver = false;
  std::optional<Ident> process;  ///< LoadImage: the process mapped into
  TextOption image;              ///< as written: a file name or a full path
  std::optional<std::uint64_t> size;
  Pos size_pos;
  int process_symbol = kNoSymbol;
};

/// The lookups, and NtOpenProcess / NtOpenThread by client ID (`NtOpenProcess PID [TID]`,
/// `NtOpenThread [PID] TID`).
struct LookupStmt {
  enum class Api : std::uint8_t {
    ProcessById,
    ThreadById,
    ProcessThreadByCid,
    OpenProcess,
    OpenThread
  };
  Api api = Api::ProcessById;
  IdExpr first;                         ///< the ID; for ByCid and a two-ID open the process part
  IdExpr second;                        ///< ByCid and a two-ID open: the thread part
  bool both = false;                    ///< an open given both IDs
  std::optional<std::uint32_t> access;  ///< an open's `access=MASK` (default MAXIMUM_ALLOWED)
};

/// ObRegisterCallbacks ROUTINE [altitude=TEXT] [process] [thread] [create] [duplicate]
/// [strip=MASK] and ObUnRegisterCallbacks ROUTINE (an extension, Vista and later): the
/// routine's pre- and post-operation callbacks for process and thread handles.
struct ObCallbackStmt {
  RoutineRef routine;
  bool remove = false;
  std::optional<TextOption> altitude;  ///< default kDefaultAltitude
  bool process = false;                ///< neither `process` nor `thread`: both
  bool thread = false;
  bool create = false;  ///< neither `create` nor `duplicate`: both
  bool duplicate = false;
  std::optional<std::uint32_t> strip;  ///< the rights the pre routine clears from DesiredAccess
  static constexpr const char* kDefaultAltitude = "320000";
};

struct ContextStmt {
  Ident thread;
  int symbol = kNoSymbol;
};

struct LetStmt {
  Ident var;
  IdExpr value;
  int symbol = kNoSymbol;
};

/// poke PROCESS.UniqueProcessId = ID
struct PokePidStmt {
  Ident process;
  IdExpr value;
  int symbol = kNoSymbol;
};

/// poke process-notify[SLOT] = 0 / poke thread-notify[SLOT] = 0 / poke image-notify[SLOT] = 0
struct PokeSlotStmt {
  ps::NotifyKind kind = ps::NotifyKind::Process;
  std::uint64_t slot = 0;
  Pos slot_pos;
  std::uint64_t value = 0;
  Pos value_pos;
};

struct AuditStmt {};

struct ExpectStatusStmt {
  Status status;
  Pos status_pos;
};

struct ExpectCallsStmt {
  RoutineRef routine;
  std::uint64_t count = 0;
};

/// expect findings [KIND] N (an extension): the most recent audit reported N findings (of KIND).
struct ExpectFindingsStmt {
  std::optional<verify::FindingKind> kind;  ///< absent: all kinds together
  std::uint64_t count = 0;
};

/// expect bugcheck CODE (an extension): the machine has stopped with this bugcheck code by now.
/// Reached while the machine runs, it fails; after a bugcheck it is the one statement still
/// checked, and a matching one makes the bugcheck an expected result.
struct ExpectBugcheckStmt {
  std::uint32_t code = 0;
  Pos code_pos;
};

struct DumpStmt {
  enum class What : std::uint8_t { CidTable, Callbacks, Process };
  What what = What::CidTable;
  std::optional<Ident> process;
  int symbol = kNoSymbol;
};

/// snapshot [LABEL] (an extension): the machine's state now, for the pictures (`--format dot`
/// draws one graph per snapshot); a `snapshot` event in every format.
struct SnapshotStmt {
  std::optional<Ident> label;
};

/// break ROUTINE [process|thread|image] (an extension): from now on every call of the routine (of
/// that kind only, if given) stops in the "debugger", which reports the call and its stack (`kb`).
struct BreakStmt {
  RoutineRef routine;
  std::optional<ps::NotifyKind> kind;
};

/// during ROUTINE [process|thread|image] STATEMENT (an extension): arms a one-shot race. At the
/// next call of the routine (of that kind only, if given), while it is in flight, STATEMENT — a
/// registration or removal — runs on a second CPU (another host thread, as the first system
/// thread, the context a driver's unload runs in). The routine returns once the statement has
/// returned or is blocked waiting for it.
struct DuringStmt {
  RoutineRef routine;
  std::optional<ps::NotifyKind> kind;
  Pos inner_pos;              ///< the inner statement's keyword
  std::string inner_keyword;  ///< as spelled
  std::string inner_source;   ///< the inner statement's text
  std::variant<ProcessNotifyStmt, ThreadNotifyStmt, ImageNotifyStmt> inner;
};

using StatementBody =
    std::variant<KernelStmt, ProcessNotifyStmt, ThreadNotifyStmt, ImageNotifyStmt,
                 CreateProcessStmt, CreateThreadStmt, ObjectOpStmt, LoadImageStmt, LookupStmt,
                 ContextStmt, LetStmt, PokePidStmt, PokeSlotStmt, AuditStmt, ExpectStatusStmt,
                 ExpectCallsStmt, ExpectFindingsStmt, ExpectBugcheckStmt, DumpStmt, SnapshotStmt,
                 BreakStmt, DuringStmt, ObCallbackStmt>;

struct Statement {
  Pos pos;              ///< the statement word
  std::string keyword;  ///< the statement word as spelled ("NtCreateProcess")
  std::string source;   ///< the line without comment and surrounding blanks
  StatementBody body;
};

/// True for statements that call a kernel API and so set the status `expect status` checks.
bool calls_api(const Statement& s);

/// A parsed and checked file, ready to run.
struct Script {
  std::vector<Statement> statements;
  std::vector<Symbol> symbols;        ///< predefined names first
  std::vector<std::string> routines;  ///< recording routines, in order of first mention
  KernelVersion version = KernelVersion::Win2000;
  Arch arch = Arch::X86;
  std::uint16_t release = 0;  ///< win10's release; 0: Profile::kLatestWin10Release
};

/// The profile a checked script runs on: its version and architecture, and win10's release.
inline Result<Profile> profile_of(const Script& s) {
  if (s.version == KernelVersion::Win10 && s.release != 0) return Profile::win10(s.arch, s.release);
  return Profile::make(s.version, s.arch);
}

}  // namespace ntemu::cli
