// TreeSHAP on the real Adult census data: an XGBoost booster with native
// categorical splits trained on adult.data (32,561 rows), 1,000 rows of
// adult.test explained; the sums equal the compiled margins and every value
// is XGBoost's own pred_contribs. A missing dataset fails (test_support.h).
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "adult_rows.h"
#include "compiled/xgboost_converter.h"
#include "explain/tree_shap.h"
#include "learners/learner_registry.h"
#include "learners/xgboost_api.h"
#include "learners/xgboost_learner.h"
#include "shap_test_util.h"

namespace tabpilot::shap_adult {
namespace {

TEST(AdultShap, XgboostSumsAndPredContribs) {
  const auto dir = testing::DatasetsDir() / "adult";
  TABPILOT_REQUIRE_DATASET(dir / "adult.data");
  TABPILOT_REQUIRE_DATASET(dir / "adult.test");
  testing::AdultCodes codes;
  Matrix x, test;
  std::vector<float> y, test_y;
  testing::ReadAdult(dir / "adult.data", &codes, &x, &y);
  testing::ReadAdult(dir / "adult.test", &codes, &test, &test_y);
  ASSERT_EQ(x.rows, 32561u);
  ASSERT_EQ(test.rows, 16281u);
  test.rows = 1000;
  test.values.resize(test.rows * test.cols);

  FitOptions options;
  options.task = Task::kBinary;
  options.threads = 2;
  options.seed = 1;
  const std::vector<size_t> categorical = testing::AdultCategorical();
  options.categorical_features = &categorical;
  const auto model =
      LearnerRegistry::WithBuiltins()
          .Create(
              "xgboost",
              Json{{"n_estimators", 150}, {"max_depth", 6}, {"early_stopping_rounds", 0}, {"enable_categorical", true}})
          ->Fit(TrainData{&x, &y, nullptr}, nullptr, options);
  const std::string bytes = model->Serialize();
  const CompiledForest forest = CompileXgboostModel(bytes);
  ASSERT_EQ(forest.trees().size(), 150u);
  const auto shap = TreeShap::Create(forest, TreeShap::Options{});
  const std::vector<double> ours = testing::ExplainAndCheckSums(forest, *shap, test, 2);

  XgbBooster booster = XgbBooster::LoadFromBuffer(SplitXgboostModel(bytes).ubjson);
  booster.SetParam("nthread", "2");
  XgbDMatrix matrix = XgbDMatrix::FromDense(test.values.data(), test.rows, test.cols, 2);
  std::vector<std::string> types(test.cols, "q");
  for (size_t c : categorical) types[c] = "c";
  matrix.SetStrFeatureInfo("feature_type", types);
  std::vector<float> theirs;
  booster.PredictContribs(matrix, &theirs);
  ASSERT_EQ(theirs.size(), ours.size());
  double worst = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    worst = std::max(worst, std::abs(ours[i] - static_cast<double>(theirs[i])));
    ASSERT_NEAR(ours[i], theirs[i], 1e-4) << "row " << i / ours.size() << ", value " << i % shap->row_width();
  }
  // Features that matter on Adult carry weight: relationship or
  // marital-status and capital-gain have large mean |SHAP|.
  std::vector<double> mean_abs(test.cols, 0.0);
  for (size_t i = 0; i < test.rows; ++i) {
    for (size_t f = 0; f < test.cols; ++f) mean_abs[f] += std::abs(ours[i * shap->row_width() + f]) / 1000.0;
  }
  EXPECT_GT(std::max(mean_abs[5], mean_abs[7]), 0.3);
  EXPECT_GT(mean_abs[10], 0.1);
  std::cout << "[ shap ] Adult, 150 trees: max |ours - pred_contribs| = " << worst << "\n";
}

}  // namespace
}  // namespace tabpilot::shap_adult
