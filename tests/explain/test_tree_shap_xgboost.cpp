// TreeSHAP on compiled XGBoost boosters against XGBoost's own pred_contribs
// (the oracle): binary, multiclass and regression; depth-wise, leaf-wise
// (deep, so features repeat on a path) and native categorical boosters
// (partition and one-vs-rest splits); rows with missing values and unseen
// category codes. Every value, the bias included, to 1e-4; and the sums to
// the compiled forest's margins.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "compiled/xgboost_converter.h"
#include "explain/tree_shap.h"
#include "learners/learner_registry.h"
#include "learners/xgboost_api.h"
#include "learners/xgboost_learner.h"
#include "shap_test_util.h"
#include "support/task_labels.h"

namespace tabpilot::shap_xgboost {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr size_t kCols = 6;
constexpr size_t kCategoryColumn = 0;  // codes 0..8 in training

int NumClasses(Task task) { return task == Task::kMulticlass ? 3 : task == Task::kBinary ? 2 : 1; }

// Rows: column 0 a category code 0..8 (in test rows also unseen codes),
// the others numbers with 10% missing; the label depends on the category,
// columns 1 and 2 and their interaction.
Matrix MakeRows(size_t rows, uint32_t seed, bool unseen_codes) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Matrix x(rows, kCols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < kCols; ++c) x.at(r, c) = rng() % 10 == 0 ? kMissing : normal(rng);
    const uint32_t code = unseen_codes ? rng() % 12 : rng() % 9;
    x.at(r, kCategoryColumn) = rng() % 20 == 0 ? kMissing : static_cast<float>(code);
  }
  return x;
}

std::vector<float> MakeLabels(const Matrix& x, Task task, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  std::vector<float> y(x.rows);
  for (size_t r = 0; r < x.rows; ++r) {
    const float code = x.at(r, kCategoryColumn);
    const float signal = (code == 1 || code == 4 || code == 6) ? 1.0f : -1.0f;
    const float x1 = std::isnan(x.at(r, 1)) ? 0.5f : x.at(r, 1);
    const float x2 = std::isnan(x.at(r, 2)) ? -0.5f : x.at(r, 2);
    const float z = signal + x1 + 0.7f * x1 * x2 + normal(rng);
    y[r] = testing::TaskLabel(task, z, -0.5f, 0.8f);
  }
  return y;
}

struct Case {
  std::string name;
  Json params;
  bool categorical = false;  // column 0 as a native categorical feature
};

// Trains `c`, compiles it, explains test rows and compares with XGBoost's
// pred_contribs on the same bytes.
void CheckAgainstXgboost(const Case& c, Task task) {
  SCOPED_TRACE(c.name + "/" + TaskName(task));
  const Matrix x = MakeRows(1000, 3, false);
  const std::vector<float> y = MakeLabels(x, task, 4);
  FitOptions options;
  options.task = task;
  options.num_classes = NumClasses(task);
  options.seed = 7;
  static const std::vector<size_t> kCategorical = {kCategoryColumn};
  if (c.categorical) options.categorical_features = &kCategorical;
  const auto model =
      LearnerRegistry::WithBuiltins().Create("xgboost", c.params)->Fit(TrainData{&x, &y, nullptr}, nullptr, options);
  const std::string bytes = model->Serialize();
  const CompiledForest forest = CompileXgboostModel(bytes);
  const auto shap = TreeShap::Create(forest, TreeShap::Options{});
  ASSERT_EQ(shap->num_features(), kCols);

  const Matrix test = MakeRows(300, 9, true);
  const std::vector<double> ours = testing::ExplainAndCheckSums(forest, *shap, test, 2);
  std::vector<double> ours1(ours.size());
  shap->Explain(test, ours1.data(), 1);
  EXPECT_EQ(ours, ours1);  // the thread count changes nothing

  XgbBooster booster = XgbBooster::LoadFromBuffer(SplitXgboostModel(bytes).ubjson);
  booster.SetParam("nthread", "1");
  XgbDMatrix matrix = XgbDMatrix::FromDense(test.values.data(), test.rows, test.cols, 1);
  if (c.categorical) matrix.SetStrFeatureInfo("feature_type", {"c", "q", "q", "q", "q", "q"});
  std::vector<float> theirs;
  booster.PredictContribs(matrix, &theirs);
  ASSERT_EQ(theirs.size(), ours.size());
  double worst = 0;
  size_t nonzero = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    const double diff = std::abs(ours[i] - static_cast<double>(theirs[i]));
    worst = std::max(worst, diff);
    nonzero += theirs[i] != 0 ? 1 : 0;
    ASSERT_LE(diff, 1e-4) << "value " << i << ": ours " << ours[i] << ", XGBoost's " << theirs[i];
  }
  EXPECT_GT(nonzero, ours.size() / 2);  // a real comparison, not of zeros
  // The bias column is the model's expected margin.
  const size_t stride = kCols + 1;
  for (uint32_t r = 0; r < forest.num_raw(); ++r) EXPECT_NEAR(ours[r * stride + kCols], shap->bias()[r], 1e-12);
  std::cout << "[ shap ] " << c.name << "/" << TaskName(task) << ": " << forest.trees().size()
            << " trees, max |ours - pred_contribs| = " << worst << "\n";
}

class XgboostShap : public ::testing::TestWithParam<Task> {};

TEST_P(XgboostShap, DepthWiseMatchesPredContribs) {
  CheckAgainstXgboost({"depthwise", Json{{"n_estimators", 40}, {"max_depth", 5}, {"early_stopping_rounds", 0}}},
                      GetParam());
}

TEST_P(XgboostShap, LeafWiseMatchesPredContribs) {
  CheckAgainstXgboost({"leafwise", Json{{"n_estimators", 20},
                                        {"max_depth", 0},
                                        {"max_leaves", 48},
                                        {"grow_policy", "lossguide"},
                                        {"early_stopping_rounds", 0}}},
                      GetParam());
}

TEST_P(XgboostShap, NativeCategoricalMatchesPredContribs) {
  for (int onehot : {1, 16}) {  // partition splits, then one-vs-rest splits
    CheckAgainstXgboost({"categorical" + std::to_string(onehot),
                         Json{{"n_estimators", 30},
                              {"max_depth", 4},
                              {"early_stopping_rounds", 0},
                              {"enable_categorical", true},
                              {"max_cat_to_onehot", onehot}},
                         true},
                        GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(Tasks, XgboostShap, ::testing::Values(Task::kBinary, Task::kMulticlass, Task::kRegression),
                         [](const ::testing::TestParamInfo<Task>& p) { return std::string(TaskName(p.param)); });

TEST(XgboostShap, WrongWidthIsInvalidInput) {
  const Matrix x = MakeRows(200, 3, false);
  const std::vector<float> y = MakeLabels(x, Task::kRegression, 4);
  FitOptions options;
  options.task = Task::kRegression;
  options.num_classes = 1;
  const auto model = LearnerRegistry::WithBuiltins()
                         .Create("xgboost", Json{{"n_estimators", 3}, {"early_stopping_rounds", 0}})
                         ->Fit(TrainData{&x, &y, nullptr}, nullptr, options);
  const CompiledForest forest = CompileXgboostModel(model->Serialize());
  const auto shap = TreeShap::Create(forest, TreeShap::Options{});
  const Matrix narrow(2, kCols - 1);
  std::vector<double> out(2 * shap->row_width());
  EXPECT_NE(testing::InvalidMessage([&] { shap->Explain(narrow, out.data(), 1); }).find("feature columns"),
            std::string::npos);
}

}  // namespace
}  // namespace tabpilot::shap_xgboost
