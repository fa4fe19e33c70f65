// SPDX-License-Identifier: MIT
#include "ntemu/ps/notify_routine.hpp"

namespace ntemu::ps {

NotifyRoutine& NotifyRoutineTable::get(const void* function, const dbg::SymbolTable& symbols) {
  MutexLocker hold(lock_);
  std::unique_ptr<NotifyRoutine>& slot = records_[function];
  if (!slot) {
    slot = std::make_unique<NotifyRoutine>(function);
    slot->symbol.store(symbols.find(function), std::memory_order_release);
  }
  return *slot;
}

NotifyRoutine* NotifyRoutineTable::find(const void* function) const {
  MutexLocker hold(lock_);
  auto it = records_.find(function);
  return it == records_.end() ? nullptr : it->second.get();
}

}  // namespace ntemu::ps
