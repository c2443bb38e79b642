#include "automl/folds.h"

#include <gtest/gtest.h>

#include <map>

namespace tabpilot {
namespace {

TEST(Folds, StratifiedAndBalanced) {
  // 90 of class 0, 30 of class 1, 5 folds: each fold gets 18 + 6.
  std::vector<float> y;
  for (int i = 0; i < 120; ++i) y.push_back(i % 4 == 0 ? 1.0f : 0.0f);
  std::vector<int> folds = AssignFolds(y, 5, 42);
  std::map<int, std::map<int, int>> counts;
  for (size_t i = 0; i < y.size(); ++i) counts[folds[i]][static_cast<int>(y[i])]++;
  ASSERT_EQ(counts.size(), 5u);
  for (const auto& [f, c] : counts) {
    EXPECT_EQ(c.at(0), 18) << "fold " << f;
    EXPECT_EQ(c.at(1), 6) << "fold " << f;
  }
}

TEST(Folds, DeterministicPerSeed) {
  std::vector<float> y(200);
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>(i % 3);
  EXPECT_EQ(AssignFolds(y, 4, 7), AssignFolds(y, 4, 7));
  EXPECT_NE(AssignFolds(y, 4, 7), AssignFolds(y, 4, 8));
}

TEST(Folds, RegressionFoldsSpanTheRange) {
  std::vector<float> y(100);
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>(i);
  std::vector<int> folds = AssignFolds(y, 5, 1);
  // Sorted values are dealt in blocks of 5: each block of 5 consecutive values has one per fold.
  for (size_t b = 0; b < 100; b += 5) {
    std::map<int, int> seen;
    for (size_t i = b; i < b + 5; ++i) seen[folds[i]]++;
    EXPECT_EQ(seen.size(), 5u);
  }
}

TEST(Folds, SplitFoldPartitions) {
  std::vector<int> folds{0, 1, 2, 0, 1, 2, 0};
  std::vector<size_t> train, held;
  SplitFold(folds, 0, &train, &held);
  EXPECT_EQ(held, (std::vector<size_t>{0, 3, 6}));
  EXPECT_EQ(train, (std::vector<size_t>{1, 2, 4, 5}));
}

}  // namespace
}  // namespace tabpilot
