// Execution records on SQLite and PostgreSQL (a throwaway server started by
// the test, see tests/store/store_test_support.h): rows round-trip with their
// statuses spelled as SageMaker does, upserts, ordering, the cache lookup and
// recovery of executions whose runner died.
#include <gtest/gtest.h>

#include "core/error.h"
#include "pipeline/records.h"
#include "store_test_support.h"

namespace tabpilot {
namespace {

class ExecutionRecordsTest : public ::testing::TestWithParam<std::string> {
 protected:
  ExecutionRecord Execution(const std::string& id, const std::string& start) const {
    ExecutionRecord e;
    e.id = id;
    e.pipeline_name = "Demo";
    e.definition_hash = "0123456789abcdef";
    e.definition = "name: Demo\n";
    e.source_path = "/defs/demo.yaml";
    e.base_dir = "/defs";
    e.parameters = Json{{"threshold", 0.5}};
    e.start_time = start;
    e.runner_host = HostName();
    e.runner_pid = 1;  // init: alive, so RecoverAbandoned leaves it alone
    return e;
  }
  StepRecord Step(const std::string& execution, const std::string& name, RunStatus status) const {
    StepRecord s;
    s.execution_id = execution;
    s.step_name = name;
    s.step_type = "processing";
    s.status = status;
    s.start_time = "2026-01-01T00:00:0" + std::to_string(name.size()) + "Z";
    return s;
  }

  testing::TestStore store_{GetParam()};
};

TEST_P(ExecutionRecordsTest, ExecutionsRoundTripNewestFirst) {
  auto db = store_.Open();
  ExecutionRecords records(*db);
  records.CreateExecution(Execution("e1", "2026-01-01T00:00:00Z"));
  records.CreateExecution(Execution("e2", "2026-01-02T00:00:00Z"));
  records.FinishExecution("e1", RunStatus::kFailed, "step 'A' failed: boom");

  const ExecutionRecord e1 = records.GetExecution("e1");
  EXPECT_EQ(e1.status, RunStatus::kFailed);
  EXPECT_EQ(e1.failure_reason, "step 'A' failed: boom");
  EXPECT_FALSE(e1.end_time.empty());
  EXPECT_EQ(e1.parameters, (Json{{"threshold", 0.5}}));
  EXPECT_EQ(e1.definition, "name: Demo\n");
  EXPECT_EQ(e1.base_dir, "/defs");
  // Stored as SageMaker spells it: other readers of the store see the text.
  EXPECT_EQ(db->Query("SELECT status FROM pipeline_executions WHERE id = 'e1'")[0].Text(0), "Failed");
  EXPECT_EQ(records.GetExecution("e2").status, RunStatus::kExecuting);
  EXPECT_TRUE(records.GetExecution("e2").end_time.empty());

  const auto list = records.ListExecutions("Demo");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "e2");
  EXPECT_EQ(list[1].id, "e1");
  EXPECT_THROW(records.GetExecution("nope"), NotFound);
  EXPECT_THROW(records.ListExecutions("Other"), NotFound);

  EXPECT_TRUE(records.ClaimForRetry("e1", "token-1"));
  EXPECT_EQ(records.GetExecution("e1").status, RunStatus::kExecuting);
  EXPECT_TRUE(records.GetExecution("e1").end_time.empty());
  EXPECT_EQ(records.GetExecution("e1").claim_token, "token-1");
}

// Resuming is a compare-and-set: only a Failed or Stopped execution can be
// claimed, so a second retry (another token) loses and changes nothing.
TEST_P(ExecutionRecordsTest, OnlyOneRetryClaimsAnExecution) {
  auto db = store_.Open();
  ExecutionRecords records(*db);
  records.CreateExecution(Execution("e1", "2026-01-01T00:00:00Z"));
  EXPECT_FALSE(records.ClaimForRetry("e1", "early"));  // still Executing
  records.FinishExecution("e1", RunStatus::kFailed, "boom");
  EXPECT_TRUE(records.ClaimForRetry("e1", "first"));
  EXPECT_FALSE(records.ClaimForRetry("e1", "second"));
  EXPECT_EQ(records.GetExecution("e1").claim_token, "first");
  records.FinishExecution("e1", RunStatus::kStopped, "runner died");
  EXPECT_TRUE(records.ClaimForRetry("e1", "third"));  // Stopped can be resumed again
  records.FinishExecution("e1", RunStatus::kSucceeded, "");
  EXPECT_FALSE(records.ClaimForRetry("e1", "fourth"));
  EXPECT_FALSE(records.ClaimForRetry("missing", "x"));
}

// Each step row keeps its outputs' content hashes.
TEST_P(ExecutionRecordsTest, OutputHashesRoundTrip) {
  auto db = store_.Open();
  ExecutionRecords records(*db);
  records.CreateExecution(Execution("e1", "2026-01-01T00:00:00Z"));
  StepRecord s = Step("e1", "A", RunStatus::kSucceeded);
  s.output_hashes = Json{{"/x/out", std::string(64, 'a')}};
  records.SaveStep(s);
  EXPECT_EQ(records.ListSteps("e1").at(0).output_hashes, s.output_hashes);
}

TEST_P(ExecutionRecordsTest, StepsUpsertAndListInStartOrder) {
  auto db = store_.Open();
  ExecutionRecords records(*db);
  records.CreateExecution(Execution("e1", "2026-01-01T00:00:00Z"));
  StepRecord longer = Step("e1", "Second", RunStatus::kExecuting);
  records.SaveStep(longer);
  records.SaveStep(Step("e1", "One", RunStatus::kSkipped));
  longer.status = RunStatus::kSucceeded;
  longer.attempts = 2;
  longer.outputs = Json{{"model", "/x/model"}, {"rows", 60}};
  longer.end_time = "2026-01-01T00:01:00Z";
  longer.cache_key = "k1";
  records.SaveStep(longer);  // the same row, updated

  const auto steps = records.ListSteps("e1");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].step_name, "One");  // started first
  EXPECT_EQ(steps[0].status, RunStatus::kSkipped);
  EXPECT_EQ(steps[1].step_name, "Second");
  EXPECT_EQ(steps[1].status, RunStatus::kSucceeded);
  EXPECT_EQ(steps[1].attempts, 2);
  EXPECT_EQ(steps[1].outputs["rows"], Json(60));
  EXPECT_EQ(db->Query("SELECT status FROM pipeline_steps WHERE step_name = 'One'")[0].Text(0), "Skipped");
}

TEST_P(ExecutionRecordsTest, FindCachedTakesTheNewestSucceededRowNotTooOld) {
  auto db = store_.Open();
  ExecutionRecords records(*db);
  for (const char* id : {"e1", "e2", "e3"}) records.CreateExecution(Execution(id, "2026-01-01T00:00:00Z"));
  StepRecord old = Step("e1", "Train", RunStatus::kSucceeded);
  old.cache_key = "k";
  old.end_time = "2026-01-01T00:00:00Z";
  records.SaveStep(old);
  StepRecord newer = Step("e2", "Train", RunStatus::kSucceeded);
  newer.cache_key = "k";
  newer.end_time = "2026-01-03T00:00:00Z";
  records.SaveStep(newer);
  StepRecord failed = Step("e3", "Train", RunStatus::kFailed);
  failed.cache_key = "k";
  failed.end_time = "2026-01-04T00:00:00Z";
  records.SaveStep(failed);

  auto hit = records.FindCached("processing", "k", "");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->execution_id, "e2");
  EXPECT_TRUE(records.FindCached("processing", "k", "2026-01-02T00:00:00Z"));
  EXPECT_FALSE(records.FindCached("processing", "k", "2026-01-05T00:00:00Z"));
  EXPECT_FALSE(records.FindCached("automl", "k", ""));
  EXPECT_FALSE(records.FindCached("processing", "other", ""));
}

TEST_P(ExecutionRecordsTest, RecoverAbandonedStopsExecutionsOfDeadRunners) {
  auto db = store_.Open();
  ExecutionRecords records(*db);
  ExecutionRecord dead = Execution("dead", "2026-01-01T00:00:00Z");
  dead.runner_pid = 999999999;  // beyond pid_max: no such process
  records.CreateExecution(dead);
  records.CreateExecution(Execution("alive", "2026-01-01T00:00:00Z"));
  records.SaveStep(Step("dead", "Done", RunStatus::kSucceeded));
  records.SaveStep(Step("dead", "Busy", RunStatus::kExecuting));

  EXPECT_EQ(records.RecoverAbandoned(), 1);
  EXPECT_EQ(records.GetExecution("dead").status, RunStatus::kStopped);
  EXPECT_NE(records.GetExecution("dead").failure_reason.find("stopped before the execution finished"),
            std::string::npos);
  EXPECT_EQ(records.GetExecution("alive").status, RunStatus::kExecuting);
  for (const auto& s : records.ListSteps("dead")) {
    EXPECT_EQ(s.status, s.step_name == "Done" ? RunStatus::kSucceeded : RunStatus::kStopped) << s.step_name;
  }
  EXPECT_EQ(records.RecoverAbandoned(), 0);
}

TEST_P(ExecutionRecordsTest, AnUnknownStoredStatusIsReportedNotGuessed) {
  auto db = store_.Open();
  ExecutionRecords records(*db);
  records.CreateExecution(Execution("e1", "2026-01-01T00:00:00Z"));
  db->Execute("UPDATE pipeline_executions SET status = 'Paused' WHERE id = 'e1'");
  try {
    records.GetExecution("e1");
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("unknown pipeline status 'Paused'"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ExecutionRecordsTest, ::testing::ValuesIn(testing::StoreBackends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(RunStatus, SpellingsRoundTrip) {
  for (RunStatus s :
       {RunStatus::kExecuting, RunStatus::kSucceeded, RunStatus::kFailed, RunStatus::kSkipped, RunStatus::kStopped}) {
    EXPECT_EQ(ParseRunStatus(ToString(s)), s);
  }
  EXPECT_STREQ(ToString(RunStatus::kSucceeded), "Succeeded");
  EXPECT_THROW(ParseRunStatus("succeeded"), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
