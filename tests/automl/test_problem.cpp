#include <gtest/gtest.h>

#include "automl/problem.h"
#include "core/error.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

TEST(InferTask, FromTargetValues) {
  std::vector<std::string> words{">50K", "<=50K", ">50K"};
  EXPECT_EQ(InferTask(Views(words)), Task::kBinary);
  std::vector<std::string> three{"a", "b", "c", "a"};
  EXPECT_EQ(InferTask(Views(three)), Task::kMulticlass);
  std::vector<std::string> zero_one{"0", "1", "1", "0"};
  EXPECT_EQ(InferTask(Views(zero_one)), Task::kBinary);
  std::vector<std::string> reals;
  for (int i = 0; i < 100; ++i) reals.push_back(std::to_string(i * 0.37));
  EXPECT_EQ(InferTask(Views(reals)), Task::kRegression);
  // Few integer codes with many repeats are classes; many distinct integers are a quantity.
  std::vector<std::string> codes;
  for (int i = 0; i < 200; ++i) codes.push_back(std::to_string(i % 5));
  EXPECT_EQ(InferTask(Views(codes)), Task::kMulticlass);
  std::vector<std::string> counts;
  for (int i = 0; i < 200; ++i) counts.push_back(std::to_string(i % 50));
  EXPECT_EQ(InferTask(Views(counts)), Task::kRegression);
}

TEST(LoadTrainingData, BinaryMinorityIsPositiveAndMissingTargetsDropped) {
  testing::TempDir dir;
  std::string csv = "x,y\n";
  for (int i = 0; i < 20; ++i) csv += std::to_string(i) + "," + (i % 4 == 0 ? "rare" : "common") + "\n";
  csv += "99,\n";
  auto path = dir.Write("d.csv", csv);
  ProblemOptions opts;
  opts.target = "y";
  TrainingData d = LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet));
  EXPECT_EQ(d.problem.task, Task::kBinary);
  EXPECT_EQ(d.problem.class_labels, (std::vector<std::string>{"common", "rare"}));
  EXPECT_EQ(d.problem.metric, "f1");
  EXPECT_EQ(d.features.num_rows(), 20u);
  ASSERT_EQ(d.y.size(), 20u);
  EXPECT_EQ(d.y[0], 1.0f);  // row 0 is "rare" = positive
  EXPECT_EQ(d.y[1], 0.0f);
  EXPECT_FALSE(d.features.Find("y").has_value());
}

// --group-column: the column leaves the features and numbers each row's
// group in order of first appearance; a missing value is a group of its own.
TEST(LoadTrainingData, GroupColumnIsTakenOutAndNumbered) {
  testing::TempDir dir;
  auto path = dir.Write("d.csv",
                        "who,x,y\nann,1,a\nbob,2,b\nann,3,a\n,4,b\ncid,5,a\nbob,6,b\n,7,a\n"
                        "cid,8,b\nann,9,a\ndan,10,b\n,11,\n");
  ProblemOptions opts;
  opts.target = "y";
  opts.group_column = "who";
  const TrainingData d = LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet));
  EXPECT_EQ(d.group_column, "who");
  // The last row (missing target) is dropped with its group.
  EXPECT_EQ(d.groups, (std::vector<uint32_t>{0, 1, 0, 2, 3, 1, 4, 3, 0, 5}));
  EXPECT_FALSE(d.features.Find("who").has_value());
  for (const ColumnSpec& spec : d.feature_schema.columns) EXPECT_NE(spec.name, "who");
  EXPECT_EQ(d.features.num_columns(), 1u);

  opts.group_column = "nobody";
  EXPECT_THROW(LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet)), InvalidInput);
  opts.group_column = "y";
  EXPECT_THROW(LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet)), InvalidInput);
}

TEST(LoadTrainingData, PositiveLabelOverridesAndIsValidated) {
  testing::TempDir dir;
  std::string csv = "x,y\n";
  for (int i = 0; i < 20; ++i) csv += std::to_string(i) + "," + (i % 4 == 0 ? "rare" : "common") + "\n";
  auto path = dir.Write("d.csv", csv);
  ProblemOptions opts;
  opts.target = "y";
  opts.positive_label = "common";
  TrainingData d = LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet));
  EXPECT_EQ(d.problem.class_labels[1], "common");
  EXPECT_EQ(d.y[1], 1.0f);
  opts.positive_label = "other";
  EXPECT_THROW(LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet)), InvalidInput);
}

TEST(LoadTrainingData, MulticlassNumericLabelsSortNumerically) {
  testing::TempDir dir;
  std::string csv = "x,y\n";
  for (int i = 0; i < 30; ++i) csv += std::to_string(i) + "," + std::to_string((i % 3) * 5) + "\n";
  auto path = dir.Write("d.csv", csv);
  ProblemOptions opts;
  opts.target = "y";
  opts.task = Task::kMulticlass;
  TrainingData d = LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet));
  EXPECT_EQ(d.problem.class_labels, (std::vector<std::string>{"0", "5", "10"}));
  EXPECT_EQ(d.problem.metric, "accuracy");
  EXPECT_EQ(d.y[2], 2.0f);
}

TEST(LoadTrainingData, RegressionAndMetricChecks) {
  testing::TempDir dir;
  std::string csv = "x,y\n";
  for (int i = 0; i < 30; ++i) csv += std::to_string(i) + "," + std::to_string(i * 1.5) + "\n";
  auto path = dir.Write("d.csv", csv);
  ProblemOptions opts;
  opts.target = "y";
  TrainingData d = LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet));
  EXPECT_EQ(d.problem.task, Task::kRegression);
  EXPECT_EQ(d.problem.metric, "mse");
  EXPECT_FLOAT_EQ(d.y[3], 4.5f);
  opts.metric = "auc";
  EXPECT_THROW(LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet)), InvalidInput);
  opts.metric = "";
  opts.target = "nope";
  EXPECT_THROW(LoadTrainingData(path.string(), opts, CsvOptions{}, Logger(Logger::Level::kQuiet)), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
