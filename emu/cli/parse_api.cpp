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

StatementBody parse_image_notify(Cursor& c, bool remove) {
  ImageNotifyStmt s;
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

}  // namespace ntemu::cli::syntax
