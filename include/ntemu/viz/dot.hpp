// SPDX-License-Identifier: MIT
/// \file
/// `state_to_dot`: a `viz::State` drawn as a Graphviz graph — PspCidTable's entries pointing at
/// the objects they name (an entry naming a tombstone drawn dashed and red: it dangles; one
/// whose object no longer carries its ID drawn orange: it is stale), each process with its
/// threads, and each notify array's occupied slots pointing at their routine — under
/// EX_CALLBACK storage through the block, with the slot's EX_FAST_REF word and the block's
/// rundown word. The text depends only on the state and the title: the same run gives the same
/// bytes. Render it with `dot -Tsvg`.
///
/// \code
///   std::string dot = ntemu::viz::state_to_dot(ntemu::viz::capture_state(kernel), "end of run");
/// \endcode
#pragma once

#include <string>
#include <string_view>

#include "ntemu/viz/state.hpp"

namespace ntemu::viz {

/// One `digraph` named `title`, ending in a newline.
std::string state_to_dot(const State& state, std::string_view title);

}  // namespace ntemu::viz
