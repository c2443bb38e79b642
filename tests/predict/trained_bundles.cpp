#include "predict/trained_bundles.h"

#include <random>

#include "automl/trainer.h"
#include "support/test_support.h"

namespace tabpilot::testing {
namespace {

const char* const kColours[] = {"red",   "green", "blue", "cyan",   "magenta", "yellow",
                                "black", "white", "grey", "orange", "purple",  "brown"};

}  // namespace

// Two numbers (some missing), a 12-level and a 3-level category and a target
// of `task`'s kind that depends on all of them.
std::string PredictCsv(Task task, int rows, unsigned seed) {
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
  std::string csv = PredictCsv(Task::kBinary, 300, 99);
  csv = csv.substr(0, csv.find('\n') + 1) +  // the header
        "inf,-inf,red,1,yes\n-inf,inf,blue,2,no\n1e30,-1e30,violet,7,yes\n,,,,no\nnan,3,teal,-1,no\n" +
        "0,0,green,0,no\n-0,1e-40,grey,2,yes\n" + csv.substr(csv.find('\n') + 1);
  return csv;
}

Bundle TrainBundle(Task task, const std::vector<std::string>& families, int max_models, int folds) {
  TempDir dir;
  ProblemOptions problem;
  problem.target = "target";
  problem.metric = task == Task::kRegression ? "rmse" : "logloss";
  const Logger quiet(Logger::Level::kQuiet);
  TrainingData data =
      LoadTrainingData(dir.Write("d.csv", PredictCsv(task, 900, 5)).string(), problem, CsvOptions{}, quiet);
  TrainerOptions options;
  options.threads = 2;
  options.max_models = max_models;
  options.num_folds = folds;
  options.families = families;
  // The most accurate ensemble, stacked: the predict tests need every path
  // it serves (the cost trade-off would often deploy one member).
  options.cost_tolerance_se = 0;
  options.logger = quiet;
  return TrainAutoML(data, options).bundle;
}

}  // namespace tabpilot::testing
