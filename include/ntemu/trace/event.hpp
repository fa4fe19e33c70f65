// SPDX-License-Identifier: MIT
/// \file
/// `Event`: what a trace reports — a name and an ordered list of fields. The kernel's own events
/// are `notify` (a notify routine is invoked), `cid` (a PspCidTable entry is created or destroyed)
/// and `finding` (the verifier names a hazard); tools add their own (the scenario runner's `call`,
/// `expect`, `dump`, ...). Fields live inline in the event up to a dozen (a bounded small vector),
/// so building one costs no allocation per field.
///
/// \code
///   ntemu::Event e{"cid", {}};
///   e.add("op", "create").add("handle", std::uint64_t{4});
///   std::uint64_t h = e.number("handle");   // 4
/// \endcode
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <boost/container/small_vector.hpp>

namespace ntemu {

/// One field of an event: an unsigned number, a signed number, a boolean or a string.
struct Field {
  std::string key;
  std::variant<std::uint64_t, std::int64_t, bool, std::string> value;
};

struct Event {
  /// Fields kept inline before the first allocation: the largest kernel and runner events.
  static constexpr std::size_t kInlineFields = 12;

  std::string name;  ///< "notify", "cid", "call", ...
  boost::container::small_vector<Field, kInlineFields> fields;

  Event& add(std::string key, std::uint64_t v) {
    fields.push_back({std::move(key), v});
    return *this;
  }
  Event& add(std::string key, std::int64_t v) {
    fields.push_back({std::move(key), v});
    return *this;
  }
  Event& add(std::string key, int v) { return add(std::move(key), std::int64_t{v}); }
  Event& add(std::string key, unsigned v) { return add(std::move(key), std::uint64_t{v}); }
  Event& add(std::string key, bool v) {
    fields.push_back({std::move(key), v});
    return *this;
  }
  Event& add(std::string key, std::string v) {
    fields.push_back({std::move(key), std::move(v)});
    return *this;
  }
  Event& add(std::string key, const char* v) { return add(std::move(key), std::string(v)); }
  /// The field named `key`, or nullptr.
  const Field* find(std::string_view key) const;
  /// The numeric field named `key` (signed values reinterpreted), or 0 if absent or not a number.
  std::uint64_t number(std::string_view key) const;
  /// The string field named `key`, or an empty view if absent or not a string.
  std::string_view text(std::string_view key) const;
};

}  // namespace ntemu
