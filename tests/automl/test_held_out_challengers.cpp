// Challengers for the held-out choice after a search on a sample: each
// weightless family's best candidate, when near the best on the sample and
// refit by its family.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "automl/held_out_challengers.h"
#include "core/error.h"

namespace tabpilot {
namespace {

bool AnyFamily(const std::string& /*family*/) { return true; }

TEST(HeldOutChallengers, EachWeightlessFamilySendsItsBestWithinTheMargin) {
  // The 1M run's shape: boosters and the additive model have weight; the
  // oblivious booster is 2.2% behind the best, the networks 7.7%.
  const std::vector<std::string> families = {"xgboost", "oblivious_boost", "xgboost", "additive_boost", "mlp",
                                             "mlp",     "oblivious_boost"};
  const std::vector<double> weights = {0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0};
  const std::vector<double> losses = {0.28547, 0.29167, 0.29032, 0.28882, 0.30756, 0.31337, 0.29300};
  EXPECT_EQ(HeldOutChallengers(families, weights, losses, AnyFamily), std::vector<size_t>{1});
  // Its best, not its first: the better oblivious candidate is sent instead.
  std::vector<double> swapped = losses;
  swapped[6] = 0.2900;
  EXPECT_EQ(HeldOutChallengers(families, weights, swapped, AnyFamily), std::vector<size_t>{6});
  // The margin is relative to the best loss: just inside and just outside it.
  const double bar = 0.28547 * (1 + kChallengerLossMargin);
  std::vector<double> edge = losses;
  edge[4] = bar - 1e-9;
  EXPECT_EQ(HeldOutChallengers(families, weights, edge, AnyFamily), (std::vector<size_t>{1, 4}));
  edge[4] = bar + 1e-6;
  EXPECT_EQ(HeldOutChallengers(families, weights, edge, AnyFamily), std::vector<size_t>{1});
}

TEST(HeldOutChallengers, FamiliesWithWeightOrNotRefitSendNone) {
  const std::vector<std::string> families = {"xgboost", "xgboost", "random_forest", "oblivious_boost"};
  const std::vector<double> losses = {0.30, 0.29, 0.295, 0.296};
  // xgboost's weightless candidate (the best alone) stays: its family is in the ensemble.
  const std::vector<double> weights = {1.0, 0.0, 0.0, 0.0};
  const auto refit = [](const std::string& f) { return f != "random_forest"; };
  EXPECT_EQ(HeldOutChallengers(families, weights, losses, refit), std::vector<size_t>{3});
  // Every family with weight: none.
  EXPECT_TRUE(HeldOutChallengers(families, {0.4, 0.0, 0.3, 0.3}, losses, AnyFamily).empty());
  // Candidates without a loss (NaN: not refit, e.g. level 2) are never sent and set no bar.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(HeldOutChallengers(families, weights, {nan, nan, nan, nan}, AnyFamily).empty());
  EXPECT_EQ(HeldOutChallengers(families, weights, {nan, nan, nan, 0.5}, AnyFamily), std::vector<size_t>{3});
  // Regression losses (MSE) work the same way, whatever their scale.
  EXPECT_EQ(HeldOutChallengers(families, weights, {1200.0, 1150.0, 1100.0, 1150.0}, AnyFamily),
            (std::vector<size_t>{2, 3}));
  EXPECT_TRUE(HeldOutChallengers({}, {}, {}, AnyFamily).empty());
}

TEST(HeldOutChallengers, LowestLossSkipsNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(LowestLoss({0.3, nan, 0.2, 0.25}), 0.2);
  EXPECT_EQ(LowestLoss({nan, 0.4}), 0.4);
  EXPECT_EQ(LowestLoss({nan}), std::numeric_limits<double>::infinity());
  EXPECT_EQ(LowestLoss({}), std::numeric_limits<double>::infinity());
}

TEST(HeldOutChallengers, SizesMustAgree) {
  EXPECT_THROW(HeldOutChallengers({"xgboost"}, {1.0, 0.0}, {0.3}, AnyFamily), Internal);
  EXPECT_THROW(HeldOutChallengers({"xgboost"}, {1.0}, {}, AnyFamily), Internal);
}

}  // namespace
}  // namespace tabpilot
