// SPDX-License-Identifier: MIT
/// \file
/// `ps::Observers`: the observers attached to an executive (ps/observer.hpp), in attachment
/// order, and beside them those that hear routine returns (KernelObserver::hears_returns, asked
/// once, when one is attached), so a return tells only those. Attach and detach only while no
/// operation runs.
#pragma once

#include <algorithm>
#include <cstddef>

#include <boost/container/static_vector.hpp>

#include "ntemu/ps/observer.hpp"

namespace ntemu::ps {

class Observers {
 public:
  static constexpr std::size_t kMax = 4;

  /// Attaches `observer` (nothing when kMax are attached); it must outlive its attachment.
  void add(KernelObserver& observer) {
    if (all_.size() == all_.capacity()) return;
    all_.push_back(&observer);
    if (observer.hears_returns()) returns_.push_back(&observer);
  }
  void remove(KernelObserver& observer) {
    all_.erase(std::remove(all_.begin(), all_.end(), &observer), all_.end());
    returns_.erase(std::remove(returns_.begin(), returns_.end(), &observer), returns_.end());
  }
  /// Calls `hook` on every observer, in attachment order.
  template <class... Params, class... Args>
  void tell(void (KernelObserver::*hook)(Params...), Args&&... args) const {
    for (KernelObserver* o : all_)
      (o->*hook)(args...);
  }
  /// Tells the observers that hear returns that `call` returned, in attachment order.
  void returned(const NotifyCall& call) const {
    for (KernelObserver* o : returns_)
      o->routine_returned(call);
  }

 private:
  boost::container::static_vector<KernelObserver*, kMax> all_;
  boost::container::static_vector<KernelObserver*, kMax> returns_;  // hears_returns()
};

}  // namespace ntemu::ps
