#include <gtest/gtest.h>

#include <map>
#include <string>

#include "automl/folds.h"
#include "core/error.h"

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

// Rows of one group (a customer, copies of a record) never land in two folds;
// folds stay balanced in size and class, and the assignment is seeded.
TEST(Folds, GroupsStayWholeAndFoldsBalanced) {
  std::vector<float> y;
  std::vector<uint32_t> groups;
  // 300 groups of 1 to 5 rows; a group's rows share its class (every 4th group positive).
  for (uint32_t g = 0; g < 300; ++g) {
    for (uint32_t i = 0; i <= g % 5; ++i) {
      y.push_back(g % 4 == 0 ? 1.0f : 0.0f);
      groups.push_back(g);
    }
  }
  const std::vector<int> folds = AssignFolds(y, 5, 11, groups);
  std::map<uint32_t, int> fold_of_group;
  std::map<int, std::map<int, int>> counts;
  for (size_t r = 0; r < y.size(); ++r) {
    const auto [it, fresh] = fold_of_group.emplace(groups[r], folds[r]);
    EXPECT_EQ(it->second, folds[r]) << "group " << groups[r] << " split";
    counts[folds[r]][static_cast<int>(y[r])]++;
  }
  ASSERT_EQ(counts.size(), 5u);
  const double rows_per_fold = static_cast<double>(y.size()) / 5;  // 180
  const double positives_per_fold = 225.0 / 5;                     // 75 groups of 3 rows on average
  for (const auto& [f, c] : counts) {
    EXPECT_NEAR(c.at(0) + c.at(1), rows_per_fold, 6) << "fold " << f;
    EXPECT_NEAR(c.at(1), positives_per_fold, 6) << "fold " << f;
  }
  EXPECT_EQ(AssignFolds(y, 5, 11, groups), folds);
  EXPECT_NE(AssignFolds(y, 5, 12, groups), folds);
  EXPECT_EQ(CountGroups(groups), 300u);
  EXPECT_EQ(CountGroups({}), 0u);
}

TEST(Folds, FewerGroupsThanFoldsIsAnError) {
  const std::vector<float> y{0, 1, 0, 1, 0, 1};
  const std::vector<uint32_t> groups{0, 0, 1, 1, 2, 2};
  EXPECT_NO_THROW(AssignFolds(y, 3, 1, groups));
  try {
    AssignFolds(y, 4, 1, groups);
    FAIL() << "4 folds over 3 groups";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("only 3 row group(s) for 4 folds"), std::string::npos) << e.what();
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
