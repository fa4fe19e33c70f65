// SPDX-License-Identifier: MIT
// `ntemu explore --merge` (explore_merge.hpp): the shards' jsonl reports read back and merged.
#include "explore_merge.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "explore_options.hpp"

namespace ntemu::cli {
namespace {

void append_utf8(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6U));
    out += static_cast<char>(0x80 | (c & 0x3FU));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12U));
    out += static_cast<char>(0x80 | ((c >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (c & 0x3FU));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18U));
    out += static_cast<char>(0x80 | ((c >> 12U) & 0x3FU));
    out += static_cast<char>(0x80 | ((c >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (c & 0x3FU));
  }
}

struct Reader {
  std::string_view s;
  std::size_t i = 0;
  void blank() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
      ++i;
  }
  bool eat(char c) {
    blank();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool hex4(std::uint32_t& v) {
    if (i + 4 > s.size()) return false;
    const auto r = std::from_chars(s.data() + i, s.data() + i + 4, v, 16);
    if (r.ptr != s.data() + i + 4) return false;
    i += 4;
    return true;
  }
  bool string(std::string& out) {
    if (!eat('"')) return false;
    while (i < s.size() && s[i] != '"') {
      const char c = s[i++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= s.size()) return false;
      const char e = s[i++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t v = 0;
          if (!hex4(v)) return false;
          if (v >= 0xD800 && v < 0xDC00) {
            std::uint32_t lo = 0;
            if (i + 2 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return false;
            i += 2;
            if (!hex4(lo) || lo < 0xDC00 || lo >= 0xE000) return false;
            v = 0x10000 + ((v - 0xD800) << 10U) + (lo - 0xDC00);
          }
          append_utf8(out, v);
          break;
        }
        default:
          return false;
      }
    }
    return eat('"');
  }
  bool value(Field& f) {
    blank();
    if (i < s.size() && s[i] == '"') {
      std::string v;
      if (!string(v)) return false;
      f.value = std::move(v);
      return true;
    }
    for (const auto& [word, b] : {std::pair{"true", true}, std::pair{"false", false}}) {
      if (s.substr(i, std::string_view(word).size()) == word) {
        i += std::string_view(word).size();
        f.value = b;
        return true;
      }
    }
    const char* begin = s.data() + i;
    const char* end = s.data() + s.size();
    if (i < s.size() && s[i] == '-') {
      std::int64_t v = 0;
      const auto r = std::from_chars(begin, end, v);
      if (r.ec != std::errc{}) return false;
      i += static_cast<std::size_t>(r.ptr - begin);
      f.value = v;
      return true;
    }
    std::uint64_t v = 0;
    const auto r = std::from_chars(begin, end, v);
    if (r.ec != std::errc{}) return false;
    i += static_cast<std::size_t>(r.ptr - begin);
    f.value = v;
    return true;
  }
};

struct Shard {
  std::string file;
  Event header;
  std::uint32_t index = 0;
  std::uint32_t count = 0;
  std::vector<Event> events;  // the outcome, outcome_finding and outcome_failed events
  std::optional<Event> summary;
};

// The header fields that must agree across the shards of one search.
constexpr const char* kSameSearch[] = {
    "file", "kernel", "arch", "cpus", "preemption_bound", "reduction", "max_interleavings"};

std::string text_of(const Event& e, std::string_view key) {
  return std::string(e.text(key));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (!text.empty() && start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<Shard> read_shard(const std::string& path, std::FILE* in, std::FILE* err) {
  const std::string name = path == "-" ? "<stdin>" : path;
  std::FILE* f = path == "-" ? in : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(err, "%s: error: cannot read file\n", name.c_str());
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 14];
  std::size_t n = 0;
  while (text.size() <= (std::size_t{256} << 20) &&
         (n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    text.append(buffer, n);
  const bool read_ok = std::ferror(f) == 0 && text.size() <= (std::size_t{256} << 20);
  if (f != in) std::fclose(f);
  if (!read_ok) {
    std::fprintf(err, "%s: error: cannot read file\n", name.c_str());
    return std::nullopt;
  }
  Shard shard;
  shard.file = name;
  int line_no = 0;
  auto fail = [&](const std::string& message) {
    std::fprintf(err, "%s:%d: error: %s\n", name.c_str(), line_no, message.c_str());
    return std::nullopt;
  };
  for (const std::string& line : lines_of(text)) {
    ++line_no;
    if (line.empty()) continue;
    std::string error;
    std::optional<Event> e = parse_event_line(line, &error);
    if (!e) return fail(error);
    if (line_no == 1) {
      if (e->name != "explore") return fail("not a report of `ntemu explore --format jsonl`");
      const auto parsed = parse_shard(text_of(*e, "shard"));
      if (!parsed) return fail("not a shard's report (run with --shard I/N --format jsonl)");
      shard.index = parsed->first;
      shard.count = parsed->second;
      shard.header = std::move(*e);
    } else if (e->name == "outcome" || e->name == "outcome_finding" ||
               e->name == "outcome_failed") {
      if (shard.summary) return fail("an outcome after the summary");
      shard.events.push_back(std::move(*e));
    } else if (e->name == "summary") {
      if (shard.summary) return fail("a second summary");
      shard.summary = std::move(*e);
    } else {
      return fail(fmt::format("unexpected event '{}' in a report", e->name));
    }
  }
  if (line_no == 0) return fail("empty report");
  if (!shard.summary) return fail("the report ends without its summary (was the shard cut short?)");
  return shard;
}

}  // namespace

std::optional<Event> parse_event_line(std::string_view line, std::string* error) {
  Reader r{line};
  Event e;
  auto fail = [&](const char* message) -> std::optional<Event> {
    if (error != nullptr) *error = fmt::format("{} at column {}", message, r.i + 1);
    return std::nullopt;
  };
  if (!r.eat('{')) return fail("expected '{'");
  bool first = true;
  while (!r.eat('}')) {
    if (!first && !r.eat(',')) return fail("expected ',' or '}'");
    first = false;
    Field f;
    if (!r.string(f.key)) return fail("expected a key");
    if (!r.eat(':')) return fail("expected ':'");
    if (!r.value(f)) return fail("expected a string, a number, true or false");
    if (f.key == "event") {
      const auto* name = std::get_if<std::string>(&f.value);
      if (name == nullptr) return fail("the event name is not a string");
      e.name = *name;
    } else if (f.key != "seq") {
      e.fields.push_back(std::move(f));
    }
  }
  r.blank();
  if (r.i != line.size()) return fail("text after the object");
  if (e.name.empty()) return fail("no event name");
  return e;
}

std::optional<MergedReport> merge_reports(const std::vector<std::string>& files, std::FILE* in,
                                          std::FILE* err) {
  std::vector<Shard> shards;
  for (const std::string& path : files) {
    std::optional<Shard> s = read_shard(path, in, err);
    if (!s) return std::nullopt;
    shards.push_back(std::move(*s));
  }
  const Shard& first = shards.front();
  std::vector<const Shard*> by_index(first.count, nullptr);
  for (const Shard& s : shards) {
    for (const char* key : kSameSearch) {
      const Field* a = s.header.find(key);
      const Field* b = first.header.find(key);
      if ((a == nullptr) != (b == nullptr) || (a != nullptr && a->value != b->value)) {
        std::fprintf(err, "%s: error: a shard of another search than %s's (its '%s' differs)\n",
                     s.file.c_str(), first.file.c_str(), key);
        return std::nullopt;
      }
    }
    if (s.count != first.count ||
        s.summary->number("subtrees") != first.summary->number("subtrees")) {
      std::fprintf(err, "%s: error: a shard of another split than %s's\n", s.file.c_str(),
                   first.file.c_str());
      return std::nullopt;
    }
    if (by_index[s.index] != nullptr) {
      std::fprintf(err, "%s: error: shard %u/%u is also %s\n", s.file.c_str(), s.index, s.count,
                   by_index[s.index]->file.c_str());
      return std::nullopt;
    }
    by_index[s.index] = &s;
  }
  for (std::uint32_t i = 0; i < first.count; ++i) {
    if (by_index[i] == nullptr) {
      std::fprintf(err, "ntemu: error: shard %u/%u is missing\n", i, first.count);
      return std::nullopt;
    }
  }
  MergedReport m;
  m.label = text_of(first.header, "file");
  for (const Field& f : first.header.fields) {
    if (f.key != "shard") m.header.fields.push_back(f);
  }
  m.header.name = "explore";
  m.header.add("merged", first.count);
  m.kind.merged = first.count;
  m.kind.search.shard_count = first.count;
  m.kind.search.max_interleavings = first.header.number("max_interleavings");
  const std::string bound = text_of(first.header, "preemption_bound");
  int bound_value = -1;
  if (bound != "none") {
    const auto r = std::from_chars(bound.data(), bound.data() + bound.size(), bound_value);
    if (r.ec != std::errc{} || r.ptr != bound.data() + bound.size() || bound_value < 0) {
      std::fprintf(err, "%s:1: error: preemption_bound '%s' is not a bound\n", first.file.c_str(),
                   bound.c_str());
      return std::nullopt;
    }
  }
  m.kind.search.preemption_bound = bound_value;
  m.summary.subtrees = first.summary->number("subtrees");
  struct Record {
    std::uint64_t first_subtree;
    ExploreOutcome outcome;
    const Event* event;
  };
  std::vector<Record> records;
  for (const Shard* s : by_index) {
    const Event& sum = *s->summary;
    m.summary.schedules += sum.number("schedules");
    m.summary.redundant += sum.number("pruned");
    m.summary.deadlocks += sum.number("deadlocks");
    auto flag = [&](const char* key) {
      const Field* f = sum.find(key);
      const bool* b = f == nullptr ? nullptr : std::get_if<bool>(&f->value);
      return b != nullptr && *b;
    };
    m.summary.bounded = m.summary.bounded || flag("bounded");
    m.summary.limit = m.summary.limit || !flag("exhaustive");
    std::map<std::uint64_t, std::size_t> by_id;
    for (const Event& e : s->events) {
      if (e.name == "outcome") {
        by_id[e.number("id")] = records.size();
        ExploreOutcome o;
        o.statuses = lines_of(text_of(e, "statuses"));
        if (e.find("bugcheck") != nullptr) o.bugcheck = text_of(e, "bugcheck");
        o.calls = text_of(e, "calls");
        o.state = text_of(e, "state");
        records.push_back({e.number("subtree"), std::move(o), &e});
        continue;
      }
      const auto it = by_id.find(e.number("outcome"));
      if (it == by_id.end()) {
        std::fprintf(err, "%s: error: '%s' of an outcome not reported before it\n", s->file.c_str(),
                     e.name.c_str());
        return std::nullopt;
      }
      ExploreOutcome& o = records[it->second].outcome;
      if (e.name == "outcome_failed") {
        o.failed.push_back(text_of(e, "detail"));
        continue;
      }
      const auto kind = verify::parse_finding_kind(e.text("kind"));
      if (!kind) {
        std::fprintf(err, "%s: error: unknown finding kind '%s'\n", s->file.c_str(),
                     text_of(e, "kind").c_str());
        return std::nullopt;
      }
      o.findings.push_back({*kind, text_of(e, "detail"), 0, 0, text_of(e, "step")});
    }
  }
  // The whole search reaches the outcomes in the order of the subtrees that first reach them.
  std::stable_sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
    return a.first_subtree < b.first_subtree;
  });
  for (Record& r : records) {
    const Event& e = *r.event;
    std::string error;
    const auto schedule = explore::Schedule::parse(e.text("schedule"), &error);
    const std::size_t length = schedule ? schedule->choices.size() : 0;
    m.table.add(std::move(r.outcome), text_of(e, "schedule"), length,
                static_cast<int>(e.number("preemptions")), e.number("shortest_subtree"),
                e.number("schedules"), r.first_subtree);
  }
  return m;
}

}  // namespace ntemu::cli
