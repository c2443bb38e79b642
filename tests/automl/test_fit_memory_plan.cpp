#include <gtest/gtest.h>

#include "automl/bagging.h"
#include "automl/fit_memory_plan.h"
#include "learners/learner_registry.h"

namespace tabpilot {
namespace {

// A family without an estimate of its own: kFoldBytesPerCell a cell.
LearnerRegistry::Entry PlainEntry() {
  LearnerRegistry::Entry entry;
  entry.family = "plain";
  return entry;
}

// One fold per thread while the memory left holds them: 800,000 rows x 10
// columns a fold (1M rows over 5 folds) is 8M cells, 80 MB.
TEST(PlanFitMemory, OneFoldPerThreadWhileTheMemoryLeftHoldsThem) {
  const LearnerRegistry::Entry plain = PlainEntry();
  const Params none;
  const auto folds = [&](int threads, double room) {
    return PlanFitMemory(plain, none, 800000, 10, 2, 5, threads, room, true).concurrent_folds;
  };
  EXPECT_EQ(folds(8, 1e12), 5);   // no more than the folds
  EXPECT_EQ(folds(2, 1e12), 2);   // nor than the threads
  EXPECT_EQ(folds(8, 250e6), 3);  // 250 MB: three of 80 MB
  EXPECT_FALSE(PlanFitMemory(plain, none, 800000, 10, 2, 5, 2, 1e12, true).capped);
  EXPECT_TRUE(PlanFitMemory(plain, none, 800000, 10, 2, 5, 8, 250e6, true).capped);
  EXPECT_EQ(folds(8, 80e6), 1);
  // A family without a count cannot be made smaller: not even one fold fits.
  EXPECT_FALSE(PlanFitMemory(plain, none, 800000, 10, 2, 5, 8, 10e6, true).fits);
  // Without --memory-limit nothing is refused: one fold at a time, at least.
  const FitMemoryPlan unlimited = PlanFitMemory(plain, none, 800000, 10, 2, 5, 8, -5e9, false);
  EXPECT_TRUE(unlimited.fits);
  EXPECT_EQ(unlimited.concurrent_folds, 1);
  EXPECT_DOUBLE_EQ(unlimited.fit_bytes, 80e6);
}

TEST(PlanFitMemory, AForestGetsAsManyTreesAsFitAndIsSkippedBelowTheLeast) {
  const LearnerRegistry registry = LearnerRegistry::WithBuiltins();
  const LearnerRegistry::Entry& forest = registry.Get("extra_trees");
  ASSERT_EQ(forest.count_param, "n_estimators");
  const Params params = registry.Create("extra_trees", Json{{"n_estimators", 200}, {"min_samples_leaf", 3}})->params();
  const double full = FitBytes(forest, 24000, 10, 2, params);
  const FitMemoryPlan roomy = PlanFitMemory(forest, params, 24000, 10, 2, 1, 2, full, true);
  EXPECT_TRUE(roomy.fits);
  EXPECT_FALSE(roomy.cut);
  EXPECT_EQ(roomy.count, 200);

  const FitMemoryPlan half = PlanFitMemory(forest, params, 24000, 10, 2, 1, 2, full / 2, true);
  ASSERT_TRUE(half.fits);
  ASSERT_TRUE(half.cut);
  EXPECT_GE(half.count, kMinPlannedCount);
  EXPECT_LT(half.count, 200);
  // The most that fit: one more tree would not.
  const auto bytes_at = [&](long long count) {
    Json values = params.values();
    values["n_estimators"] = count;
    return FitBytes(forest, 24000, 10, 2, Params::Validate(forest.params, values, "extra_trees"));
  };
  EXPECT_LE(bytes_at(half.count), full / 2);
  EXPECT_GT(bytes_at(half.count + 1), full / 2);
  EXPECT_DOUBLE_EQ(half.fit_bytes, bytes_at(half.count));

  EXPECT_FALSE(PlanFitMemory(forest, params, 24000, 10, 2, 1, 2, bytes_at(kMinPlannedCount) - 1, true).fits);
  // Without --memory-limit the config is fitted as asked.
  const FitMemoryPlan unlimited = PlanFitMemory(forest, params, 24000, 10, 2, 1, 2, 1e3, false);
  EXPECT_TRUE(unlimited.fits);
  EXPECT_FALSE(unlimited.cut);
  EXPECT_EQ(unlimited.count, 200);
}

TEST(PlanFitMemory, BoostersEstimateTheirTreesAndHistograms) {
  const LearnerRegistry registry = LearnerRegistry::WithBuiltins();
  const LearnerRegistry::Entry& xgb = registry.Get("xgboost");
  const Params shallow = registry.Create("xgboost", Json{{"max_depth", 4}})->params();
  const Params wide =
      registry.Create("xgboost", Json{{"grow_policy", "lossguide"}, {"max_depth", 0}, {"max_leaves", 128}})->params();
  // The same rows: a 128-leaf booster's trees take more than a depth-4 one's.
  EXPECT_GT(FitBytes(xgb, 19200, 10, 2, wide), 4 * FitBytes(xgb, 19200, 10, 2, shallow));
  // Multiclass: a tree per class and round.
  EXPECT_GT(FitBytes(xgb, 19200, 10, 5, shallow), 2 * FitBytes(xgb, 19200, 10, 2, shallow));
  // More rows: at least their cells.
  EXPECT_GE(FitBytes(xgb, 1000000, 10, 2, shallow) - FitBytes(xgb, 0, 10, 2, shallow), 1e7 * kFoldBytesPerCell);
}

}  // namespace
}  // namespace tabpilot
