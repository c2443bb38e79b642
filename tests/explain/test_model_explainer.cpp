// SHAP values of whole bundles the trainer makes: every tree family (exact
// TreeSHAP; the forests' and the oblivious booster's covers from the
// background, its target statistics handed to their columns), the linear
// model (exact) and the network (sampled), bagged fold models, level-2
// members fed fold by fold with their stack features carried back to the
// input columns, weighted by the ensemble. For every row and class the
// values sum to the predictor's own prediction minus the base, in
// probability and in log-odds; for an additive model they equal the
// interventional Shapley values computed from the predictor alone.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "explain/model_explainer.h"
#include "predict/predictor.h"
#include "predict/trained_bundles.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

Table QueryTable(const Predictor& predictor) {
  const RawTable raw = ParseRawCsv(testing::QueryCsv(), "query.csv", CsvOptions{});
  return BuildPredictionInput(raw, predictor.input_schema(), Logger(Logger::Level::kQuiet));
}

Table FirstRows(const Table& table, size_t n) {
  std::vector<size_t> rows(std::min(n, table.num_rows()));
  std::iota(rows.begin(), rows.end(), size_t{0});
  return table.SelectRows(rows);
}

// Checks the sums of `e` against the predictor's predictions; returns the worst gap.
double CheckSums(const Explanation& e, const Matrix& predicted) {
  EXPECT_EQ(e.rows, predicted.rows);
  double worst = 0;
  for (size_t i = 0; i < e.rows; ++i) {
    for (size_t c = 0; c < e.outputs; ++c) {
      double sum = e.base[c];
      for (size_t j = 0; j < e.columns; ++j) {
        EXPECT_TRUE(std::isfinite(e.at(i, c, j))) << "row " << i;
        sum += e.at(i, c, j);
      }
      EXPECT_NEAR(sum, e.prediction[i * e.outputs + c], 1e-9 * std::max(1.0, std::fabs(sum)));
      const double p = predicted.at(i, c);
      double want = p;
      if (e.scale == ExplainScale::kLogOdds) {
        if (p < 1e-3 || p > 1 - 1e-3) continue;  // log-odds amplify float rounding near 0 and 1
        want = std::log(p / (1 - p));
      }
      const double gap = std::fabs(sum - want) / std::max(1.0, std::fabs(want));
      worst = std::max(worst, gap);
      EXPECT_LE(gap, 1e-4) << "row " << i << ", output " << c << ": base + values " << sum << ", predicted " << want;
    }
  }
  return worst;
}

class ModelExplainerTasks : public ::testing::TestWithParam<Task> {};

TEST_P(ModelExplainerTasks, ValuesSumToThePredictionForEveryFamilyAndLevel) {
  const Task task = GetParam();
  Predictor::Options po;
  po.threads = 2;
  const auto predictor = Predictor::FromBundle(
      testing::TrainBundle(task, {"xgboost", "random_forest", "oblivious_boost", "linear", "mlp"}, 8), po);
  // The bundle has what the test is about: a level-2 member, and every method.
  bool stacked = false;
  for (const BundleMember& m : predictor->bundle().members) stacked = stacked || !m.stack_inputs.empty();
  EXPECT_TRUE(stacked) << "the trained bundle has no level-2 member";

  const Table rows = QueryTable(*predictor);
  ModelExplainer::Options options;
  options.threads = 2;
  options.sampling.orderings = 4;
  const auto explainer = ModelExplainer::Create(*predictor, FirstRows(rows, 60), options);
  std::set<std::string> methods;
  for (const Json& m : explainer->Methods()) {
    for (const Json& method : m.at("methods")) methods.insert(method.get<std::string>());
  }
  EXPECT_TRUE(methods.count("tree_shap"));
  EXPECT_TRUE(methods.count("linear"));
  EXPECT_TRUE(methods.count("sampling"));

  const Matrix predicted = predictor->Predict(rows);
  if (task == Task::kRegression) {
    const Explanation e = explainer->Explain(rows, ExplainScale::kRaw, 2);
    CheckSums(e, predicted);
    EXPECT_THROW((void)explainer->Explain(rows, ExplainScale::kLogOdds, 2), InvalidInput);
    return;
  }
  const Explanation probability = explainer->Explain(rows, ExplainScale::kProbability, 2);
  CheckSums(probability, predicted);
  const Explanation log_odds = explainer->Explain(rows, ExplainScale::kLogOdds, 1);
  CheckSums(log_odds, predicted);
  // The columns the label depends on matter more than none: a, b and colour carry weight.
  double a = 0;
  for (size_t i = 0; i < log_odds.rows; ++i) a += std::fabs(log_odds.at(i, log_odds.outputs - 1, 0));
  EXPECT_GT(a / static_cast<double>(log_odds.rows), 0.05);
  EXPECT_THROW((void)explainer->Explain(rows, ExplainScale::kRaw, 2), InvalidInput);
}

INSTANTIATE_TEST_SUITE_P(Tasks, ModelExplainerTasks,
                         ::testing::Values(Task::kBinary, Task::kMulticlass, Task::kRegression),
                         [](const ::testing::TestParamInfo<Task>& p) { return std::string(TaskName(p.param)); });

// A linear model is additive over its input columns (each column's features
// are its own), so its values must be the interventional Shapley values:
// f(x) minus the mean over the background of f with that column taken from
// the background row, computed from the predictor alone.
TEST(ModelExplainer, AdditiveModelGivesInterventionalShapleyValues) {
  Predictor::Options po;
  po.threads = 2;
  const auto predictor = Predictor::FromBundle(testing::TrainBundle(Task::kRegression, {"linear"}, 1), po);
  const Table rows = QueryTable(*predictor);
  const Table background = FirstRows(rows, 40);
  const auto explainer = ModelExplainer::Create(*predictor, background, ModelExplainer::Options{});
  const Table explained = FirstRows(rows, 25);
  const Explanation e = explainer->Explain(explained, ExplainScale::kRaw, 2);
  const Matrix own = predictor->Predict(explained);
  for (size_t i = 0; i < explained.num_rows(); ++i) {
    for (size_t j = 0; j < e.columns; ++j) {
      Table mixed = explained.SelectRows(std::vector<size_t>(background.num_rows(), i));
      const size_t col = *mixed.Find(explainer->columns()[j]);
      mixed.mutable_column(col) = background.column(*background.Find(explainer->columns()[j]));
      const Matrix swapped = predictor->Predict(mixed);
      double mean = 0;
      for (float v : swapped.values) mean += v;
      mean /= static_cast<double>(swapped.rows);
      EXPECT_NEAR(e.at(i, 0, j), own.at(i, 0) - mean, 1e-4) << "row " << i << ", column " << explainer->columns()[j];
    }
  }
}

TEST(ModelExplainer, RefusesAnEmptyBackground) {
  const auto predictor =
      Predictor::FromBundle(testing::TrainBundle(Task::kBinary, {"linear"}, 1), Predictor::Options{});
  const Table rows = QueryTable(*predictor);
  EXPECT_THROW((void)ModelExplainer::Create(*predictor, FirstRows(rows, 0), ModelExplainer::Options{}), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
