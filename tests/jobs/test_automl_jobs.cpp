// AutoML job records on SQLite and PostgreSQL: created InProgress, finished
// with their results, listed newest first in pages; and the recorder that
// `train --store` and the pipelines' automl step use, on a real training.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "automl/problem.h"
#include "automl/trainer.h"
#include "core/error.h"
#include "jobs/automl_jobs.h"
#include "jobs/job_recorder.h"
#include "store_test_support.h"

namespace tabpilot {
namespace {

class AutoMLJobsTest : public ::testing::TestWithParam<std::string> {
 protected:
  testing::TestStore store_{GetParam()};
  std::unique_ptr<Database> db_ = store_.Open();
  AutoMLJobs jobs_{*db_};
};

TEST_P(AutoMLJobsTest, CreatedInProgressThenFinishedWithItsResults) {
  AutoMLJobRecord j;
  j.id = NewAutoMLJobId();
  j.data_path = "/data/train.csv";
  j.target = "income";
  j.time_limit_seconds = 60;
  jobs_.Create(j);
  AutoMLJobRecord got = jobs_.Get(j.id);
  EXPECT_EQ(got.status, kJobInProgress);
  EXPECT_EQ(got.target, "income");
  EXPECT_FALSE(got.created_at.empty());
  EXPECT_TRUE(got.ended_at.empty());
  EXPECT_FALSE(got.best_score.has_value());

  j.status = kJobCompleted;
  j.task = "binary";
  j.metric = "f1";
  j.best_model = "WeightedEnsemble";
  j.best_score = 0.73;
  j.rows = 32561;
  j.columns = 14;
  j.leaderboard = Json::array({{{"model", "WeightedEnsemble"}, {"score_val", 0.73}}});
  j.ensemble = Json::array({{{"model", "XGBoost_1"}, {"weight", 1.0}}});
  j.data_report = {{"rows", 32561}};
  jobs_.Finish(j);
  got = jobs_.Get(j.id);
  EXPECT_EQ(got.status, kJobCompleted);
  EXPECT_FALSE(got.ended_at.empty());
  ASSERT_TRUE(got.best_score.has_value());
  EXPECT_DOUBLE_EQ(*got.best_score, 0.73);
  EXPECT_EQ(got.rows, 32561);
  EXPECT_EQ(got.leaderboard[0]["model"], "WeightedEnsemble");
  EXPECT_EQ(got.ensemble[0]["weight"], 1.0);
  EXPECT_EQ(got.data_report["rows"], 32561);
}

TEST_P(AutoMLJobsTest, ListsNewestFirstInPagesWithoutTheJsonFields) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    AutoMLJobRecord j;
    j.id = "automl-" + std::to_string(i);
    j.created_at = "2026-12-0" + std::to_string(i + 1) + "T00:00:00.000Z";
    j.leaderboard = Json::array({1, 2, 3});
    jobs_.Create(j);
    ids.push_back(j.id);
  }
  EXPECT_EQ(jobs_.Count(), 5);
  const auto first = jobs_.List(0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, "automl-4");
  EXPECT_EQ(first[1].id, "automl-3");
  EXPECT_TRUE(first[0].leaderboard.empty());
  const auto last = jobs_.List(4, 2);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].id, "automl-0");
  EXPECT_TRUE(jobs_.List(5, 2).empty());
}

TEST_P(AutoMLJobsTest, AnUnknownJobIsNotFound) {
  EXPECT_FALSE(jobs_.Find("automl-nope").has_value());
  try {
    jobs_.Get("automl-nope");
    FAIL() << "no NotFound";
  } catch (const NotFound& e) {
    EXPECT_EQ(std::string(e.what()), "no AutoML job 'automl-nope'");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AutoMLJobsTest, ::testing::ValuesIn(testing::StoreBackends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(NewAutoMLJobId, SortsByTimeAndDiffersWithinASecond) {
  const std::string a = NewAutoMLJobId();
  const std::string b = NewAutoMLJobId();
  EXPECT_EQ(a.rfind("automl-", 0), 0u);
  EXPECT_EQ(a.size(), std::string("automl-20261204-103946-0bb875").size());
  EXPECT_NE(a, b);
}

std::string SmallCsv() {
  std::string csv = "x,colour,label\n";
  for (int i = 0; i < 200; ++i) {
    csv += std::to_string(i % 17) + "," + (i % 3 == 0 ? "red" : "blue") + "," + (i % 17 > 8 ? "yes" : "no") + "\n";
  }
  return csv;
}

TEST(AutoMLJobRecorder, RecordsATrainingFromStartToItsResults) {
  testing::TempDir dir;
  const auto csv = dir.Write("train.csv", SmallCsv());
  AutoMLJobRecorder::Options o;
  o.store = (dir / "store.db").string();
  o.data_path = csv.string();
  o.target = "label";
  o.model_dir = (dir / "model").string();
  o.time_limit_seconds = 30;
  o.logger = Logger(Logger::Level::kQuiet);
  AutoMLJobRecorder recorder(o);
  {
    auto db = OpenDatabase(o.store);
    AutoMLJobs jobs(*db);
    EXPECT_EQ(jobs.Get(recorder.id()).status, kJobInProgress);
  }
  ProblemOptions problem;
  problem.target = "label";
  const TrainingData data = LoadTrainingData(csv.string(), problem, CsvOptions{}, Logger(Logger::Level::kQuiet));
  TrainerOptions options;
  options.threads = 1;
  options.max_models = 1;
  options.families = {"linear"};
  options.logger = Logger(Logger::Level::kQuiet);
  const TrainResult result = TrainAutoML(data, options);
  recorder.Completed(data, result, 1.5);

  auto db = OpenDatabase(o.store);
  AutoMLJobs jobs(*db);
  const AutoMLJobRecord j = jobs.Get(recorder.id());
  EXPECT_EQ(j.status, kJobCompleted);
  EXPECT_EQ(j.task, "binary");
  EXPECT_EQ(j.metric, "f1");
  EXPECT_EQ(j.rows, 200);
  EXPECT_EQ(j.columns, 2);
  EXPECT_DOUBLE_EQ(j.training_seconds, 1.5);
  EXPECT_EQ(j.best_model, result.leaderboard.front().model);
  EXPECT_EQ(j.leaderboard.size(), result.leaderboard.size());
  ASSERT_FALSE(j.ensemble.empty());
  EXPECT_GT(j.ensemble[0]["weight"].get<double>(), 0.0);
  EXPECT_EQ(j.data_report["rows"], 200);
  EXPECT_EQ(j.data_path, csv.string());
}

TEST(AutoMLJobRecorder, ATrainingThatThrowsEndsFailed) {
  testing::TempDir dir;
  AutoMLJobRecorder::Options o;
  o.store = (dir / "store.db").string();
  o.target = "label";
  std::string id;
  try {
    AutoMLJobRecorder recorder(o);
    id = recorder.id();
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  auto db = OpenDatabase(o.store);
  AutoMLJobs jobs(*db);
  const AutoMLJobRecord j = jobs.Get(id);
  EXPECT_EQ(j.status, kJobFailed);
  EXPECT_EQ(j.failure_reason, "training stopped by an error");
  EXPECT_FALSE(j.ended_at.empty());

  AutoMLJobRecorder failed(o);
  failed.Failed("column 'label' not found");
  EXPECT_EQ(jobs.Get(failed.id()).failure_reason, "column 'label' not found");
}

TEST(TrainingStoreFromEnvironment, TheFlagFirstThenTheEnvironment) {
  // Restores $TABPILOT_STORE as it was, whatever the test does.
  struct SavedStore {
    std::optional<std::string> value;
    SavedStore() {
      if (const char* v = std::getenv("TABPILOT_STORE")) value = v;  // NOLINT(concurrency-mt-unsafe)
    }
    ~SavedStore() {
      if (value) {
        ::setenv("TABPILOT_STORE", value->c_str(), 1);
      } else {
        ::unsetenv("TABPILOT_STORE");
      }
    }
  } saved;
  ::unsetenv("TABPILOT_STORE");
  EXPECT_EQ(TrainingStoreFromEnvironment(""), "");
  EXPECT_EQ(TrainingStoreFromEnvironment("/x/store.db"), "/x/store.db");
  ::setenv("TABPILOT_STORE", "/env/store.db", 1);
  EXPECT_EQ(TrainingStoreFromEnvironment(""), "/env/store.db");
  EXPECT_EQ(TrainingStoreFromEnvironment("/x/store.db"), "/x/store.db");
}

}  // namespace
}  // namespace tabpilot
