// SPDX-License-Identifier: MIT
// A minimal program using ntemu as an installed or exported package.
#include <ntemu/ex/handle_table.hpp>
#include <ntemu/version.hpp>

#include <fmt/format.h>

int main() {
  ntemu::ex::HandleTable<ntemu::Arch::X86> cid({.free_policy = ntemu::ex::FreePolicy::StrictFifo});
  const ntemu::Handle a = ExCreateHandle(cid, {.object = 0x81000000});
  const ntemu::Handle b = ExCreateHandle(cid, {.object = 0x81000020});
  fmt::print("ntemu {}: PspCidTable {} {}\n", NTEMU_VERSION_STRING, a, b);
  return a.value() == 4 && b.value() == 8 ? 0 : 1;
}
