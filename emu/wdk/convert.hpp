// SPDX-License-Identifier: MIT
// Conversions between the WDK's C values and the model's: NTSTATUS from a Status, the number a
// HANDLE or an object pointer carries, and the wide text of a narrow string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ntemu/support/status.hpp"
#include "ntemu/wdk.h"

static_assert(sizeof(void*) >= sizeof(std::uint64_t),
              "ntemu::wdk passes 64-bit model addresses as PEPROCESS: it needs a 64-bit host");

namespace ntemu::wdk {

inline NTSTATUS to_ntstatus(Status s) {
  return static_cast<NTSTATUS>(s.value());
}
/// The number a HANDLE carries (a PID or TID as the WDK passes it).
inline std::uint64_t value_of(HANDLE h) {
  return static_cast<std::uint64_t>(reinterpret_cast<ULONG_PTR>(h));
}
/// The model address a PEPROCESS / PETHREAD / PVOID carries.
inline std::uint64_t address_of(const void* object) {
  return static_cast<std::uint64_t>(reinterpret_cast<ULONG_PTR>(object));
}
/// `s` as wide text, byte by byte (the model's names are ASCII).
inline std::wstring widen(std::string_view s) {
  std::wstring w;
  w.reserve(s.size());
  for (char c : s)
    w += static_cast<wchar_t>(static_cast<unsigned char>(c));
  return w;
}

}  // namespace ntemu::wdk
