// The predictor's compiled trees against each family's own predict, on
// bundles the trainer makes: every tree family (XGBoost one-hot and native
// categorical, random forest, extra trees, the oblivious booster), bagged
// fold models merged, level-2 members fed fold by fold, with missing values,
// infinities and unseen categories in the rows predicted.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "model/bundle.h"
#include "predict/predictor.h"
#include "predict/trained_bundles.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

// Both forms of one trained bundle per task, compiled against the reference.
class CompiledPredictor : public ::testing::TestWithParam<Task> {
 protected:
  // Loads `form` of the bundle twice, compiled and reference, and checks
  // their predictions agree; returns whether a level-2 member is fed fold by fold.
  static bool CheckForm(const std::filesystem::path& model, Task task, BundleForm form);
};

TEST_P(CompiledPredictor, AgreesWithEachFamilysOwnPredict) {
  const Task task = GetParam();
  testing::TempDir dir;
  SaveBundle(testing::TrainBundle(task, {"xgboost", "random_forest", "extra_trees", "oblivious_boost", "linear"}, 9),
             dir / "model", SaveOptions{});
  // The bagged form has a level-2 member fed fold by fold; the full form one
  // model per refit member.
  EXPECT_TRUE(CheckForm(dir / "model", task, BundleForm::kBagged));
  EXPECT_FALSE(CheckForm(dir / "model", task, BundleForm::kFull));
}

bool CompiledPredictor::CheckForm(const std::filesystem::path& model, Task task, BundleForm form) {
  SCOPED_TRACE(BundleFormName(form));
  Predictor::Options reference_options;
  reference_options.threads = 2;
  reference_options.reference = true;
  reference_options.load.form = form;
  Predictor::Options compiled_options = reference_options;
  compiled_options.reference = false;
  const auto reference = Predictor::Load(model, reference_options);
  const auto compiled = Predictor::Load(model, compiled_options);

  // The compiled predictor compiled every tree member's folds.
  std::set<std::string> families;
  bool aligned = false;
  size_t compiled_cells = 0;
  for (size_t i = 0; i < compiled->bundle().members.size(); ++i) {
    const BundleMember& m = compiled->bundle().members[i];
    families.insert(m.family);
    aligned = aligned || m.stack_input_folds > 0;
    for (const FoldCell& cell : compiled->plans()[i].cells) {
      const bool tree = m.family != "linear";
      EXPECT_EQ(cell.compiled != nullptr, tree) << m.name;
      EXPECT_EQ(reference->plans()[i].cells[0].compiled, nullptr) << m.name;
      compiled_cells += cell.compiled != nullptr ? 1 : 0;
    }
  }
  EXPECT_TRUE(families.count("xgboost")) << "families in the bundle: " << families.size();
  EXPECT_GT(compiled_cells, 0u);

  const RawTable raw = ParseRawCsv(testing::QueryCsv(), "query.csv", CsvOptions{});
  const Table table = BuildPredictionInput(raw, compiled->input_schema(), Logger(Logger::Level::kQuiet));
  const Matrix want = reference->Predict(table);
  const Matrix got = compiled->Predict(table);
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.cols, want.cols);
  if (got.values.size() != want.values.size()) return aligned;
  const double tolerance = task == Task::kRegression ? 1e-5 : 1e-6;
  double worst = 0;
  for (size_t i = 0; i < want.values.size(); ++i) {
    EXPECT_TRUE(std::isfinite(got.values[i])) << "value " << i;
    const double scale = task == Task::kRegression ? std::max(1.0, std::fabs(static_cast<double>(want.values[i]))) : 1;
    worst = std::max(worst, std::fabs(static_cast<double>(got.values[i]) - want.values[i]) / scale);
  }
  EXPECT_LE(worst, tolerance);
  return aligned;
}

INSTANTIATE_TEST_SUITE_P(Tasks, CompiledPredictor,
                         ::testing::Values(Task::kBinary, Task::kMulticlass, Task::kRegression),
                         [](const ::testing::TestParamInfo<Task>& p) { return std::string(TaskName(p.param)); });

}  // namespace
}  // namespace tabpilot
