#include <gtest/gtest.h>

#include <random>

#include "automl/portfolio.h"
#include "learners/learner_registry.h"
#include "toy_learner.h"

namespace tabpilot {
namespace {

std::string First(const DataShape& shape) { return DefaultPortfolio(shape).front().name; }

TEST(DefaultPortfolio, FastBoosterFirstWhenTheBudgetIsSmallForTheData) {
  // Adult-sized binary data: the slow boosters fit in a minute.
  DataShape adult{Task::kBinary, 32561, 14, 2, 60};
  EXPECT_EQ(First(adult), "LightGBMLike_1");
  // letter: 26 classes make every round 26 trees.
  DataShape letter{Task::kMulticlass, 16000, 16, 26, 60};
  EXPECT_EQ(First(letter), "XGBoostFast_1");
  letter.time_limit = 600;
  EXPECT_EQ(First(letter), "LightGBMLike_1");
  // The same rows as binary are cheap enough.
  DataShape binary{Task::kBinary, 16000, 16, 2, 60};
  EXPECT_EQ(First(binary), "LightGBMLike_1");
  // No time limit: nothing is cut off.
  DataShape unbounded{Task::kMulticlass, 400000, 41, 23, 0};
  EXPECT_EQ(First(unbounded), "LightGBMLike_1");
  unbounded.time_limit = 60;
  EXPECT_EQ(First(unbounded), "XGBoostFast_1");
}

TEST(BoostingRoundWork, RowsTimesColumnsTimesTreesPerRound) {
  EXPECT_DOUBLE_EQ(BoostingRoundWork(DataShape{Task::kBinary, 1000, 10, 2, 60}), 10000.0);
  EXPECT_DOUBLE_EQ(BoostingRoundWork(DataShape{Task::kRegression, 1000, 10, 1, 60}), 10000.0);
  EXPECT_DOUBLE_EQ(BoostingRoundWork(DataShape{Task::kMulticlass, 1000, 10, 7, 60}), 70000.0);
  EXPECT_DOUBLE_EQ(BoostingRoundWork(DataShape{Task::kBinary, 1000, 0, 2, 60}), 1000.0);  // no columns: one
}

TEST(DefaultPortfolio, KnnOnlyUpTo50kRows) {
  auto has_knn = [](const DataShape& s) {
    for (const auto& c : DefaultPortfolio(s)) {
      if (c.family == "knn") return true;
    }
    return false;
  };
  EXPECT_TRUE(has_knn(DataShape{Task::kRegression, 50000, 10, 1, 60}));
  EXPECT_FALSE(has_knn(DataShape{Task::kRegression, 50001, 10, 1, 60}));
}

TEST(DefaultPortfolio, ExtraTreesBootstrapFrom10kRowsRandomForestsAlways) {
  auto forest = [](const DataShape& s, const std::string& name) {
    for (const CandidateConfig& c : DefaultPortfolio(s)) {
      if (c.name == name) return c.params;
    }
    ADD_FAILURE() << name << " not in the portfolio";
    return Json::object();
  };
  const DataShape small{Task::kBinary, 10000, 5, 2, 60};
  const DataShape large{Task::kBinary, 10001, 5, 2, 60};
  EXPECT_FALSE(forest(small, "ExtraTrees_1").at("bootstrap").get<bool>());
  EXPECT_TRUE(forest(large, "ExtraTrees_1").at("bootstrap").get<bool>());
  EXPECT_EQ(forest(small, "ExtraTrees_1").at("min_samples_leaf").get<int>(), 1);
  EXPECT_EQ(forest(large, "ExtraTrees_1").at("min_samples_leaf").get<int>(), 3);
  // The random forest's default is to bootstrap.
  EXPECT_FALSE(forest(small, "RandomForest_1").contains("bootstrap"));
}

TEST(DefaultPortfolio, BoostersOneHotUpTo64LevelsForestsKeepTheDefault) {
  const DataShape adult{Task::kBinary, 32561, 14, 2, 300};
  int boosters = 0;
  int forests = 0;
  for (const CandidateConfig& c : DefaultPortfolio(adult)) {
    if (c.features.encoding != Encoding::kTree || c.features.native_categorical) continue;
    if (c.family == "xgboost") {
      ++boosters;
      EXPECT_EQ(c.features.max_onehot_levels, 64) << c.name;
      EXPECT_EQ(PipelineId(c.features), "tree_onehot64") << c.name;
    } else {
      ASSERT_TRUE(c.family == "random_forest" || c.family == "extra_trees") << c.name;
      ++forests;
      EXPECT_EQ(c.features.max_onehot_levels, FeatureOptions{}.max_onehot_levels) << c.name;
      EXPECT_EQ(PipelineId(c.features), "tree") << c.name;
    }
  }
  EXPECT_GE(boosters, 3);
  EXPECT_EQ(forests, 2);
  // Sampled one-hot boosters use the same pipeline as the portfolio's.
  const LearnerRegistry builtins = LearnerRegistry::WithBuiltins();
  std::mt19937_64 rng(5);
  int sampled = 0;
  for (int i = 0; i < 50; ++i) {
    CandidateConfig c = SampleConfig(builtins, rng, i, {"xgboost"});
    if (c.features.native_categorical) continue;
    ++sampled;
    EXPECT_EQ(PipelineId(c.features), "tree_onehot64");
  }
  EXPECT_GT(sampled, 0);
}

// A large table's search reads categoricals as codes where the family can:
// the one-hot boosters switch (parameter and pipeline), the forests and the
// dense configs stay as they are.
TEST(ReadCategoricalsAsCodes, BoostersSwitchOthersStay) {
  const LearnerRegistry builtins = LearnerRegistry::WithBuiltins();
  const DataShape large{Task::kBinary, 1000000, 14, 2, 120};
  int switched = 0;
  for (CandidateConfig c : DefaultPortfolio(large, builtins)) {
    const CandidateConfig before = c;
    const bool changed = ReadCategoricalsAsCodes(c, builtins);
    if (before.family == "xgboost" && !before.features.native_categorical) {
      EXPECT_TRUE(changed) << c.name;
      EXPECT_EQ(PipelineId(c.features), "tree_native") << c.name;
      EXPECT_EQ(c.params.at("enable_categorical"), true) << c.name;
      ++switched;
    } else {
      EXPECT_FALSE(changed) << c.name;
      EXPECT_EQ(PipelineId(c.features), PipelineId(before.features)) << c.name;
      EXPECT_EQ(c.params, before.params) << c.name;
    }
  }
  EXPECT_GE(switched, 3);
}

TEST(PipelineId, NamesEachEncoding) {
  FeatureOptions f;
  EXPECT_EQ(PipelineId(f), "tree");
  f.max_onehot_levels = 20;
  EXPECT_EQ(PipelineId(f), "tree_onehot20");
  f.native_categorical = true;
  EXPECT_EQ(PipelineId(f), "tree_native");
  f.encoding = Encoding::kDense;
  EXPECT_EQ(PipelineId(f), "dense");
}

TEST(SampleConfig, LargerNetsAreEstimatedToCostMore) {
  const LearnerRegistry builtins = LearnerRegistry::WithBuiltins();
  std::mt19937_64 rng(3);
  double cost_128_64 = 0;
  double cost_512_256 = 0;
  for (int i = 0; i < 200 && (cost_128_64 == 0 || cost_512_256 == 0); ++i) {
    CandidateConfig c = SampleConfig(builtins, rng, i, {"mlp"});
    ASSERT_EQ(c.family, "mlp");
    const std::string hidden = c.params.at("hidden").get<std::string>();
    if (hidden == "128,64") cost_128_64 = c.relative_cost;
    if (hidden == "512,256") cost_512_256 = c.relative_cost;
  }
  ASSERT_GT(cost_128_64, 0);
  ASSERT_GT(cost_512_256, 0);
  // The same shape as NeuralNet_1 costs the same; four times the width, far more.
  EXPECT_DOUBLE_EQ(cost_128_64, 2.5);
  EXPECT_GT(cost_512_256, 5 * cost_128_64);
}

std::vector<std::string> Names(const std::vector<CandidateConfig>& configs) {
  std::vector<std::string> out;
  for (const CandidateConfig& c : configs) out.push_back(c.name);
  return out;
}

TEST(DefaultPortfolioOverARegistry, TheBuiltinsGetTheCuratedPortfolioOnly) {
  const DataShape shape{Task::kBinary, 5000, 10, 2, 60};
  EXPECT_EQ(Names(DefaultPortfolio(shape, LearnerRegistry::WithBuiltins())), Names(DefaultPortfolio(shape)));
}

TEST(DefaultPortfolioOverARegistry, AFamilyWithoutACuratedConfigGetsAnOptInDefaultCandidate) {
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  testing::RegisterToyLearner(learners);
  const DataShape shape{Task::kMulticlass, 5000, 10, 3, 60};
  const std::vector<CandidateConfig> p = DefaultPortfolio(shape, learners);
  ASSERT_EQ(p.size(), DefaultPortfolio(shape).size() + 1);
  const CandidateConfig& toy = p.back();
  EXPECT_EQ(toy.family, testing::kToyFamily);
  EXPECT_EQ(toy.name, std::string(testing::kToyFamily) + "_1");
  EXPECT_EQ(toy.params, Json::object());
  EXPECT_TRUE(toy.opt_in);                             // runs only when --learners names it
  EXPECT_EQ(toy.features.encoding, Encoding::kDense);  // its learner's flavor
  EXPECT_EQ(PipelineId(toy.features), "dense");
}

TEST(DefaultPortfolioOverARegistry, ConfigsOfUnregisteredFamiliesAreLeftOut) {
  LearnerRegistry only_toy;
  testing::RegisterToyLearner(only_toy);
  const std::vector<CandidateConfig> p = DefaultPortfolio(DataShape{Task::kRegression, 100, 3, 1, 10}, only_toy);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].family, testing::kToyFamily);
}

}  // namespace
}  // namespace tabpilot
