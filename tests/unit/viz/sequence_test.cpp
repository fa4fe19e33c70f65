// SPDX-License-Identifier: MIT
// viz::sequence_diagram from hand-made events: call chains from the `frames` stamp, activations
// always closed, notify arguments (load-image ones too), Mermaid's special characters escaped,
// the line limit, an unknown event kind kept as a note.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ntemu/viz/sequence.hpp"

using namespace ntemu;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

Event statement(int line, std::string source) {
  return Event{"statement", {}}.add("line", line).add("source", std::move(source));
}

Event notify_image(std::string frames) {
  return Event{"notify", {}}
      .add("kind", "image")
      .add("routine", "edr")
      .add("symbol", "edr!LoadImageNotifyRoutine")
      .add("slot", 0)
      .add("pid", std::uint64_t{0xc})
      .add("image", "\\SystemRoot\\System32\\ntdll.dll")
      .add("base", std::uint64_t{0x410000})
      .add("size", std::uint64_t{0x10000})
      .add("system", false)
      .add("context_pid", std::uint64_t{0xc})
      .add("context_tid", std::uint64_t{0x10})
      .add("cpu", 0)
      .add("frames", std::move(frames));
}

Event call(std::string api, std::string status) {
  return Event{"call", {}}
      .add("line", 2)
      .add("api", std::move(api))
      .add("status", std::move(status));
}

}  // namespace

TEST_CASE("viz/sequence: a kernel event opens its call chain, the call's result closes it") {
  const std::vector<Event> events = {
      Event{"begin", {}}.add("file", "a.ntemu").add("kernel", "xp").add("arch", "x86"),
      statement(2, "CreateProcess notepad"),
      notify_image("ntdll!ZwCreateThread nt!KiSystemService nt!NtCreateThread nt!PspCreateThread "
                   "nt!PspUserThreadStartup"),
      call("NtCreateThread", "STATUS_SUCCESS").add("pid", std::uint64_t{0xc}),
      Event{"end", {}}.add("file", "a.ntemu"),
  };
  const std::string d = viz::sequence_diagram(events);
  CHECK(d.rfind("sequenceDiagram\n%% a.ntemu: xp x86\nparticipant T0 as system_thread\n", 0) == 0);
  CHECK(d.find("T0->>+K1: NtCreateThread (via ntdll!ZwCreateThread → nt!KiSystemService)") !=
        std::string::npos);
  CHECK(d.find("K1->>+K2: PspCreateThread") != std::string::npos);
  CHECK(d.find("K2->>+K3: PspUserThreadStartup") != std::string::npos);
  CHECK(d.find("K3->>R4: (\\SystemRoot\\System32\\ntdll.dll, ProcessId 0xc, ImageBase 0x410000, "
               "ImageSize 0x10000) on Cid 000c.0010") != std::string::npos);
  CHECK(d.find("K1-->>-T0: STATUS_SUCCESS pid=0xc") != std::string::npos);
  CHECK(count(d, "->>+") == count(d, "-->>-") + count(d, "\ndeactivate "));
}

TEST_CASE("viz/sequence: Mermaid's special characters are escaped, unknown kinds kept as notes") {
  const std::vector<Event> events = {
      statement(1, "poke a; b #1"),
      Event{"frobnicate", {}}.add("answer", std::uint64_t{42}),
  };
  const std::string d = viz::sequence_diagram(events);
  CHECK(d.find("line 1: poke a#59; b #35;1") != std::string::npos);
  CHECK(d.find("Note over T0: frobnicate answer=0x2a") != std::string::npos);
}

TEST_CASE("viz/sequence: past the line limit, events are counted in a last note") {
  std::vector<Event> events;
  for (int i = 1; i <= 50; ++i)
    events.push_back(Event{"note", {}}.add("message", "m"));
  viz::SequenceOptions options;
  options.max_lines = 10;
  const std::string d = viz::sequence_diagram(events, options);
  CHECK(count(d, "Note over T0: note: m") == 10);
  CHECK(d.find("40 more events not drawn (the diagram stops at 10 lines") != std::string::npos);
}
