// SPDX-License-Identifier: MIT
#include "ntemu/trace/event.hpp"

namespace ntemu {

const Field* Event::find(std::string_view key) const {
  for (const auto& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::uint64_t Event::number(std::string_view key) const {
  const Field* f = find(key);
  if (f == nullptr) return 0;
  if (const auto* u = std::get_if<std::uint64_t>(&f->value)) return *u;
  if (const auto* i = std::get_if<std::int64_t>(&f->value)) return static_cast<std::uint64_t>(*i);
  return 0;
}

std::string_view Event::text(std::string_view key) const {
  const Field* f = find(key);
  if (f == nullptr) return {};
  const auto* s = std::get_if<std::string>(&f->value);
  return s == nullptr ? std::string_view{} : std::string_view(*s);
}

}  // namespace ntemu
