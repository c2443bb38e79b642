#include <gtest/gtest.h>

#include "automl/bagging.h"
#include "automl/portfolio.h"
#include "automl/refit.h"
#include "learners/learner_registry.h"
#include "toy_learner.h"

namespace tabpilot {
namespace {

TEST(RefitParams, BoosterGetsTheMeanRoundsOfItsFoldsAndNoEarlyStopping) {
  const Json folds = Json::array({Json{{"best_iteration", 99}, {"rounds", 100}, {"rounds_trained", 150}},
                                  Json{{"best_iteration", 200}, {"rounds", 201}, {"rounds_trained", 251}},
                                  Json{{"best_iteration", 150}, {"rounds", 151}, {"rounds_trained", 201}}});
  const Json params{{"n_estimators", 2000}, {"learning_rate", 0.1}, {"early_stopping_rounds", 50}};
  const Json refit = RefitParams("xgboost", params, folds).value();
  EXPECT_EQ(refit.at("n_estimators").get<int>(), 151);  // (100 + 201 + 151) / 3 = 150.67
  EXPECT_EQ(refit.at("early_stopping_rounds").get<int>(), 0);
  EXPECT_DOUBLE_EQ(refit.at("learning_rate").get<double>(), 0.1);
}

TEST(RefitParams, NetworkGetsTheMeanBestEpochWhenItsFoldsStoppedEarly) {
  const Json folds =
      Json::array({Json{{"epochs_trained", 20}, {"best_epoch", 15}}, Json{{"epochs_trained", 30}, {"best_epoch", 24}}});
  const Json refit = RefitParams("mlp", Json{{"epochs", 50}, {"hidden", "128,64"}}, folds).value();
  EXPECT_EQ(refit.at("epochs").get<int>(), 20);  // (15 + 24) / 2 = 19.5, rounded half away from zero
  EXPECT_EQ(refit.at("hidden").get<std::string>(), "128,64");
  // Without validation no fold reports a best epoch: the configured epochs stay.
  const Json unvalidated =
      RefitParams("mlp", Json{{"epochs", 50}}, Json::array({Json{{"epochs_trained", 50}}})).value();
  EXPECT_EQ(unvalidated.at("epochs").get<int>(), 50);
}

TEST(RefitParams, FamiliesWithoutEarlyStoppingAreUnchanged) {
  const Json params{{"n_estimators", 200}, {"min_samples_leaf", 1}};
  EXPECT_EQ(RefitParams("random_forest", params, Json::array({Json::object()})).value(), params);
  EXPECT_EQ(RefitParams("linear", Json{{"c", 1.0}}, Json::array()).value(), (Json{{"c", 1.0}}));
}

TEST(RefitParams, BoosterWithoutReportedRoundsIsNotRefitted) {
  const Json params{{"n_estimators", 2000}, {"early_stopping_rounds", 50}};
  EXPECT_FALSE(RefitParams("xgboost", params, Json{{"not", "an array"}}).has_value());
  EXPECT_FALSE(RefitParams("xgboost", params, Json::array({Json::object(), Json{{"rounds", "x"}}})).has_value());
}

TEST(RefitParams, ObliviousBoostGetsTheMeanTreesOfItsFoldsAndNoEarlyStopping) {
  // Without this the refit boosted its full `iterations` (2000) on all rows.
  const Json folds = Json::array({Json{{"trees", 120}, {"trees_trained", 170}, {"best_validation_loss", 0.3}},
                                  Json{{"trees", 181}, {"trees_trained", 231}, {"best_validation_loss", 0.31}}});
  const Json params{{"learning_rate", 0.08}, {"depth", 6}};
  const Json refit = RefitParams("oblivious_boost", params, folds).value();
  EXPECT_EQ(refit.at("iterations").get<int>(), 151);  // (120 + 181) / 2 = 150.5
  EXPECT_EQ(refit.at("early_stopping_rounds").get<int>(), 0);
  EXPECT_DOUBLE_EQ(refit.at("learning_rate").get<double>(), 0.08);
  EXPECT_EQ(refit.at("depth").get<int>(), 6);
  // Folds that do not report their trees: the effort is unknown.
  EXPECT_FALSE(RefitParams("oblivious_boost", params, Json::array({Json::object()})).has_value());
}

TEST(RefitParams, KeysThatAreNotTheFamilysPassThrough) {
  // The trainer keeps a level-2 member's inputs among its params.
  const Json params{{"max_depth", 4}, {"stack_inputs", Json::array({"XGBoost_1", "Linear_1"})}};
  const Json refit = RefitParams("xgboost", params, Json::array({Json{{"rounds", 40}}})).value();
  EXPECT_EQ(refit.at("stack_inputs"), params.at("stack_inputs"));
  EXPECT_EQ(refit.at("max_depth").get<int>(), 4);
  EXPECT_EQ(refit.at("n_estimators").get<int>(), 40);
  // Only what the refit changes is written: no defaults are filled in.
  EXPECT_FALSE(refit.contains("learning_rate"));
}

TEST(RefitParams, BadFamilyOrParamsAreInvalidInput) {
  EXPECT_THROW(RefitParams("no_such_family", Json::object(), Json::array()), InvalidInput);
  EXPECT_THROW(RefitParams("xgboost", Json{{"max_depth", -3}}, Json::array()), InvalidInput);
}

TEST(RefitParams, AFamilyOutsideTheBuiltinsIsAskedThroughItsRegistry) {
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  testing::RegisterToyLearner(learners);
  const Json params{{"smoothing", 2.0}};
  EXPECT_EQ(RefitParams(learners, testing::kToyFamily, params, Json::array()).value(), params);
  EXPECT_THROW(RefitParams(testing::kToyFamily, params, Json::array()), InvalidInput);  // not a built-in
}

// A family added by registration alone goes through the automl pieces the
// trainer chains (portfolio candidate -> k-fold bag -> refit parameters ->
// one fit on all rows) with nothing in automl/ naming it.
TEST(RefitParams, ANewFamilyIsBaggedAndRefittedThroughItsRegistryAlone) {
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  testing::RegisterToyLearner(learners);
  const DataShape shape{Task::kBinary, 40, 2, 2, 0};
  CandidateConfig config;
  for (const CandidateConfig& c : DefaultPortfolio(shape, learners)) {
    if (c.family == testing::kToyFamily) config = c;
  }
  ASSERT_EQ(config.family, testing::kToyFamily);
  Matrix x(40, 2);
  std::vector<float> y(40);
  std::vector<int> folds(40);
  for (size_t r = 0; r < 40; ++r) {
    x.at(r, 0) = static_cast<float>(r);
    x.at(r, 1) = 1.0f;
    y[r] = r % 4 == 0 ? 1.0f : 0.0f;  // a quarter positive
    folds[r] = static_cast<int>(r % 4);
  }
  const auto learner = learners.Create(config.family, config.params);
  FitOptions fit;
  fit.task = Task::kBinary;
  BaggingOptions bagging;
  bagging.num_folds = 4;
  const BaggedFit bag = FitBagged(*learner, x, y, folds, fit, bagging);
  ASSERT_TRUE(bag.complete);
  ASSERT_EQ(bag.folds.size(), 4u);
  // Fold 0 holds every positive: its model saw none, so its held-out rows
  // get the smoothed prior 1 / (30 + 2) of the positive class.
  EXPECT_FLOAT_EQ(bag.oof.at(0, 1), 1.0f / 32.0f);
  const Json params = RefitParams(learners, config.family, config.params, bag.info).value();
  EXPECT_EQ(params, config.params);  // no early stopping: nothing to fix
  const auto refit = learners.Create(config.family, params)->Fit({&x, &y, nullptr}, nullptr, fit);
  std::vector<float> p(2);
  refit->Predict(Matrix(1, 2, 0.0f), p.data(), 1);
  EXPECT_FLOAT_EQ(p[1], 11.0f / 42.0f);  // (10 + 1) / (40 + 2)
}

}  // namespace
}  // namespace tabpilot
