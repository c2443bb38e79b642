#include <gtest/gtest.h>

#include <algorithm>

#include "automl/problem.h"
#include "core/error.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

// The task of a target written as `cells`: its distinct cells (as written) and their count.
Task TaskOf(const std::vector<std::string>& cells) {
  std::vector<std::string> distinct;
  for (const std::string& c : cells) {
    if (std::find(distinct.begin(), distinct.end(), c) == distinct.end()) distinct.push_back(c);
  }
  return InferTask(distinct, cells.size());
}

TEST(InferTask, FromTargetValues) {
  std::vector<std::string> words{">50K", "<=50K", ">50K"};
  EXPECT_EQ(TaskOf((words)), Task::kBinary);
  std::vector<std::string> three{"a", "b", "c", "a"};
  EXPECT_EQ(TaskOf((three)), Task::kMulticlass);
  std::vector<std::string> zero_one{"0", "1", "1", "0"};
  EXPECT_EQ(TaskOf((zero_one)), Task::kBinary);
  std::vector<std::string> reals;
  for (int i = 0; i < 100; ++i) reals.push_back(std::to_string(i * 0.37));
  EXPECT_EQ(TaskOf((reals)), Task::kRegression);
  // Few integer codes with many repeats are classes; many distinct integers are a quantity.
  std::vector<std::string> codes;
  for (int i = 0; i < 200; ++i) codes.push_back(std::to_string(i % 5));
  EXPECT_EQ(TaskOf((codes)), Task::kMulticlass);
  std::vector<std::string> counts;
  for (int i = 0; i < 200; ++i) counts.push_back(std::to_string(i % 50));
  EXPECT_EQ(TaskOf((counts)), Task::kRegression);
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

// A regression target arrives as strings while it has few distinct values
// and as numbers after that (the streaming load's label column); either way
// a cell that is not a number names its line, and the values are the same.
TEST(LoadTrainingData, RegressionTargetsOfFewAndManyValues) {
  testing::TempDir dir;
  ProblemOptions opts;
  opts.target = "y";
  opts.task = Task::kRegression;
  const Logger quiet(Logger::Level::kQuiet);
  std::string few = "x,y\n";
  for (int i = 0; i < 30; ++i) few += std::to_string(i) + "," + std::to_string(i % 3) + ".50\n";
  few += "30,abc\n";
  const auto few_path = dir.Write("few.csv", few);
  EXPECT_EQ(testing::InvalidMessage([&] { LoadTrainingData(few_path.string(), opts, CsvOptions{}, quiet); }),
            few_path.string() + ":32: column 'y': cannot parse 'abc' as numeric");

  std::string many = "x,y\n";
  const int rows = 5000;
  for (int i = 0; i < rows; ++i) many += std::to_string(i % 10) + "," + std::to_string(i * 0.25) + "\n";
  const auto many_path = dir.Write("many.csv", many);
  opts.task.reset();
  const TrainingData d = LoadTrainingData(many_path.string(), opts, CsvOptions{}, quiet);
  EXPECT_EQ(d.problem.task, Task::kRegression);
  ASSERT_EQ(d.y.size(), static_cast<size_t>(rows));
  EXPECT_FLOAT_EQ(d.y[4999], 1249.75f);
}

// A gzip'd table trains as the plain one (inflated as it is read, never whole).
TEST(LoadTrainingData, GzipIsTheSameTable) {
  testing::TempDir dir;
  std::string csv = "x,c,y\n";
  for (int i = 0; i < 300; ++i) {
    csv += std::to_string(i * 0.5) + ",k" + std::to_string(i % 7) + "," + (i % 3 ? "no" : "yes") + "\n";
  }
  ProblemOptions opts;
  opts.target = "y";
  const Logger quiet(Logger::Level::kQuiet);
  const TrainingData plain = LoadTrainingData(dir.Write("d.csv", csv).string(), opts, CsvOptions{}, quiet);
  const TrainingData gz = LoadTrainingData(dir.WriteGzip("d.csv.gz", csv).string(), opts, CsvOptions{}, quiet);
  EXPECT_EQ(gz.y, plain.y);
  EXPECT_EQ(gz.problem.class_labels, plain.problem.class_labels);
  EXPECT_EQ(gz.feature_schema, plain.feature_schema);
  ASSERT_EQ(gz.features.num_columns(), 2u);
  EXPECT_EQ(gz.features.column(0).numbers, plain.features.column(0).numbers);
  EXPECT_EQ(gz.features.column(1).codes, plain.features.column(1).codes);
  EXPECT_EQ(gz.features.column(1).categories, plain.features.column(1).categories);
}

}  // namespace
}  // namespace tabpilot
