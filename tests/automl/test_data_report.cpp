// The data report (automl/data_report.h) on tables made to show each
// warning: a column that is the target in disguise, a constant one, an ID,
// a mostly missing one, an imbalanced target; and the reports a trained
// bundle carries (automl/bundle_reports.h).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "automl/data_report.h"
#include "automl/trainer.h"
#include "automl/training_plan.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

// 400 rows: x (signal), leak (the label as a number plus tiny noise), zone
// (a category), constant, row_id (1..n), sparse (80% missing), label.
std::string Csv(bool imbalanced) {
  std::mt19937 rng(4);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::string csv = "x,leak,zone,constant,row_id,sparse,label\n";
  for (int i = 0; i < 400; ++i) {
    const double x = noise(rng);
    const bool yes = imbalanced ? i % 20 == 0 : x + 0.8 * noise(rng) > 0;
    csv += std::to_string(x) + "," + std::to_string((yes ? 1.0 : 0.0) + 0.01 * noise(rng)) + "," +
           (i % 3 == 0 ? "north" : "south") + ",7," + std::to_string(i + 1) + "," +
           (i % 5 == 0 ? std::to_string(noise(rng)) : std::string()) + "," + (yes ? "yes" : "no") + "\n";
  }
  return csv;
}

TrainingData Load(const testing::TempDir& dir, const std::string& csv) {
  ProblemOptions problem;
  problem.target = "label";
  return LoadTrainingData(dir.Write("d.csv", csv).string(), problem, CsvOptions{}, Logger(Logger::Level::kQuiet));
}

const Json& Column(const Json& report, const std::string& name) {
  for (const Json& c : report["columns"]) {
    if (c["name"] == name) return c;
  }
  throw std::runtime_error("no column " + name);
}

bool Warns(const Json& report, const std::string& column, const std::string& words) {
  for (const Json& w : report["warnings"]) {
    const std::string text = w.get<std::string>();
    if (text.find("'" + column + "'") != std::string::npos && text.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST(DataReport, NamesEachColumnsTypeSummaryAndWarnings) {
  testing::TempDir dir;
  const TrainingData data = Load(dir, Csv(false));
  const ScreenResult screen = ScreenTrainingColumns(data, Logger(Logger::Level::kQuiet));
  const Json report = BuildDataReport(data, screen);
  EXPECT_EQ(report["rows"], 400);
  ASSERT_EQ(report["columns"].size(), 6u);
  const Json& x = Column(report, "x");
  EXPECT_EQ(x["type"], "numeric");
  EXPECT_EQ(x["used"], true);
  EXPECT_LT(x["summary"]["min"].get<double>(), x["summary"]["median"].get<double>());
  EXPECT_EQ(x["distinct"], 400);
  const Json& zone = Column(report, "zone");
  EXPECT_EQ(zone["type"], "categorical");
  EXPECT_EQ(zone["summary"]["top_values"][0]["value"], "south");
  EXPECT_EQ(zone["summary"]["top_values"][0]["count"], 266);
  EXPECT_NEAR(Column(report, "sparse")["missing_fraction"].get<double>(), 0.8, 1e-9);
  // The warnings: the leak, the constant and the ID dropped, the mostly missing column.
  EXPECT_TRUE(Warns(report, "leak", "possible leak")) << report["warnings"].dump();
  EXPECT_FALSE(Warns(report, "x", "possible leak"));
  EXPECT_TRUE(Warns(report, "constant", "not used")) << report["warnings"].dump();
  EXPECT_EQ(Column(report, "constant")["used"], false);
  EXPECT_TRUE(Warns(report, "row_id", "not used")) << report["warnings"].dump();
  EXPECT_TRUE(Warns(report, "sparse", "mostly missing"));
  // The target's balance.
  ASSERT_EQ(report["target"]["classes"].size(), 2u);
  EXPECT_EQ(report["target"]["classes"][0]["count"].get<int>() + report["target"]["classes"][1]["count"].get<int>(),
            400);
}

TEST(DataReport, WarnsOfAnImbalancedTargetWithoutCallingEveryColumnALeak) {
  testing::TempDir dir;
  const TrainingData data = Load(dir, Csv(true));
  const Json report = BuildDataReport(data, ScreenTrainingColumns(data, Logger(Logger::Level::kQuiet)));
  bool imbalanced = false;
  for (const Json& w : report["warnings"]) imbalanced |= w.get<std::string>().find("imbalanced") != std::string::npos;
  EXPECT_TRUE(imbalanced) << report["warnings"].dump();
  // 95% majority: a column right 99% of the time is not flagged on that alone.
  EXPECT_FALSE(Warns(report, "x", "possible leak"));
}

TEST(BundleReports, ATrainedBundleCarriesItsDataQualityAndExplainabilityReports) {
  testing::TempDir dir;
  const TrainingData data = Load(dir, Csv(false));
  TrainerOptions options;
  options.threads = 2;
  options.max_models = 2;
  options.families = {"xgboost", "linear"};
  options.logger = Logger(Logger::Level::kQuiet);
  const TrainResult result = TrainAutoML(data, options);
  const auto& reports = result.bundle.reports;
  ASSERT_TRUE(reports.count("data"));
  ASSERT_TRUE(reports.count("model_quality"));
  ASSERT_TRUE(reports.count("explainability"));
  const Json& quality = reports.at("model_quality");
  EXPECT_GT(quality["binary_classification_metrics"]["auc"]["value"].get<double>(), 0.8);
  const Json& explained = reports.at("explainability")["outputs"][0];
  EXPECT_EQ(reports.at("explainability")["rows"], 300);
  // The leak column carries the prediction: it ranks first.
  EXPECT_EQ(explained["importance"][0]["column"], "leak") << explained["importance"].dump();
  EXPECT_FALSE(explained["dependence"].empty());
}

}  // namespace
}  // namespace tabpilot
