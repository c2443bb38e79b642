#include "automl/fold_plan.h"

#include <gtest/gtest.h>

#include <map>

#include "core/error.h"

namespace tabpilot {
namespace {

std::vector<float> Labels(size_t n, int classes) {
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(i % static_cast<size_t>(classes));
  return y;
}

DataShape Shape(Task task, size_t rows, size_t columns, int classes, double time_limit) {
  return DataShape{task, rows, columns, classes, time_limit};
}

TEST(Validation, SmallDataOrLongBudgetsBagWithEightFolds) {
  const std::vector<float> y = Labels(3000, 2);
  EXPECT_EQ(ChooseFoldPlan(0, Shape(Task::kBinary, 3000, 10, 2, 60), y, 1).num_folds, 8);
  const std::vector<float> big = Labels(30000, 2);
  EXPECT_EQ(ChooseFoldPlan(0, Shape(Task::kBinary, 30000, 14, 2, 60), big, 1).num_folds, 5);
  EXPECT_EQ(ChooseFoldPlan(0, Shape(Task::kBinary, 30000, 14, 2, 300), big, 1).num_folds, 8);
  EXPECT_EQ(ChooseFoldPlan(0, Shape(Task::kBinary, 30000, 14, 2, 0), big, 1).num_folds, 8);  // no budget
}

TEST(Validation, ExplicitFoldsAreCappedAtHalfTheRows) {
  const std::vector<float> y = Labels(6, 2);
  FoldPlan plan = ChooseFoldPlan(10, Shape(Task::kBinary, 6, 2, 2, 60), y, 1);
  EXPECT_EQ(plan.num_folds, 3);
  EXPECT_FALSE(plan.holdout());
  EXPECT_TRUE(plan.scored_rows.empty());
  ASSERT_EQ(plan.folds.size(), 6u);
  for (int f : plan.folds) EXPECT_LT(f, 3);
}

TEST(Validation, LargeMulticlassDataOnAShortBudgetHoldsOutATenth) {
  // kddcup99's shape: 395k rows x 39 columns x 23 classes is 354M cells of
  // round work, more than 2M per second of a 60 s budget.
  const size_t rows = 40000;
  const std::vector<float> y = Labels(rows, 23);
  const DataShape kdd = Shape(Task::kMulticlass, 395000, 39, 23, 60);
  FoldPlan plan = ChooseFoldPlan(0, kdd, y, 3);
  ASSERT_TRUE(plan.holdout());
  EXPECT_EQ(plan.num_folds, 1);
  // One row in ten, stratified: every class keeps its share in the holdout.
  EXPECT_EQ(plan.scored_rows.size(), rows / kHoldoutParts);
  ASSERT_EQ(plan.scored_y.size(), plan.scored_rows.size());
  std::map<int, int> per_class;
  for (size_t i = 0; i < plan.scored_rows.size(); ++i) {
    const size_t r = plan.scored_rows[i];
    EXPECT_EQ(plan.folds[r], 0);
    EXPECT_EQ(plan.scored_y[i], y[r]);
    if (i > 0) {
      EXPECT_LT(plan.scored_rows[i - 1], r);
    }
    per_class[static_cast<int>(y[r])]++;
  }
  ASSERT_EQ(per_class.size(), 23u);
  for (const auto& [c, n] : per_class) EXPECT_NEAR(n, static_cast<double>(rows) / 23 / kHoldoutParts, 2.0) << c;
  // The same data on a long budget bags; so does a small table on any budget.
  EXPECT_FALSE(ChooseFoldPlan(0, Shape(Task::kMulticlass, 395000, 39, 23, 300), y, 3).holdout());
  EXPECT_FALSE(ChooseFoldPlan(0, Shape(Task::kMulticlass, 395000, 39, 23, 0), y, 3).holdout());
  const std::vector<float> small = Labels(15000, 23);
  EXPECT_FALSE(ChooseFoldPlan(0, Shape(Task::kMulticlass, 15000, 2000, 23, 10), small, 3).holdout());
}

TEST(Validation, ExplicitHoldoutNeedsEnoughRows) {
  const std::vector<float> y = Labels(200, 2);
  FoldPlan plan = ChooseFoldPlan(1, Shape(Task::kBinary, 200, 3, 2, 0), y, 5);
  EXPECT_TRUE(plan.holdout());
  EXPECT_EQ(plan.scored_rows.size(), 20u);
  EXPECT_EQ(ChooseFoldPlan(1, Shape(Task::kBinary, 200, 3, 2, 0), y, 5).scored_rows, plan.scored_rows);
  const std::vector<float> tiny = Labels(12, 2);
  EXPECT_THROW(ChooseFoldPlan(1, Shape(Task::kBinary, 12, 3, 2, 0), tiny, 5), InvalidInput);
  EXPECT_THROW(ChooseFoldPlan(-1, Shape(Task::kBinary, 200, 3, 2, 0), y, 5), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
