// SPDX-License-Identifier: MIT
#include "ntemu/dbg/kb.hpp"

#include <fmt/format.h>

namespace ntemu::dbg {

std::string format_kb(std::span<const Frame> frames, Arch arch) {
  const int width = arch == Arch::X86 ? 8 : 16;
  const std::string unknown(static_cast<std::size_t>(width), '-');
  std::string out = fmt::format(" # {:<{}} Call Site\n", "Args to Child", 3 * (width + 1) - 1);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    std::string args;
    for (int a = 0; a < 3; ++a) {
      if (a > 0) args += ' ';
      args += a < f.arg_count ? fmt::format("{:0{}x}", f.args[a], width) : unknown;
    }
    out += fmt::format("{:02x} {} {}!{}\n", i, args, f.module, f.function);
  }
  return out;
}

}  // namespace ntemu::dbg
