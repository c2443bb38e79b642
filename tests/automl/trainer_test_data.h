// Generated tables for the trainer's tests: written to a temporary CSV and
// loaded the way `train` loads its input.
#pragma once

#include <random>
#include <string>

#include "automl/problem.h"
#include "automl/trainer.h"
#include "support/test_support.h"

namespace tabpilot::testing {

// `rows` rows of three numeric features a, b, c and a binary "label" (yes/no).
// With `signal` the label follows 1.5a - b + noise; without, it is a fair
// coin independent of the features.
inline std::string BinaryCsv(int rows, bool signal, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::bernoulli_distribution coin(0.5);
  std::string csv = "a,b,c,label\n";
  for (int i = 0; i < rows; ++i) {
    const double a = noise(rng), b = noise(rng), c = noise(rng);
    const bool yes = signal ? 1.5 * a - b + noise(rng) > 0 : coin(rng);
    csv += std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + "," + (yes ? "yes" : "no") + "\n";
  }
  return csv;
}

// Loads `csv` with target `target` and objective `metric`.
inline TrainingData LoadCsv(const std::string& csv, const std::string& target = "label",
                            const std::string& metric = "logloss") {
  TempDir dir;
  ProblemOptions problem;
  problem.target = target;
  problem.metric = metric;
  return LoadTrainingData(dir.Write("d.csv", csv).string(), problem, CsvOptions{}, Logger(Logger::Level::kQuiet));
}

// Options for four candidates (xgboost configs and the linear model) on a
// small binary table: one thread, no stacking, no deadline, quiet, so the
// same candidates train every run.
inline TrainerOptions FourCandidateOptions() {
  TrainerOptions options;
  options.threads = 1;
  options.families = {"xgboost", "linear"};
  options.max_models = 4;
  options.stack_levels = 1;
  options.logger = Logger(Logger::Level::kQuiet);
  return options;
}

// BinaryCsv(300, true) trained with `options`.
inline TrainResult TrainFourCandidates(const TrainerOptions& options) {
  return TrainAutoML(LoadCsv(BinaryCsv(300, true)), options);
}

}  // namespace tabpilot::testing
