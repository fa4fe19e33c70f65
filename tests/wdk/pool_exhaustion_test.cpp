// SPDX-License-Identifier: MIT
// The trampoline pool: each distinct C routine keeps one for the life of the host process, so
// running out must give a kernel status, never a crash. In its own binary, because the pool it
// exhausts is process-wide.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <utility>

#include "ntemu/harness.hpp"

namespace {

template <std::size_t N>
VOID distinct_routine(HANDLE, HANDLE, BOOLEAN) {}

template <std::size_t... I>
constexpr std::array<PCREATE_PROCESS_NOTIFY_ROUTINE, sizeof...(I)> routines(
    std::index_sequence<I...>) {
  return {&distinct_routine<I>...};
}

}  // namespace

TEST_CASE("wdk: a full trampoline pool gives STATUS_INSUFFICIENT_RESOURCES") {
  constexpr auto all = routines(std::make_index_sequence<66>{});
  ntemu::Harness h(ntemu::Profile::xp());
  auto scope = h.enter();
  std::size_t registered = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const NTSTATUS st = PsSetCreateProcessNotifyRoutine(all[i], FALSE);
    if (st != STATUS_SUCCESS) {
      CHECK(st == STATUS_INSUFFICIENT_RESOURCES);
      CHECK(i == 64);  // the pool holds 64 process routines
      CHECK(PsSetCreateProcessNotifyRoutine(all[i], TRUE) == STATUS_PROCEDURE_NOT_FOUND);
      break;
    }
    ++registered;
    // Remove at once: the kernel's 8 slots are not the limit tested here.
    CHECK(PsSetCreateProcessNotifyRoutine(all[i], TRUE) == STATUS_SUCCESS);
  }
  CHECK(registered == 64);
  // Routines that already hold a trampoline keep working.
  CHECK(PsSetCreateProcessNotifyRoutine(all[0], FALSE) == STATUS_SUCCESS);
  CHECK(PsSetCreateProcessNotifyRoutine(all[0], TRUE) == STATUS_SUCCESS);
}
