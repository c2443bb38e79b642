// Every tree family, trained through the learner registry, compiled from its
// serialized bytes and compared with the family's own Predict (XGBoost's
// predictor, the forest's walk, the oblivious booster's, the additive model's): binary, multiclass
// and regression, rows with NaN, +-inf, huge values and unseen categories.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "compiled/additive_converter.h"
#include "compiled/compiled_merge.h"
#include "compiled/forest_converter.h"
#include "compiled/oblivious_converter.h"
#include "compiled/xgboost_converter.h"
#include "learners/learner_registry.h"

namespace tabpilot {
namespace {

constexpr float kInfinity = std::numeric_limits<float>::infinity();
constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr size_t kCols = 6;
constexpr size_t kCategoryColumn = 0;  // codes 0..8 in training

int NumClasses(Task task) { return task == Task::kMulticlass ? 3 : task == Task::kBinary ? 2 : 1; }

// Training rows: column 0 a category code 0..8, the rest numbers with some NaN.
TrainData MakeTrain(Task task, Matrix* x, std::vector<float>* y, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t rows = 800;
  *x = Matrix(rows, kCols);
  y->resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < kCols; ++c) x->at(r, c) = rng() % 10 == 0 ? kMissing : normal(rng);
    const int code = static_cast<int>(rng() % 9);
    x->at(r, kCategoryColumn) = static_cast<float>(code);
    const float signal = (code == 1 || code == 4 || code == 6) ? 1.0f : -1.0f;
    const float x1 = std::isnan(x->at(r, 1)) ? 0.5f : x->at(r, 1);
    const float z = signal + x1 + 0.5f * normal(rng);
    (*y)[r] = task == Task::kRegression ? z
              : task == Task::kBinary   ? (z > 0 ? 1.0f : 0.0f)
                                        : (z < -0.5f  ? 0.0f
                                           : z < 0.8f ? 1.0f
                                                      : 2.0f);
  }
  return TrainData{x, y, nullptr};
}

// Rows the models never saw: NaN, +-inf, huge and tiny values, negative
// zero, and in the category column unseen, negative, fractional, huge and
// infinite codes.
Matrix MakeTestRows(size_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  const std::vector<float> specials = {kMissing, kInfinity, -kInfinity, 1e30f, -1e30f, -0.0f, 1e-40f, 0.0f};
  const std::vector<float> codes = {0,  1,     2,    3,     4,        5,           6,           7,
                                    8,  9,     12,   40,    1000,     16777215.0f, 16777216.0f, 3e9f,
                                    -1, -0.5f, 2.5f, 4.99f, kMissing, kInfinity,   -kInfinity};
  Matrix x(rows, kCols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < kCols; ++c) {
      x.at(r, c) = rng() % 5 == 0 ? specials[rng() % specials.size()] : normal(rng);
    }
    x.at(r, kCategoryColumn) = codes[rng() % codes.size()];
  }
  return x;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
  }
  return worst;
}

struct Case {
  std::string family;
  Json params;
  bool categorical = false;  // pass column 0 as categorical
};

std::string Name(const Case& c, Task task) { return c.family + (c.categorical ? "+cat" : "") + "/" + TaskName(task); }

// Fits `c` on `task`, compiles its bytes with `compile`, and checks the
// compiled predictions against the model's own, on 1 and 3 threads.
template <typename Compile>
void CheckFamily(const Case& c, Task task, Compile compile) {
  SCOPED_TRACE(Name(c, task));
  Matrix x;
  std::vector<float> y;
  const TrainData train = MakeTrain(task, &x, &y, 11);
  FitOptions options;
  options.task = task;
  options.num_classes = NumClasses(task);
  options.seed = 5;
  static const std::vector<size_t> kCategorical = {kCategoryColumn};
  if (c.categorical) options.categorical_features = &kCategorical;
  const auto learner = LearnerRegistry::WithBuiltins().Create(c.family, c.params);
  const auto model = learner->Fit(train, nullptr, options);
  const CompiledForest compiled = compile(model->Serialize());
  ASSERT_EQ(compiled.num_outputs(), model->num_outputs());

  const Matrix test = MakeTestRows(3000, 23);
  const size_t n = test.rows * static_cast<size_t>(model->num_outputs());
  std::vector<float> want(n), got(n), got3(n);
  model->Predict(test, want.data(), 1);
  compiled.Predict(test, got.data(), 1);
  compiled.Predict(test, got3.data(), 3);
  const double diff = MaxAbsDiff(want, got);
  std::cout << "[ compiled ] " << Name(c, task) << ": " << compiled.trees().size()
            << " trees, max |compiled - own Predict| = " << diff << "\n";
  EXPECT_LE(diff, 1e-6);
  EXPECT_EQ(got, got3);  // blocks do not depend on the thread count
  // The training rows too (categories seen, NaN).
  std::vector<float> want_train(x.rows * static_cast<size_t>(model->num_outputs())), got_train(want_train.size());
  model->Predict(x, want_train.data(), 1);
  compiled.Predict(x, got_train.data(), 2);
  EXPECT_LE(MaxAbsDiff(want_train, got_train), 1e-6);
}

class CompiledFamilies : public ::testing::TestWithParam<Task> {};

TEST_P(CompiledFamilies, XgboostMatchesItsPredict) {
  const Case c{"xgboost", Json{{"n_estimators", 60}, {"max_depth", 5}, {"early_stopping_rounds", 0}}, false};
  CheckFamily(c, GetParam(), [](std::string_view b) { return CompileXgboostModel(b); });
}

TEST_P(CompiledFamilies, XgboostNativeCategoricalMatchesItsPredict) {
  for (int onehot : {1, 16}) {  // partition splits, then one-vs-rest splits
    const Case c{"xgboost",
                 Json{{"n_estimators", 40},
                      {"max_depth", 4},
                      {"early_stopping_rounds", 0},
                      {"enable_categorical", true},
                      {"max_cat_to_onehot", onehot}},
                 true};
    CheckFamily(c, GetParam(), [](std::string_view b) { return CompileXgboostModel(b); });
  }
}

TEST_P(CompiledFamilies, XgboostLeafWiseMatchesItsPredict) {
  const Case c{"xgboost",
               Json{{"n_estimators", 30},
                    {"max_depth", 0},
                    {"max_leaves", 31},
                    {"grow_policy", "lossguide"},
                    {"early_stopping_rounds", 0}},
               false};
  CheckFamily(c, GetParam(), [](std::string_view b) { return CompileXgboostModel(b); });
}

TEST_P(CompiledFamilies, RandomForestMatchesItsPredict) {
  const Case c{"random_forest", Json{{"n_estimators", 30}}, false};
  CheckFamily(c, GetParam(), [](std::string_view b) { return CompileForestModel(b); });
}

TEST_P(CompiledFamilies, ExtraTreesMatchesItsPredict) {
  const Case c{"extra_trees", Json{{"n_estimators", 30}}, false};
  CheckFamily(c, GetParam(), [](std::string_view b) { return CompileForestModel(b); });
}

TEST_P(CompiledFamilies, ObliviousBoostMatchesItsPredict) {
  // Numbers only; column 0's nine levels one against the rest; its target
  // statistics (one_hot_max_size below its levels).
  for (const auto& [categorical, one_hot] : {std::pair{false, 64}, std::pair{true, 64}, std::pair{true, 0}}) {
    const Case c{"oblivious_boost",
                 Json{{"iterations", 60},
                      {"depth", 4},
                      {"early_stopping_rounds", 0},
                      {"cat_pairs", categorical},
                      {"one_hot_max_size", one_hot}},
                 categorical};
    CheckFamily(c, GetParam(), [](std::string_view b) { return CompileObliviousModel(b); });
  }
}

TEST_P(CompiledFamilies, AdditiveBoostMatchesItsPredict) {
  for (bool categorical : {false, true}) {  // column 0 as a number; as codes, a leaf each
    const Case c{"additive_boost", Json{{"max_cycles", 40}, {"early_stopping_rounds", 0}}, categorical};
    CheckFamily(c, GetParam(), [](std::string_view b) { return CompileAdditiveModel(b); });
  }
}

INSTANTIATE_TEST_SUITE_P(Tasks, CompiledFamilies,
                         ::testing::Values(Task::kBinary, Task::kMulticlass, Task::kRegression),
                         [](const ::testing::TestParamInfo<Task>& p) { return std::string(TaskName(p.param)); });

// Fold models of one member, merged: the merged forest's outputs are the mean
// of the fold models' own predictions (margins are not averaged: each fold's
// logistic/softmax stays its own).
TEST_P(CompiledFamilies, MergedFoldModelsAverageTheirPredictions) {
  const Task task = GetParam();
  Matrix x;
  std::vector<float> y;
  const TrainData train = MakeTrain(task, &x, &y, 17);
  FitOptions options;
  options.task = task;
  options.num_classes = NumClasses(task);
  const auto registry = LearnerRegistry::WithBuiltins();
  std::vector<std::unique_ptr<Model>> models;
  std::vector<CompiledForest> compiled;
  for (int fold = 0; fold < 3; ++fold) {
    options.seed = static_cast<uint64_t>(fold);
    const auto xgb = registry.Create("xgboost", Json{{"n_estimators", 20}, {"early_stopping_rounds", 0}});
    models.push_back(xgb->Fit(train, nullptr, options));
    compiled.push_back(CompileXgboostModel(models.back()->Serialize()));
    const auto forest = registry.Create("random_forest", Json{{"n_estimators", 10}});
    models.push_back(forest->Fit(train, nullptr, options));
    compiled.push_back(CompileForestModel(models.back()->Serialize()));
    // Column 0 as a category: the booster's target statistics become each
    // model's own extension features in the merged forest.
    const auto obl = registry.Create("oblivious_boost", Json{{"iterations", 20}, {"early_stopping_rounds", 0}});
    static const std::vector<size_t> kCategorical = {kCategoryColumn};
    options.categorical_features = &kCategorical;
    models.push_back(obl->Fit(train, nullptr, options));
    compiled.push_back(CompileObliviousModel(models.back()->Serialize()));
    options.categorical_features = nullptr;
  }
  std::vector<WeightedForest> weighted;
  const double w = 1.0 / static_cast<double>(compiled.size());
  for (const CompiledForest& f : compiled) weighted.push_back({&f, w});
  const CompiledForest merged = MergeCompiledForests(weighted);
  EXPECT_EQ(merged.extensions().size(), 3u);

  const Matrix test = MakeTestRows(1000, 29);
  const size_t outputs = static_cast<size_t>(models[0]->num_outputs());
  std::vector<double> mean(test.rows * outputs, 0.0);
  std::vector<float> one(test.rows * outputs);
  for (const auto& m : models) {
    m->Predict(test, one.data(), 1);
    for (size_t i = 0; i < one.size(); ++i) mean[i] += w * one[i];
  }
  std::vector<float> want(mean.begin(), mean.end()), got(one.size());
  merged.Predict(test, got.data(), 2);
  const double diff = MaxAbsDiff(want, got);
  std::cout << "[ compiled ] merged " << models.size() << " models (" << merged.parts().size() << " parts), "
            << TaskName(task) << ": max |merged - mean of own| = " << diff << "\n";
  EXPECT_LE(diff, 1e-6);
}

}  // namespace
}  // namespace tabpilot
