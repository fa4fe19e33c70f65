// SPDX-License-Identifier: MIT
#include "ntemu/dbg/symbols.hpp"

namespace ntemu::dbg {

const Symbol* SymbolTable::name(const void* address, std::string module, std::string function) {
  MutexLocker hold(lock_);
  storage_.push_back(Symbol{std::move(module), std::move(function)});
  const Symbol* named = &storage_.back();
  by_address_[address] = named;
  return named;
}

const Symbol* SymbolTable::find(const void* address) const {
  MutexLocker hold(lock_);
  auto it = by_address_.find(address);
  return it == by_address_.end() ? nullptr : it->second;
}

const Symbol& SymbolTable::lookup(const void* address) const {
  const Symbol* s = find(address);
  return s != nullptr ? *s : unknown_symbol();
}

std::string SymbolTable::text(const void* address) const {
  if (address == nullptr) return "(null)";
  return lookup(address).text();
}

}  // namespace ntemu::dbg
