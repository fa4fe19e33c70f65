// SPDX-License-Identifier: MIT
// The kd session's run: the file's statements one by one on the Runner, with a prompt wherever
// the machine stops — before a statement (`p`, the start), at a modeled routine's entry (`t`, a
// breakpoint: told by the shadow stack's FrameObserver), inside a driver routine's body (the
// Runner's RoutineBodyHook), after a finding a breakpoint watches for, and at the end of the
// file. A stop is a nested prompt on the scenario's own host thread: the kernel call it
// interrupts simply has not returned yet, so every inspection reads the machine as it is there.
#include <cstdio>
#include <utility>

#include <fmt/format.h>

#include "kd_session.hpp"
#include "kd_session_impl.hpp"

namespace ntemu::cli::kd {

int run_session(std::string_view text, const CheckOptions& options, const std::string& label,
                const Streams& io) {
  Session session(text, options, label, io);
  return session.run();
}

Session::Session(std::string_view text, const CheckOptions& options, std::string label,
                 const Streams& io)
    : text_(text),
      options_(options),
      label_(std::move(label)),
      io_(io),
      output_(io.out),
      reader_(io.in, io.out) {}

void Session::say(std::string_view text) {
  if (mode_ == Mode::Quit || mode_ == Mode::Restart) return;
  std::fwrite(text.data(), 1, text.size(), io_.out);
  std::fputc('\n', io_.out);
}

void Session::error(std::string_view text) {
  say(fmt::format("error: {}", text));
}

void Session::emit(const Event& e) {
  if (mode_ == Mode::Quit || mode_ == Mode::Restart) return;
  // A `bp finding` stops once per finding: when it is first reported — raised while running,
  // or found by an audit. Audits list the earlier ones again; those do not stop.
  if (e.name == "finding" &&
      seen_findings_.insert(fmt::format("{} {}", e.text("kind"), e.text("detail"))).second &&
      !pending_finding_) {
    for (const Breakpoint& b : breakpoints_) {
      if (b.finding && b.symbol == e.text("kind")) {
        pending_finding_ = fmt::format("Breakpoint {} hit: finding {}", b.number, b.symbol);
        break;
      }
    }
  }
  output_.emit(e);
}

std::optional<std::string> Session::take_pending_finding() {
  return std::exchange(pending_finding_, std::nullopt);
}

int Session::run() {
  bool first = true;
  while (run_once(first)) {
    first = false;
    mode_ = Mode::StepOver;
    say(fmt::format(".restart: {} again on a fresh kernel", label_));
  }
  const int rc = runner_ ? runner_->outcome().exit_code() : kExitOk;
  runner_.reset();
  if (std::fflush(io_.out) != 0 || std::ferror(io_.out) != 0) {
    std::fprintf(io_.err, "ntemu: error: cannot write the output\n");
    return kExitError;
  }
  return rc;
}

bool Session::run_once(bool first) {
  // The file again, checked as ntemu kd's caller checked it (so without error), and a
  // checker for what is typed at the prompt.
  runner_.reset();
  typed_.clear();
  script_ = std::make_unique<Script>();
  checker_ = std::make_unique<ScenarioChecker>(options_, *script_);
  checker_->check_file(parse_scenario(text_).statements);
  if (first) {
    say(fmt::format("ntemu kd: {} ({} {}); .help lists the commands", label_,
                    to_string(script_->version), to_string(script_->arch)));
  }
  runner_ = std::make_unique<Runner>(*script_, label_, *this);
  runner_->set_body_hook(this);
  runner_->start();
  {
    dbg::FrameObserverScope observing(*this);
    stops_allowed_ = true;
    for (const Statement& s : script_->statements) {
      if (std::holds_alternative<KernelStmt>(s.body)) continue;
      if (mode_ == Mode::Quit || mode_ == Mode::Restart) break;
      where_ = fmt::format("line {}: {}", s.pos.line, s.source);
      std::optional<std::string> hit = take_pending_finding();
      if (hit || mode_ != Mode::Go) stop_at({Stop::Where::Boundary, &s}, hit.value_or(""));
      if (mode_ == Mode::Quit || mode_ == Mode::Restart) break;
      runner_->execute(s);
    }
    if (mode_ != Mode::Quit && mode_ != Mode::Restart) {
      where_ = "end of file";
      if (std::optional<std::string> hit = take_pending_finding()) {
        stop_at({Stop::Where::Boundary, nullptr}, *hit);
      }
    }
    if (mode_ != Mode::Quit && mode_ != Mode::Restart) {
      runner_->finish();
      stop_at({Stop::Where::End, nullptr}, take_pending_finding().value_or(""));
    }
    stops_allowed_ = false;
  }
  runner_->teardown();
  pending_finding_.reset();
  seen_findings_.clear();
  return mode_ == Mode::Restart;
}

void Session::stop_at(const Stop& stop, std::string heading) {
  if (!heading.empty()) say(heading);
  switch (stop.where) {
    case Stop::Where::Boundary:
      say(stop.next != nullptr ? where_ : "end of file: next, the automatic audit");
      break;
    case Stop::Where::End:
      say("end of file: the run is over (.restart runs it again, q ends the session)");
      break;
    case Stop::Where::Frame:
    case Stop::Where::Routine:
      break;  // the caller said where
  }
  prompt(stop);
}

void Session::prompt(const Stop& stop) {
  in_prompt_ = true;
  struct Leave {
    bool& flag;
    ~Leave() { flag = false; }
  } leave{in_prompt_};
  for (;;) {
    std::fflush(io_.out);
    const std::optional<std::string> line = reader_.read("kd> ");
    if (!line) {  // the end of the input ends the session, as q does
      mode_ = Mode::Quit;
      return;
    }
    if (reader_.truncated()) {
      error(fmt::format("line too long (at most {} bytes): ignored", LineReader::kMaxLine));
      continue;
    }
    if (command(*line, stop)) return;
  }
}

void Session::frame_entered(const dbg::Frame& frame, std::size_t /*depth*/) {
  if (!stops_allowed_ || in_prompt_ || mode_ == Mode::Quit || mode_ == Mode::Restart) return;
  // CPU 1 runs a `during` statement: stopping here would let it go on under the debugger.
  if (runner_->racing()) return;
  // A driver routine stops in its body, where the kernel's call into it is complete.
  if (is_driver(frame.module)) return;
  const std::string symbol = fmt::format("{}!{}", frame.module, frame.function);
  std::string heading;
  if (std::optional<std::string> hit = take_pending_finding()) {
    heading = std::move(*hit);
  } else if (const Breakpoint* b = routine_breakpoint(symbol)) {
    heading = fmt::format("Breakpoint {} hit", b->number);
  } else if (mode_ != Mode::StepInto) {
    return;
  }
  if (!heading.empty()) say(heading);
  say(fmt::format("{}: entered, in {}", symbol, where_));
  stop_at({Stop::Where::Frame, nullptr}, "");
}

void Session::routine_body(const RoutineCall&, const std::string& symbol,
                           const std::string& arguments) {
  if (!stops_allowed_ || in_prompt_ || mode_ == Mode::Quit || mode_ == Mode::Restart) return;
  if (runner_->racing()) return;
  std::string heading;
  if (std::optional<std::string> hit = take_pending_finding()) {
    heading = std::move(*hit);
  } else if (const Breakpoint* b = routine_breakpoint(symbol)) {
    heading = fmt::format("Breakpoint {} hit", b->number);
  } else if (mode_ != Mode::StepInto) {
    return;
  }
  if (!heading.empty()) say(heading);
  say(fmt::format("{}: {}", symbol, arguments));
  stop_at({Stop::Where::Routine, nullptr}, "");
}

}  // namespace ntemu::cli::kd
