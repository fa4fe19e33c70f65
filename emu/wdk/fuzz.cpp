// SPDX-License-Identifier: MIT
// ntemu::fuzz::run_driver (ntemu/fuzz.hpp): fuzz bytes → a sequence of harness calls around a
// loaded driver. Each step reads an operation byte and an argument byte; objects are named by
// the order they were made (p1, p2… for processes, their threads p1.thread, t3…), so the
// sequence prints as the C++ test that replays it. Every object made stays pickable after it
// ends (its tombstone answers), so steps on dead processes and closed threads are part of what
// is explored.
#include "ntemu/fuzz.hpp"

#include <array>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ntemu/harness.hpp"

namespace ntemu::fuzz {
namespace {

constexpr std::array<const char*, 8> kImages = {"notepad.exe",
                                                "cmd.exe",
                                                "svchost.exe",
                                                "explorer.exe",
                                                "a.exe",
                                                "b.exe",
                                                "a-very-long-name-indeed.exe",
                                                "x"};
constexpr std::array<const char*, 4> kDlls = {"kernel32.dll", "user32.dll", "ws2_32.dll",
                                              "evil.dll"};
constexpr std::array<const char*, 3> kDrivers = {"beep.sys", "null.sys", "other.sys"};

// The bytes of one input, read front to back; 0 once they run out.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t next() { return at_ < size_ ? data_[at_++] : std::uint8_t{0}; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

struct Named {
  std::string name;  // its name in the replay
  ob::Object* object = nullptr;
};

class Run {
 public:
  Run(PDRIVER_INITIALIZE entry, const Options& options, Profile profile)
      : entry_(entry), options_(options), h_(std::move(profile)) {}

  // Runs the decoded steps, then the teardown; the outcome's steps and findings are filled in.
  void run(Bytes& in, Outcome& out) {
    try {
      load(out);
      for (std::size_t i = 0; i < options_.max_steps && !in.empty(); ++i)
        step(in, out);
      teardown(out);
    } catch (const BugCheck& b) {
      out.findings = h_.audit();
      out.findings.push_back({verify::FindingKind::Bugcheck,
                              fmt::format("the machine crashed: {}", b.what()), b.code(), 0,
                              out.steps.empty() ? std::string{} : out.steps.back()});
      return;
    } catch (const std::exception& e) {
      out.findings = h_.audit();
      out.findings.push_back({verify::FindingKind::HostException,
                              fmt::format("the run failed on the host: {}", e.what()), 0, 0,
                              out.steps.empty() ? std::string{} : out.steps.back()});
      return;
    }
    out.findings = h_.audit();
  }

 private:
  // Labels the step (findings name it) and records it for the replay.
  void record(Outcome& out, std::string call) {
    h_.set_step(call);
    out.steps.push_back(std::move(call));
  }

  void load(Outcome& out) {
    record(out, fmt::format("h.load(&DriverEntry, \"{}\");", options_.driver_name));
    if (options_.reset != nullptr) options_.reset();
    loaded_ = ::NT_SUCCESS(h_.load(entry_, options_.driver_name));
  }

  const Named* pick(const std::vector<Named>& from, std::uint8_t b) const {
    return from.empty() ? nullptr : &from[b % from.size()];
  }
  ps::Process& process(const Named& n) { return static_cast<ps::Process&>(*n.object); }
  ps::Thread& thread(const Named& n) { return static_cast<ps::Thread&>(*n.object); }

  void start_process(std::uint8_t b, std::uint8_t parent_byte, Outcome& out) {
    const char* image = kImages[b % kImages.size()];
    const Named* parent = (parent_byte & 1) != 0 ? pick(processes_, parent_byte / 2) : nullptr;
    const std::string name = fmt::format("p{}", processes_.size() + 1);
    record(out, parent != nullptr ? fmt::format("auto {} = h.start_process(\"{}\", {}.process);",
                                                name, image, parent->name)
                                  : fmt::format("auto {} = h.start_process(\"{}\");", name, image));
    const Harness::Started s =
        h_.start_process(image, parent != nullptr ? &process(*parent) : nullptr);
    if (s.process != nullptr) processes_.push_back({name, s.process});
    if (s.thread != nullptr) threads_.push_back({name + ".thread", s.thread});
  }

  void create_thread(std::uint8_t b, Outcome& out) {
    const Named* p = pick(processes_, b);
    if (p == nullptr) return;
    const std::string name = fmt::format("t{}", threads_.size() + 1);
    record(out, fmt::format("auto {} = h.create_thread(*{}.process);", name, p->name));
    const Kernel::ThreadCreated t = h_.create_thread(process(*p));
    if (t.thread != nullptr) threads_.push_back({name + ".thread", t.thread});
  }

  void load_image(std::uint8_t b, std::uint8_t dll, Outcome& out) {
    const Named* p = pick(processes_, b);
    if (p == nullptr) return;
    const char* image = kDlls[dll % kDlls.size()];
    record(out, fmt::format("h.load_image(*{}.process, \"{}\");", p->name, image));
    static_cast<void>(h_.load_image(process(*p), image));
  }

  void reload(Outcome& out) {
    if (loaded_) {
      record(out, "h.unload();");
      loaded_ = h_.unload() == ::STATUS_NOT_SUPPORTED;  // no DriverUnload: it stays
      return;
    }
    load(out);
  }

  void step(Bytes& in, Outcome& out) {
    const std::uint8_t op = in.next();
    const std::uint8_t arg = in.next();
    switch (op % 10) {
      case 0:
        return start_process(arg, in.next(), out);
      case 1:
        return create_thread(arg, out);
      case 2:
        if (const Named* t = pick(threads_, arg)) {
          record(out, fmt::format("h.terminate_thread(*{});", t->name));
          static_cast<void>(h_.terminate_thread(thread(*t)));
        }
        return;
      case 3:
        if (const Named* p = pick(processes_, arg)) {
          record(out, fmt::format("h.terminate_process(*{}.process);", p->name));
          static_cast<void>(h_.terminate_process(process(*p)));
        }
        return;
      case 4:
        if (const Named* t = pick(threads_, arg)) {
          record(out, fmt::format("h.close(*{});", t->name));
          static_cast<void>(h_.close(*t->object));
        }
        return;
      case 5:
        if (const Named* p = pick(processes_, arg)) {
          record(out, fmt::format("h.exit_process(*{}.process);", p->name));
          static_cast<void>(h_.exit_process(process(*p)));
        }
        return;
      case 6:
        return load_image(arg, in.next(), out);
      case 7: {
        const char* image = kDrivers[arg % kDrivers.size()];
        record(out, fmt::format("h.load_system_image(\"{}\");", image));
        static_cast<void>(h_.load_system_image(image));
        return;
      }
      case 8:
        return reload(out);
      default:
        if (const Named* p = pick(processes_, arg)) {
          record(out, fmt::format("h.close(*{}.process);", p->name));
          static_cast<void>(h_.close(*p->object));
        }
        return;
    }
  }

  // Every process ends and the driver unloads, as at the end of a test.
  void teardown(Outcome& out) {
    for (const Named& p : processes_) {
      record(out, fmt::format("h.exit_process(*{}.process);", p.name));
      static_cast<void>(h_.exit_process(process(p)));
    }
    if (loaded_) {
      record(out, "h.unload();");
      static_cast<void>(h_.unload());
    }
  }

  PDRIVER_INITIALIZE entry_;
  const Options& options_;
  Harness h_;
  bool loaded_ = false;
  std::vector<Named> processes_;
  std::vector<Named> threads_;
};

std::vector<Profile> every_profile() {
  std::vector<Profile> out;
  for (KernelVersion v : {KernelVersion::Win2000, KernelVersion::Xp, KernelVersion::Server2003,
                          KernelVersion::Vista}) {
    for (Arch a : {Arch::X86, Arch::X64})
      out.push_back(Profile::make(v, a).value());
  }
  return out;
}

}  // namespace

std::string Outcome::replay_preamble() const {
  return fmt::format("ntemu::Harness h(ntemu::Profile::{}(ntemu::Arch::{}));",
                     to_string(profile.version), profile.arch == Arch::X86 ? "X86" : "X64");
}

std::string Outcome::report() const {
  std::string text =
      fmt::format("{} finding{} on {} {} after {} step{}\n", findings.size(),
                  findings.size() == 1 ? "" : "s", to_string(profile.version),
                  to_string(profile.arch), steps.size(), steps.size() == 1 ? "" : "s");
  for (const Kernel::Finding& f : findings) {
    text += fmt::format("  {} at `{}`: {}\n", verify::to_string(f.kind), f.step, f.detail);
  }
  text += "replay:\n  " + replay_preamble() + "\n";
  for (const std::string& s : steps)
    text += "  " + s + "\n";
  return text;
}

Outcome run_driver(PDRIVER_INITIALIZE entry, const std::uint8_t* data, std::size_t size,
                   const Options& options) {
  static const std::vector<Profile> kEvery = every_profile();
  const std::vector<Profile>& profiles = options.profiles.empty() ? kEvery : options.profiles;
  Bytes in(data, size);
  Outcome out;
  out.profile = profiles[in.next() % profiles.size()];
  Run run(entry, options, out.profile);
  run.run(in, out);
  return out;
}

}  // namespace ntemu::fuzz
