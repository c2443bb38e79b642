#include <gtest/gtest.h>

#include <cmath>

#include "automl/training_budget.h"

namespace tabpilot {
namespace {

// Deadlines are measured from "now", so remaining times are compared with a
// tolerance that covers the few microseconds between two calls.
constexpr double kSlack = 0.05;

TEST(TrainingBudget, UnboundedHasNoReservesAndNoDeadlines) {
  const TrainingBudget budget(Deadline::Never(), /*refit_full=*/true);
  EXPECT_EQ(budget.write_reserve(), 0.0);
  EXPECT_EQ(budget.refit_reserve(), 0.0);
  EXPECT_FALSE(budget.Search().bounded());
  EXPECT_FALSE(budget.Level1(true).bounded());
  EXPECT_FALSE(budget.Refit(5.0).bounded());
  EXPECT_FALSE(budget.Timing().bounded());
  EXPECT_TRUE(std::isinf(TrainingBudget::SearchCap(budget.Search())));
}

TEST(TrainingBudget, KeepsBackTheWriteReserveForTheBundle) {
  const TrainingBudget budget(Deadline::In(100), /*refit_full=*/false);
  EXPECT_NEAR(budget.write_reserve(), 8.0, kSlack);  // 8% of 100 s
  EXPECT_EQ(budget.refit_reserve(), 0.0);
  EXPECT_EQ(budget.explain_reserve(), 0.0);
  EXPECT_NEAR(budget.Search().Remaining(), 92.0, kSlack);
  EXPECT_NEAR(budget.Refit(0.0).Remaining(), 92.0, kSlack);
  EXPECT_NEAR(budget.Timing().Remaining(), 92.0, kSlack);
  // Without a second level, level 1 has the whole search.
  EXPECT_NEAR(budget.Level1(false).Remaining(), 92.0, kSlack);
  // With one, 70% of it.
  EXPECT_NEAR(budget.Level1(true).Remaining(), 0.7 * 92.0, kSlack);
}

TEST(TrainingBudget, RefitFullKeepsATenthOfTheSearchTimeForRefitting) {
  const TrainingBudget budget(Deadline::In(100), /*refit_full=*/true);
  EXPECT_NEAR(budget.write_reserve(), 8.0, kSlack);
  EXPECT_NEAR(budget.refit_reserve(), 9.2, kSlack);  // 10% of the 92 s after the write reserve
  EXPECT_NEAR(budget.Search().Remaining(), 82.8, kSlack);
  EXPECT_NEAR(budget.Level1(true).Remaining(), 0.7 * 82.8, kSlack);
  // Refitting may use the search's leftovers and its own reserve, not the
  // write reserve, the explainability report's 2 % nor the time the
  // bundle's timing is expected to take.
  EXPECT_NEAR(budget.explain_reserve(), 2.0, kSlack);
  EXPECT_NEAR(budget.Refit(0.0).Remaining(), 90.0, kSlack);
  EXPECT_NEAR(budget.Refit(3.0).Remaining(), 87.0, kSlack);
  EXPECT_NEAR(budget.Refit(-1.0).Remaining(), 90.0, kSlack);
  EXPECT_NEAR(budget.Timing().Remaining(), 92.0, kSlack);
  // Timing longer than what is left: an expired deadline, not a negative one.
  EXPECT_TRUE(budget.Refit(500.0).Expired());
}

TEST(TrainingBudget, WriteReserveIsClampedBetweenHalfASecondAndFifteen) {
  EXPECT_NEAR(TrainingBudget(Deadline::In(2), false).write_reserve(), 0.5, kSlack);
  EXPECT_NEAR(TrainingBudget(Deadline::In(1000), false).write_reserve(), 15.0, kSlack);
  EXPECT_NEAR(TrainingBudget(Deadline::In(1000), false).Search().Remaining(), 985.0, kSlack);
}

TEST(TrainingBudget, ASpentShareIsAnExpiredDeadlineNotTheWholeBudget) {
  // 0.3 s left, less than the 0.5 s write reserve: the search gets nothing.
  const TrainingBudget budget(Deadline::In(0.3), /*refit_full=*/false);
  EXPECT_TRUE(budget.Search().bounded());
  EXPECT_TRUE(budget.Search().Expired());
  EXPECT_TRUE(budget.Level1(true).Expired());
  EXPECT_TRUE(budget.Refit(0.0).Expired());
  EXPECT_TRUE(budget.Timing().Expired());
  EXPECT_EQ(TrainingBudget::SearchCap(budget.Search()), 0.0);
}

TEST(TrainingBudget, DeadlinesAreFixedPointsInTime) {
  const TrainingBudget budget(Deadline::In(10), false);
  const Deadline first = budget.Search();
  const Deadline again = budget.Search();
  // Asked twice, the search ends at the same moment: both have the same time left.
  EXPECT_NEAR(first.Remaining(), again.Remaining(), 1e-3);
}

TEST(TrainingBudget, SearchCapIsAShareOfTheLevelsTimeLeft) {
  EXPECT_NEAR(TrainingBudget::SearchCap(Deadline::In(10)), 3.5, kSlack);
  EXPECT_NEAR(TrainingBudget::SearchCap(Deadline::In(100)), 35.0, kSlack);
}

TEST(TrainingBudget, LevelOneGetsSeventyPercentOfTheModelCapWhenStacking) {
  EXPECT_EQ(TrainingBudget::Level1ModelCap(0, true), 0);  // no cap stays no cap
  EXPECT_EQ(TrainingBudget::Level1ModelCap(12, false), 12);
  EXPECT_EQ(TrainingBudget::Level1ModelCap(12, true), 9);  // ceil(8.4)
  EXPECT_EQ(TrainingBudget::Level1ModelCap(4, true), 3);   // ceil(2.8)
  EXPECT_EQ(TrainingBudget::Level1ModelCap(10, true), 7);
  EXPECT_EQ(TrainingBudget::Level1ModelCap(1, true), 1);
}

}  // namespace
}  // namespace tabpilot
