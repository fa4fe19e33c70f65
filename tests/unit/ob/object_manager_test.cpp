// SPDX-License-Identifier: MIT
// ObjectManager::find: the lock-free address index and its fallback.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "ntemu/ob/object.hpp"

using namespace ntemu;

namespace {

template <ob::ObjectType Type>
struct Plain : ob::Object {
  static constexpr ob::ObjectType kObjectType = Type;
  explicit Plain(std::uint64_t address) : Object(Type, address) {}
};
using PlainProcess = Plain<ob::ObjectType::Process>;
using PlainThread = Plain<ob::ObjectType::Thread>;

}  // namespace

TEST_CASE("object manager: find answers exact addresses only, on both architectures") {
  for (Arch arch : {Arch::X86, Arch::X64}) {
    CAPTURE(arch);
    ob::ObjectManager om(arch);
    // Mixed strides: a process (the longer object) between threads.
    std::vector<ob::Object*> made = {&om.create<PlainThread>(), &om.create<PlainProcess>(),
                                     &om.create<PlainThread>(), &om.create<PlainThread>()};
    for (ob::Object* o : made) {
      CHECK(om.find(o->address()) == o);
      // Inside the object, or just before it: no object starts there.
      CHECK(om.find(o->address() + 8) == nullptr);
      CHECK(om.find(o->address() - 8) == nullptr);
    }
    CHECK(om.find(0) == nullptr);
    CHECK(om.find(made.front()->address() - 0x1000) == nullptr);  // below the range
    CHECK(om.find(~std::uint64_t{7}) == nullptr);                 // beyond the index
    CHECK(om.find(made.back()->address() + 0x10000) == nullptr);  // not yet handed out
  }
}

TEST_CASE(
    "object manager: a released object is not found, and its reused address finds the new one") {
  ob::ObjectManager om(Arch::X86);
  om.set_tombstones(ob::Tombstones::ReclaimUnnamed);
  auto& keep = om.create<PlainThread>();
  auto& gone = om.create<PlainThread>();
  const std::uint64_t address = gone.address();
  REQUIRE(om.find(address) == &gone);
  REQUIRE(om.dereference(gone));  // the last reference: deleted and released
  CHECK(om.find(address) == nullptr);
  CHECK(om.find(keep.address()) == &keep);
  auto& again = om.create<PlainThread>();
  REQUIRE(again.address() == address);
  CHECK(om.find(address) == &again);
  // Kept tombstones stay findable (Keep is the default).
  ob::ObjectManager kept(Arch::X86);
  auto& t = kept.create<PlainThread>();
  REQUIRE(kept.dereference(t));
  CHECK(kept.find(t.address()) == &t);
  CHECK(t.is_deleted());
}

TEST_CASE("object manager: the index spans many chunks") {
  // 10,000 objects cross two 4096-bucket chunks of the index.
  ob::ObjectManager om(Arch::X64);
  std::vector<ob::Object*> made;
  for (int i = 0; i < 10000; ++i) {
    made.push_back(i % 3 == 0 ? static_cast<ob::Object*>(&om.create<PlainProcess>())
                              : &om.create<PlainThread>());
  }
  std::size_t found = 0;
  for (ob::Object* o : made) {
    if (om.find(o->address()) == o) ++found;
  }
  CHECK(found == made.size());
  CHECK(om.resident() == made.size());
}

namespace {
struct Refused {};
// A thread object whose construction fails: ObCreateObject fails before anything is published.
struct Refusing : ob::Object {
  static constexpr ob::ObjectType kObjectType = ob::ObjectType::Thread;
  explicit Refusing(std::uint64_t address) : Object(kObjectType, address) { throw Refused{}; }
};
}  // namespace

TEST_CASE("object manager: a construction that fails takes no address, serial or residency") {
  ob::ObjectManager om(Arch::X86);
  auto& first = om.create<PlainThread>();
  const std::uint64_t watermark = om.watermark();
  CHECK_THROWS_AS(om.create<Refusing>(), Refused);
  CHECK(om.watermark() == watermark);
  CHECK(om.resident() == 1);
  auto& second = om.create<PlainThread>();
  CHECK(second.serial() == first.serial() + 1);
  CHECK(second.address() == first.address() + 0x268);  // the next thread address: none was lost
}
