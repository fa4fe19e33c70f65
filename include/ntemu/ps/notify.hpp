// SPDX-License-Identifier: MIT
/// \file
/// The notify machinery in one include: routine types and records (ps/notify_routine.hpp) and
/// the slot arrays (ps/notify_array.hpp).
#pragma once

#include "ntemu/ps/notify_array.hpp"
#include "ntemu/ps/notify_routine.hpp"
