// The predictor's compiled trees against each family's own predict, on
// bundles the trainer makes: every tree family (XGBoost one-hot and native
// categorical, random forest, extra trees, the oblivious booster), bagged
// fold models merged, level-2 members fed fold by fold, with missing values,
// infinities and unseen categories in the rows predicted.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "automl/trainer.h"
#include "model/bundle.h"
#include "predict/predictor.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

const char* const kColours[] = {"red",   "green", "blue", "cyan",   "magenta", "yellow",
                                "black", "white", "grey", "orange", "purple",  "brown"};

// Two numbers (some missing), a 12-level and a 3-level category and a target
// of `task`'s kind that depends on all of them.
std::string Csv(Task task, int rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_int_distribution<int> colour(0, 11);
  std::uniform_int_distribution<int> size(0, 2);
  std::string csv = "a,b,colour,size,target\n";
  for (int i = 0; i < rows; ++i) {
    const double a = noise(rng), b = noise(rng);
    const int c = colour(rng), s = size(rng);
    const double z = 1.5 * a - b + (c % 3 == 0 ? 1.0 : -0.5) + 0.4 * s + 0.7 * noise(rng);
    std::string target;
    if (task == Task::kRegression) {
      target = std::to_string(z);
    } else if (task == Task::kBinary) {
      target = z > 0 ? "yes" : "no";
    } else {
      target = z < -0.7 ? "low" : (z < 0.7 ? "mid" : "high");
    }
    csv += (i % 11 == 0 ? std::string() : std::to_string(a)) + "," + (i % 13 == 0 ? std::string() : std::to_string(b)) +
           "," + kColours[c] + "," + (i % 17 == 0 ? std::string() : std::to_string(s)) + "," + target + "\n";
  }
  return csv;
}

// Rows to predict: the training distribution, plus missing values,
// infinities, huge numbers and categories never seen in training.
std::string QueryCsv() {
  std::string csv = Csv(Task::kBinary, 300, 99);
  csv = csv.substr(0, csv.find('\n') + 1) +  // the header
        "inf,-inf,red,1,yes\n-inf,inf,blue,2,no\n1e30,-1e30,violet,7,yes\n,,,,no\nnan,3,teal,-1,no\n" +
        "0,0,green,0,no\n-0,1e-40,grey,2,yes\n" + csv.substr(csv.find('\n') + 1);
  return csv;
}

Bundle Train(Task task, const std::string& metric) {
  testing::TempDir dir;
  ProblemOptions problem;
  problem.target = "target";
  problem.metric = metric;
  const Logger quiet(Logger::Level::kQuiet);
  TrainingData data = LoadTrainingData(dir.Write("d.csv", Csv(task, 900, 5)).string(), problem, CsvOptions{}, quiet);
  TrainerOptions options;
  options.threads = 2;
  options.max_models = 9;
  options.families = {"xgboost", "random_forest", "extra_trees", "oblivious_boost", "linear"};
  options.logger = quiet;
  return TrainAutoML(data, options).bundle;
}

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
  const std::string metric = task == Task::kRegression ? "rmse" : "logloss";
  SaveBundle(Train(task, metric), dir / "model", SaveOptions{});
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

  const RawTable raw = ParseRawCsv(QueryCsv(), "query.csv", CsvOptions{});
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
