// SPDX-License-Identifier: MIT
/// \file
/// `SymbolTable`: debugger symbols for code addresses the model calls — a driver's notify routine
/// is "edr!ProcessNotifyRoutine" in traces, stacks and findings, an unnamed one
/// "unknown!routine". Symbols are never removed, so a `const Symbol*` stays valid for the table's
/// life (frames and routine records keep them).
///
/// \code
///   ntemu::dbg::SymbolTable symbols;
///   symbols.name(reinterpret_cast<const void*>(&MyRoutine), "edr", "ProcessNotifyRoutine");
///   std::string s = symbols.text(reinterpret_cast<const void*>(&MyRoutine));  // "edr!Process..."
/// \endcode
#pragma once

#include <string>

#include <boost/container/flat_map.hpp>
#include <boost/container/stable_vector.hpp>

#include "ntemu/support/mutex.hpp"

namespace ntemu::dbg {

struct Symbol {
  std::string module;
  std::string function;
  /// "module!function".
  std::string text() const { return module + "!" + function; }
};

/// "unknown!routine": what an unnamed address shows as.
inline const Symbol& unknown_symbol() {
  static const Symbol unknown{"unknown", "routine"};  // inline: a notify call asks for it
  return unknown;
}

class SymbolTable {
 public:
  /// Names `address` (a later naming replaces the earlier one for new lookups; the old Symbol
  /// stays valid). Returns the new symbol.
  const Symbol* name(const void* address, std::string module, std::string function)
      NTEMU_EXCLUDES(lock_);
  /// The symbol of `address`, or nullptr when it was never named.
  const Symbol* find(const void* address) const NTEMU_EXCLUDES(lock_);
  /// The symbol of `address`, or unknown_symbol().
  const Symbol& lookup(const void* address) const;
  /// "module!function" of `address`; "(null)" for nullptr.
  std::string text(const void* address) const;

 private:
  mutable Mutex lock_;
  // Keyed by address for lookup only; never iterated, so host addresses never decide any
  // output order. Small (a driver names a few routines): a sorted vector beats a tree.
  boost::container::flat_map<const void*, const Symbol*> by_address_ NTEMU_GUARDED_BY(lock_);
  boost::container::stable_vector<Symbol> storage_ NTEMU_GUARDED_BY(lock_);
};

}  // namespace ntemu::dbg
