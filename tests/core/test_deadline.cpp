#include "core/deadline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace tabpilot {
namespace {

TEST(Deadline, NeverIsUnbounded) {
  Deadline d = Deadline::Never();
  EXPECT_FALSE(d.bounded());
  EXPECT_FALSE(d.Expired());
  EXPECT_TRUE(std::isinf(d.Remaining()));
}

TEST(Deadline, ExpiresAfterItsTime) {
  Deadline d = Deadline::In(0.02);
  EXPECT_TRUE(d.bounded());
  EXPECT_GT(d.Remaining(), 0.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_TRUE(d.Expired());
  EXPECT_EQ(d.Remaining(), 0.0);
}

TEST(Deadline, SubNeverOutlivesParent) {
  Deadline parent = Deadline::In(1.0);
  Deadline sub = parent.Sub(100.0);
  EXPECT_LE(sub.Remaining(), 1.0);
  Deadline shorter = parent.Sub(0.1);
  EXPECT_LE(shorter.Remaining(), 0.1);
  Deadline from_never = Deadline::Never().Sub(5.0);
  EXPECT_TRUE(from_never.bounded());
  EXPECT_LE(from_never.Remaining(), 5.0);
}

TEST(Deadline, SubOfNothingHasAlreadyPassed) {
  // A time share that has run out (e.g. the budget minus the reserve for
  // writing the bundle) must not turn into the parent's whole deadline.
  Deadline parent = Deadline::In(10.0);
  EXPECT_TRUE(parent.Sub(0.0).Expired());
  EXPECT_TRUE(parent.Sub(-1.0).Expired());
  EXPECT_EQ(parent.Sub(0.0).Remaining(), 0.0);
  EXPECT_TRUE(Deadline::Never().Sub(0.0).Expired());
  // An unbounded share of an unbounded deadline stays unbounded.
  EXPECT_FALSE(Deadline::Never().Sub(std::numeric_limits<double>::infinity()).bounded());
  Deadline all = parent.Sub(std::numeric_limits<double>::infinity());
  EXPECT_TRUE(all.bounded());
  EXPECT_GT(all.Remaining(), 9.0);
}

}  // namespace
}  // namespace tabpilot
