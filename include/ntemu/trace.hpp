// SPDX-License-Identifier: MIT
/// \file
/// Trace events and sinks (trace/event.hpp, trace/sink.hpp). Every modeled routine reports what
/// it does to the kernel's observers; with a sink attached, the kernel's tracer turns that into
/// `Event`s (`notify`, `cid`, `finding`); with none, no event is even built.
///
/// \code
///   ntemu::JsonlSink sink(stdout);
///   ntemu::Kernel k(ntemu::Profile::win2000(), &sink);
/// \endcode
#pragma once

#include "ntemu/trace/event.hpp"
#include "ntemu/trace/sink.hpp"
