#include "automl/refit.h"

#include <gtest/gtest.h>

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
  const Json folds = Json::array({Json{{"epochs_trained", 20}, {"best_epoch", 15}},
                                  Json{{"epochs_trained", 30}, {"best_epoch", 24}}});
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

}  // namespace
}  // namespace tabpilot
