// SPDX-License-Identifier: MIT
/// \file
/// Images the memory manager maps and the load-image routines hear of (semantics.md §10.10;
/// the mapping itself is Executive::MmMapImage and Executive::MmLoadSystemImage, psimage.cpp):
/// what a mapping returns, the size mapped when none is given, and the full names a loader
/// gives an image or a driver named without a path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ntemu/ps/notify_routine.hpp"
#include "ntemu/support/status.hpp"

namespace ntemu::ps {

/// The image size mapped when none is given.
inline constexpr std::uint64_t kDefaultImageSize = 0x10000;

/// What mapping an image gave: its status and, on success, where it went.
struct ImageMapped {
  Status status;
  IMAGE_INFO info;
};

/// The full name a loader gives an image named without a path (a name with a backslash is
/// kept): `\Device\HarddiskVolume1\Windows\System32\NAME`.
std::string default_image_path(std::string_view image_name);
/// The same for a driver: `\SystemRoot\System32\drivers\NAME`.
std::string default_driver_path(std::string_view image_name);

}  // namespace ntemu::ps
