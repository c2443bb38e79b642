// End to end on UCI Adult (official split) with a short budget: train,
// predict, evaluate, leaderboard through the real binary; checks the test AUC
// and that the budget is respected.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/json.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

const char* kHeader =
    "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,"
    "capital-gain,capital-loss,hours-per-week,native-country,income";

// adult.data/adult.test -> headed CSV: drop the "|1x3 Cross validator" line,
// blank lines, the ", " padding and the trailing '.' of test labels.
size_t PrepareAdult(const fs::path& in, const fs::path& out) {
  std::ifstream src(in);
  std::ofstream dst(out);
  dst << kHeader << "\n";
  std::string line;
  size_t rows = 0;
  while (std::getline(src, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '|') continue;
    std::string clean;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == ' ' && i > 0 && line[i - 1] == ',') continue;
      clean += line[i];
    }
    if (clean.back() == '.') clean.pop_back();
    dst << clean << "\n";
    ++rows;
  }
  return rows;
}

TEST(AdultEndToEnd, TrainPredictEvaluate) {
  fs::path adult = testing::DatasetsDir() / "adult";
  TABPILOT_REQUIRE_DATASET(adult / "adult.data");
  TABPILOT_REQUIRE_DATASET(adult / "adult.test");
  testing::TempDir dir;
  ASSERT_EQ(PrepareAdult(adult / "adult.data", dir / "train.csv"), 32561u);
  ASSERT_EQ(PrepareAdult(adult / "adult.test", dir / "test.csv"), 16281u);
  const std::string bin = testing::TabpilotBinary().string();
  const double limit = 30;

  auto start = std::chrono::steady_clock::now();
  auto train = testing::RunCommand(bin + " train --data " + (dir / "train.csv").string() +
                                   " --target income --time-limit 30 --threads 2 --output " + (dir / "model").string());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_LE(seconds, limit * 1.10 + 1.0) << "budget overrun";
  EXPECT_NE(train.output.find("WeightedEnsemble"), std::string::npos);
  ASSERT_TRUE(fs::exists(dir / "model" / "manifest.json"));
  EXPECT_TRUE(fs::exists(dir / "model" / "leaderboard.csv"));

  auto pred = testing::RunCommand(bin + " predict --model " + (dir / "model").string() + " --data " +
                                  (dir / "test.csv").string() + " --output " + (dir / "preds.csv").string());
  ASSERT_EQ(pred.exit_code, 0) << pred.output;
  std::ifstream preds(dir / "preds.csv");
  std::string header;
  std::getline(preds, header);
  EXPECT_EQ(header, "predicted_label,proba_<=50K,proba_>50K");
  size_t lines = 0;
  for (std::string l; std::getline(preds, l);) ++lines;
  EXPECT_EQ(lines, 16281u);

  auto eval = testing::RunCommand(bin + " evaluate --model " + (dir / "model").string() + " --data " +
                                  (dir / "test.csv").string() + " --output " + (dir / "report.json").string());
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  std::ifstream rj(dir / "report.json");
  Json report = Json::parse(rj);
  const Json& m = report.at("binary_classification_metrics");
  double auc = m.at("auc").at("value").get<double>();
  double f1 = m.at("f1").at("value").get<double>();
  EXPECT_GE(auc, 0.92);
  EXPECT_GE(f1, 0.68);
  EXPECT_EQ(report.at("dataset").at("item_count").get<int>(), 16281);

  auto lb = testing::RunCommand(bin + " leaderboard --model " + (dir / "model").string());
  ASSERT_EQ(lb.exit_code, 0) << lb.output;
  EXPECT_NE(lb.output.find("WeightedEnsemble"), std::string::npos);
}

}  // namespace
}  // namespace tabpilot
