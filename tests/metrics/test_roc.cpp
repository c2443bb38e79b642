#include "metrics/roc.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace tabpilot {
namespace {

// O(n^2) definition of AUC: P(score_pos > score_neg) + 0.5 P(equal).
double PairwiseAuc(const std::vector<float>& y, const std::vector<float>& pred) {
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    for (size_t j = 0; j < y.size(); ++j) {
      if (y[i] != 1 || y[j] != 0) continue;
      float a = pred[2 * i + 1], b = pred[2 * j + 1];
      wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
      pairs += 1;
    }
  }
  return wins / pairs;
}

TEST(Roc, AucMatchesPairwiseDefinitionWithManyTies) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 9);  // only 10 distinct scores
  std::bernoulli_distribution coin(0.3);
  std::vector<float> y, pred;
  for (int i = 0; i < 500; ++i) {
    bool pos = coin(rng);
    float p = static_cast<float>(level(rng) + (pos ? 2 : 0)) / 12.0f;
    y.push_back(pos ? 1.0f : 0.0f);
    pred.push_back(1 - p);
    pred.push_back(p);
  }
  auto auc = OneVsRestAuc(y, pred.data(), y.size(), 2, 1);
  ASSERT_TRUE(auc.has_value());
  EXPECT_NEAR(*auc, PairwiseAuc(y, pred), 1e-12);
  EXPECT_GT(*auc, 0.6);
}

TEST(Roc, PerfectAndReversedAndConstant) {
  std::vector<float> y{0, 0, 1, 1};
  std::vector<float> good{0.9f, 0.1f, 0.8f, 0.2f, 0.3f, 0.7f, 0.1f, 0.9f};
  std::vector<float> bad{0.1f, 0.9f, 0.2f, 0.8f, 0.7f, 0.3f, 0.9f, 0.1f};
  std::vector<float> flat{0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  EXPECT_EQ(*OneVsRestAuc(y, good.data(), 4, 2, 1), 1.0);
  EXPECT_EQ(*OneVsRestAuc(y, bad.data(), 4, 2, 1), 0.0);
  EXPECT_EQ(*OneVsRestAuc(y, flat.data(), 4, 2, 1), 0.5);
  EXPECT_FALSE(OneVsRestAuc({1, 1, 1, 1}, good.data(), 4, 2, 1).has_value());
}

TEST(Roc, CurveMatchesScikitLearn) {
  // sklearn.metrics.roc_curve(y, p, drop_intermediate=False) on these inputs.
  std::vector<float> y{0, 0, 1, 1, 0, 1, 0, 1, 1, 0};
  std::vector<float> pred;
  for (float p : {0.1f, 0.4f, 0.35f, 0.8f, 0.5f, 0.5f, 0.2f, 0.9f, 0.65f, 0.7f}) {
    pred.push_back(1 - p);
    pred.push_back(p);
  }
  RocCurve c = ComputeRocCurve(y, pred.data(), y.size(), 2, 1);
  EXPECT_EQ(c.false_positive_rates, (std::vector<double>{0.0, 0.0, 0.0, 0.2, 0.2, 0.4, 0.6, 0.6, 0.8, 1.0}));
  EXPECT_EQ(c.true_positive_rates, (std::vector<double>{0.0, 0.2, 0.4, 0.4, 0.6, 0.8, 0.8, 1.0, 1.0, 1.0}));
  ASSERT_EQ(c.thresholds.size(), 10u);
  EXPECT_FLOAT_EQ(static_cast<float>(c.thresholds[1]), 0.9f);

  PrecisionRecallCurve pr = ComputePrecisionRecallCurve(y, pred.data(), y.size(), 2, 1);
  ASSERT_EQ(pr.recalls.size(), 10u);
  EXPECT_EQ(pr.recalls.front(), 0.0);
  EXPECT_EQ(pr.precisions.front(), 1.0);
  EXPECT_EQ(pr.recalls.back(), 1.0);
  EXPECT_EQ(pr.precisions.back(), 0.5);  // everything predicted positive: 5 of 10
  EXPECT_NEAR(pr.precisions[5], 4.0 / 6.0, 1e-12);  // cut at 0.5: tp 4, fp 2
}

}  // namespace
}  // namespace tabpilot
