// SPDX-License-Identifier: MIT
// The parsers of the kernel-API statements (statement_parsers.hpp).
#include "statement_parsers.hpp"

namespace ntemu::cli::syntax {

StatementBody parse_kernel(Cursor& c) {
  KernelStmt s;
  const Word& v = c.take("a kernel version");
  s.version = Ident{std::string(v.text), c.pos(v)};
  if (auto parsed = parse_kernel_version(v.text)) {
    s.parsed_version = *parsed;
  } else {
    c.fail(c.pos(v),
           fmt::format("unknown kernel version '{}' (expected {})", v.text, kernel_version_list()));
  }
  while (!c.at_end()) {
    const Word& w = c.peek();
    if (const std::size_t r = Cursor::option_value(w, "release"); r != std::string_view::npos) {
      if (r >= w.text.size()) c.fail(c.pos(w, r), "expected a Windows 10 release after 'release='");
      Cursor::once(s.release, c.number(w, r, w.text.substr(r)), c, w);
      s.release_pos = c.pos(w, r);
      c.skip();
      continue;
    }
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

namespace {
// `API ROUTINE`: the thread and load-image registrations and removals.
template <class Stmt>
StatementBody parse_routine_only(Cursor& c, bool remove) {
  Stmt s;
  s.remove = remove;
  s.routine = routine_ref(c);
  c.expect_end();
  return s;
}
}  // namespace

StatementBody parse_thread_notify(Cursor& c, bool remove) {
  return parse_routine_only<ThreadNotifyStmt>(c, remove);
}

StatementBody parse_image_notify(Cursor& c, bool remove) {
  return parse_routine_only<ImageNotifyStmt>(c, remove);
}

StatementBody parse_create_process(Cursor& c, bool with_thread, bool user_process) {
  CreateProcessStmt s;
  s.with_thread = with_thread;
  s.user_process = user_process;
  s.name = c.take_name("a process name");
  while (!c.at_end()) {
    const Word& w = c.peek();
    if (const std::size_t at = Cursor::option_value(w, "parent"); at != std::string_view::npos) {
      Cursor::once(s.parent, c.option_name(w, at), c, w);
      c.skip();
    } else if (const std::size_t image = Cursor::option_value(w, "image");
               image != std::string_view::npos) {
      Cursor::once(s.image, c.text(w, image, "an image path after 'image='"), c, w);
      c.skip();
    } else if (const std::size_t cmd = Cursor::option_value(w, "cmdline");
               cmd != std::string_view::npos) {
      Cursor::once(s.command_line, c.text(w, cmd, "a command line after 'cmdline='"), c, w);
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

StatementBody parse_load_image(Cursor& c, bool driver) {
  LoadImageStmt s;
  s.driver = driver;
  if (!driver) s.process = c.take_name("a process name");
  const Word& image = c.take("an image name or path");
  s.image = c.text(image, 0, "an image name or path");
  while (!c.at_end()) {
    const Word& w = c.peek();
    const std::size_t at = Cursor::option_value(w, "size");
    if (at == std::string_view::npos) c.unexpected(w);
    if (at >= w.text.size()) c.fail(c.pos(w, at), "expected a size in bytes after 'size='");
    Cursor::once(s.size, c.number(w, at, w.text.substr(at)), c, w);
    s.size_pos = c.pos(w, at);
    c.skip();
  }
  return s;
}

namespace {
// `NAME=MASK`: an ACCESS_MASK, 32 bits.
std::uint32_t access_mask(const Cursor& c, const Word& w, std::size_t at) {
  if (at >= w.text.size()) c.fail(c.pos(w, at), "expected an access mask after '='");
  const std::uint64_t v = c.number(w, at, w.text.substr(at));
  if (v > 0xFFFFFFFFU) c.fail(c.pos(w, at), "an access mask has 32 bits");
  return static_cast<std::uint32_t>(v);
}
}  // namespace

StatementBody parse_ob_callbacks(Cursor& c, bool remove) {
  ObCallbackStmt s;
  s.remove = remove;
  s.routine = routine_ref(c);
  while (!remove && !c.at_end()) {
    const Word& w = c.peek();
    if (w.text == "process") {
      c.flag_once(s.process, w);
    } else if (w.text == "thread") {
      c.flag_once(s.thread, w);
    } else if (w.text == "create") {
      c.flag_once(s.create, w);
    } else if (w.text == "duplicate") {
      c.flag_once(s.duplicate, w);
    } else if (const std::size_t at = Cursor::option_value(w, "altitude");
               at != std::string_view::npos) {
      Cursor::once(s.altitude, c.text(w, at, "an altitude after 'altitude='"), c, w);
    } else if (const std::size_t strip = Cursor::option_value(w, "strip");
               strip != std::string_view::npos) {
      Cursor::once(s.strip, access_mask(c, w, strip), c, w);
    } else {
      c.unexpected(w);
    }
    c.skip();
  }
  c.expect_end();
  return s;
}

StatementBody parse_lookup(Cursor& c, LookupStmt::Api api) {
  LookupStmt s;
  s.api = api;
  if (api == LookupStmt::Api::ProcessThreadByCid) {
    s.first = c.take_id("a process ID");
    s.second = c.take_id("a thread ID");
  } else if (api == LookupStmt::Api::OpenProcess || api == LookupStmt::Api::OpenThread) {
    // One ID is the PID (NtOpenProcess) or the TID (NtOpenThread); two are PID and TID.
    const bool process = api == LookupStmt::Api::OpenProcess;
    IdExpr one =
        c.take_id(process ? "a process ID" : "a thread ID (or a process ID and a thread ID)");
    std::optional<IdExpr> two;
    while (!c.at_end()) {
      const Word& w = c.peek();
      if (const std::size_t at = Cursor::option_value(w, "access"); at != std::string_view::npos) {
        Cursor::once(s.access, access_mask(c, w, at), c, w);
        c.skip();
      } else if (!two && !s.access) {
        two = c.take_id("a thread ID");
      } else {
        c.unexpected(w);
      }
    }
    if (two) {
      s.both = true;
      s.first = std::move(one);
      s.second = std::move(*two);
    } else if (process) {
      s.first = std::move(one);
    } else {
      s.second = std::move(one);
    }
    return s;
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

}  // namespace ntemu::cli::syntax
