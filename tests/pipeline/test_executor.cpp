// The executor over real processing commands, with its records on SQLite and
// on PostgreSQL (a throwaway server the test starts): DAG order and
// concurrency, caching, retries, timeouts, fail steps, field checks after
// expressions resolve, and retry of an execution.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/deadline.h"
#include "core/error.h"
#include "pipeline/definition.h"
#include "pipeline/executor.h"
#include "pipeline/records.h"
#include "registry/model_registry.h"
#include "store/store_location.h"
#include "store_test_support.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

class PipelineExecutor : public ::testing::TestWithParam<std::string> {
 protected:
  // A PostgreSQL store keeps its files (artifacts, step folders) where
  // $TABPILOT_ARTIFACTS says; set before any thread starts.
  PipelineExecutor() { ::setenv("TABPILOT_ARTIFACTS", (store_.dir() / "artifacts").c_str(), 1); }
  ~PipelineExecutor() override { ::unsetenv("TABPILOT_ARTIFACTS"); }

  ExecutionResult Run(const std::string& yaml, const std::vector<std::string>& params = {}, int workers = 2) {
    const fs::path file = dir_.Write("p.yaml", yaml);
    return RunPipeline(LoadDefinition(file), params, Options(workers));
  }
  ExecutorOptions Options(int workers = 2) const {
    ExecutorOptions o;
    o.store = store_.location();
    o.max_workers = workers;
    return o;
  }
  static const StepRecord& Step(const ExecutionResult& r, const std::string& name) {
    for (const auto& s : r.steps) {
      if (s.step_name == name) return s;
    }
    throw NotFound("no step " + name);
  }
  static bool HasStep(const ExecutionResult& r, const std::string& name) {
    for (const auto& s : r.steps) {
      if (s.step_name == name) return true;
    }
    return false;
  }
  testing::TestStore store_{GetParam()};
  testing::TempDir dir_;
};

TEST_P(PipelineExecutor, IndependentStepsRunConcurrentlyAndDependentsWait) {
  auto r = Run(R"(name: Dag
steps:
  - {name: A, type: processing, command: "sleep 0.6", outputs: [o]}
  - {name: B, type: processing, command: "sleep 0.6"}
  - name: C
    type: processing
    command: test -d "$TABPILOT_INPUT_X"
    inputs: {X: "${steps.A.outputs.o}"}
    depends_on: [B]
)");
  ASSERT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
  const StepRecord& a = Step(r, "A");
  const StepRecord& b = Step(r, "B");
  const StepRecord& c = Step(r, "C");
  // ISO timestamps compare as text.
  EXPECT_LT(a.start_time, b.end_time);
  EXPECT_LT(b.start_time, a.end_time);
  EXPECT_GE(c.start_time, a.end_time);
  EXPECT_GE(c.start_time, b.end_time);
  EXPECT_TRUE(fs::is_directory(a.outputs["o"].get<std::string>()));
  EXPECT_TRUE(fs::exists(c.log_path));
}

TEST_P(PipelineExecutor, OneWorkerRunsStepsOneAtATime) {
  auto r = Run(R"(name: Serial
steps:
  - {name: A, type: processing, command: "sleep 0.3"}
  - {name: B, type: processing, command: "sleep 0.3"}
)",
               {}, 1);
  ASSERT_EQ(r.status, RunStatus::kSucceeded);
  const StepRecord& a = Step(r, "A");
  const StepRecord& b = Step(r, "B");
  EXPECT_TRUE(b.start_time >= a.end_time || a.start_time >= b.end_time);
}

TEST_P(PipelineExecutor, CacheHitsMissesAndExpiry) {
  dir_.Write("in.txt", "one\n");
  const std::string yaml = R"(name: Cached
steps:
  - name: Copy
    type: processing
    command: cp "$TABPILOT_INPUT_SRC" "$TABPILOT_OUTPUT_OUT/copy.txt"
    inputs: {SRC: in.txt}
    outputs: [OUT]
    cache: {enabled: true, expire_after: 30d}
  - name: Short
    type: processing
    command: "true"
    cache: {enabled: true, expire_after: 1s}
  - name: Never
    type: processing
    command: "true"
)";
  auto first = Run(yaml);
  ASSERT_EQ(first.status, RunStatus::kSucceeded);
  EXPECT_FALSE(Step(first, "Copy").cache_hit);
  auto second = Run(yaml);
  ASSERT_EQ(second.status, RunStatus::kSucceeded);
  EXPECT_TRUE(Step(second, "Copy").cache_hit);
  EXPECT_EQ(Step(second, "Copy").cached_from, first.execution_id);
  EXPECT_EQ(Step(second, "Copy").outputs, Step(first, "Copy").outputs);
  EXPECT_TRUE(Step(second, "Short").cache_hit);
  EXPECT_FALSE(Step(second, "Never").cache_hit);

  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  dir_.Write("in.txt", "two\n");  // new content: the key changes
  auto third = Run(yaml);
  ASSERT_EQ(third.status, RunStatus::kSucceeded);
  EXPECT_FALSE(Step(third, "Copy").cache_hit);
  EXPECT_FALSE(Step(third, "Short").cache_hit);  // expired
  std::ifstream in(Step(third, "Copy").outputs["OUT"].get<std::string>() + "/copy.txt");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "two");
}

TEST_P(PipelineExecutor, RetriesWithBackoffUntilSuccess) {
  const fs::path counter = dir_ / "count";
  auto r = Run(R"(name: Flaky
steps:
  - name: F
    type: processing
    command: echo x >> "$COUNTER"; test $(wc -l < "$COUNTER") -ge 3
    env: {COUNTER: ")" +
               counter.string() + R"("}
    retry: {max_attempts: 4, interval_seconds: 0.1, backoff_rate: 2}
)");
  ASSERT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
  EXPECT_EQ(Step(r, "F").attempts, 3);
  EXPECT_LT(Step(r, "F").start_time, Step(r, "F").end_time);
}

TEST_P(PipelineExecutor, GivesUpAfterMaxAttempts) {
  auto r = Run(R"(name: Broken
steps:
  - name: F
    type: processing
    command: echo boom >&2; exit 3
    retry: {max_attempts: 2, interval_seconds: 0}
  - {name: After, type: processing, command: "true", depends_on: F}
)");
  EXPECT_EQ(r.status, RunStatus::kFailed);
  EXPECT_EQ(Step(r, "F").attempts, 2);
  EXPECT_EQ(Step(r, "F").status, RunStatus::kFailed);
  EXPECT_NE(r.failure_reason.find("step 'F' failed: step 'F': command exited with status 3"), std::string::npos)
      << r.failure_reason;
  EXPECT_FALSE(HasStep(r, "After"));  // never started
  std::ifstream log(Step(r, "F").log_path);
  std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("boom"), std::string::npos);
}

TEST_P(PipelineExecutor, TimeoutKillsAHangingCommand) {
  Stopwatch clock;
  auto r = Run(R"(name: Hang
steps:
  - {name: H, type: processing, command: "sleep 30", timeout_seconds: 0.5}
)");
  EXPECT_LT(clock.Seconds(), 10);
  EXPECT_EQ(r.status, RunStatus::kFailed);
  EXPECT_NE(Step(r, "H").failure_reason.find("timed out and was killed"), std::string::npos);
}

// A parameter holding shell syntax reaches the command as data: it is
// echoed verbatim, and the command it hides does not run.
TEST_P(PipelineExecutor, ExpressionValuesReachAShellCommandAsDataNotCode) {
  const fs::path marker = dir_ / "pwned";
  auto r = Run(R"(name: Quoting
parameters:
  word: {type: string, default: "x"}
steps:
  - {name: S, type: processing, command: "printf '%s' \"${params.word}\" > $TABPILOT_OUTPUT_OUT/x", outputs: [OUT]}
)",
               {"word=it's \"quoted\"; touch " + marker.string() + "; $(touch " + marker.string() + ")"});
  ASSERT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_EQ(ReadFile(fs::path(Step(r, "S").outputs["OUT"].get<std::string>()) / "x"),
            "it's \"quoted\"; touch " + marker.string() + "; $(touch " + marker.string() + ")");
}

// argv runs a program without a shell: each element is one argument.
TEST_P(PipelineExecutor, ArgvRunsAProgramWithoutAShell) {
  const fs::path marker = dir_ / "pwned";
  auto r = Run(R"(name: Argv
parameters:
  word: {type: string, default: "x"}
steps:
  - name: S
    type: processing
    argv: [sh, -c, 'printf "%s|%s" "$0" "$1" > "$TABPILOT_OUTPUT_OUT/x"', "${params.word}", "two words"]
    outputs: [OUT]
)",
               {"word=a; touch " + marker.string()});
  ASSERT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_EQ(ReadFile(fs::path(Step(r, "S").outputs["OUT"].get<std::string>()) / "x"),
            "a; touch " + marker.string() + "|two words");
  EXPECT_THROW(Run("name: Both\nsteps:\n  - {name: S, type: processing, command: 'true', argv: ['true']}\n"),
               InvalidInput);
  EXPECT_THROW(Run("name: Neither\nsteps:\n  - {name: S, type: processing}\n"), InvalidInput);
  EXPECT_THROW(Run("name: Env\nsteps:\n  - {name: S, type: processing, command: 'true', env: {TABPILOT_STORE: x}}\n"),
               InvalidInput);
}

// A command sees only an allowlisted part of the runner's environment.
TEST_P(PipelineExecutor, CommandsDoNotInheritTheRunnersSecrets) {
  ::setenv("TABPILOT_TEST_SECRET", "postgresql://u:password@db/x", 1);
  auto r = Run(R"(name: Env
steps:
  - {name: S, type: processing, command: 'test -z "$TABPILOT_TEST_SECRET" && test -n "$PATH" && test "$MINE" = yes', env: {MINE: "yes"}}
)");
  ::unsetenv("TABPILOT_TEST_SECRET");
  EXPECT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
}

// What a command starts in the background ends with it.
TEST_P(PipelineExecutor, BackgroundChildrenEndWithTheirStep) {
  const fs::path pid_file = dir_ / "pid";
  auto r = Run("name: Bg\nsteps:\n  - {name: S, type: processing, command: 'sleep 60 & echo $! > " + pid_file.string() +
               "'}\n");
  ASSERT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
  const std::string pid = ReadFile(pid_file).substr(0, ReadFile(pid_file).find('\n'));
  ASSERT_FALSE(pid.empty());
  // Gone, or a zombie waiting for its new parent to reap it.
  bool alive = true;
  for (int i = 0; i < 100 && alive; ++i) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    alive = static_cast<bool>(std::getline(stat, line)) && line.find(") Z ") == std::string::npos;
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(alive) << "sleep " << pid << " outlived its step";
}

TEST_P(PipelineExecutor, FailStepFailsTheExecutionWithItsMessage) {
  const std::string yaml = R"(name: Gate
parameters:
  threshold: {type: float, default: 0.9}
steps:
  - name: Score
    type: processing
    command: "true"
  - name: Check
    type: condition
    depends_on: Score
    condition: {">=": [0.5, "${params.threshold}"]}
    then:
      - {name: Ship, type: processing, command: "true"}
    else:
      - {name: Stop, type: fail, message: "score 0.5 is below ${params.threshold}"}
)";
  auto r = Run(yaml);
  EXPECT_EQ(r.status, RunStatus::kFailed);
  EXPECT_EQ(r.failure_reason, "score 0.5 is below 0.9");
  EXPECT_EQ(Step(r, "Check").outputs["outcome"], Json(false));
  EXPECT_EQ(Step(r, "Ship").status, RunStatus::kSkipped);
  EXPECT_EQ(Step(r, "Stop").status, RunStatus::kFailed);

  auto pass = Run(yaml, {"threshold=0.4"});
  EXPECT_EQ(pass.status, RunStatus::kSucceeded);
  EXPECT_EQ(Step(pass, "Ship").status, RunStatus::kSucceeded);
  EXPECT_EQ(Step(pass, "Stop").status, RunStatus::kSkipped);
}

TEST_P(PipelineExecutor, MissingInputFailsTheStep) {
  auto r = Run(R"(name: Missing
steps:
  - {name: P, type: processing, command: "true", inputs: {data: nowhere.csv}}
)");
  EXPECT_EQ(r.status, RunStatus::kFailed);
  EXPECT_NE(r.failure_reason.find("input 'data': no such file or folder"), std::string::npos) << r.failure_reason;
}

TEST_P(PipelineExecutor, RetryExecutionReRunsOnlyFailedAndUnrunSteps) {
  const fs::path counter = dir_ / "count";
  const fs::path flag = dir_ / "flag";
  const std::string env = "env: {COUNTER: \"" + counter.string() + "\", FLAG: \"" + flag.string() + "\"}";
  auto r =
      Run("name: Retry\nsteps:\n"
          "  - name: First\n    type: processing\n    command: echo x >> \"$COUNTER\"\n    " +
          env +
          "\n"
          "  - name: Second\n    type: processing\n    command: test -f \"$FLAG\"\n    depends_on: First\n    " +
          env + "\n  - {name: Third, type: processing, command: \"true\", depends_on: Second}\n");
  ASSERT_EQ(r.status, RunStatus::kFailed);
  std::ofstream(flag) << "ok\n";
  auto again = RetryExecution(r.execution_id, Options());
  EXPECT_EQ(again.execution_id, r.execution_id);
  ASSERT_EQ(again.status, RunStatus::kSucceeded) << again.failure_reason;
  EXPECT_EQ(Step(again, "Second").status, RunStatus::kSucceeded);
  EXPECT_EQ(Step(again, "Third").status, RunStatus::kSucceeded);
  std::ifstream in(counter);
  int lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  EXPECT_EQ(lines, 1);  // First was reused, not run again
  EXPECT_THROW(RetryExecution(r.execution_id, Options()), InvalidInput);
  EXPECT_THROW(RetryExecution("no-such-id", Options()), NotFound);
}

TEST_P(PipelineExecutor, InvalidDefinitionRunsNothing) {
  const fs::path marker = dir_ / "ran";
  try {
    Run("name: Bad\nsteps:\n  - {name: A, type: processing, command: \"touch " + marker.string() +
        "\"}\n  - {name: B, type: fail, message: \"${steps.A.outputs.nope}\"}\n");
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("p.yaml:4: step 'B'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(marker));
  if (GetParam() == "sqlite") {
    EXPECT_FALSE(fs::exists(store_.location()));
  } else {
    auto db = store_.Open();
    EXPECT_TRUE(db->Query("SELECT 1 FROM information_schema.tables WHERE table_name = 'pipeline_executions'").empty());
  }
}

TEST_P(PipelineExecutor, FieldsHoldingExpressionsAreCheckedOnceResolved) {
  const fs::path marker = dir_ / "ran";
  auto r =
      Run("name: Late\nparameters:\n  j: {type: string, default: maybe}\nsteps:\n"
          "  - {name: T, type: transform, model: m, data: d.csv, join: \"${params.j}\"}\n"
          "  - {name: After, type: processing, command: \"touch " +
          marker.string() + "\", depends_on: T}\n");
  EXPECT_EQ(r.status, RunStatus::kFailed);
  EXPECT_EQ(Step(r, "T").status, RunStatus::kFailed);
  EXPECT_EQ(Step(r, "T").attempts, 0);  // rejected before any attempt
  EXPECT_EQ(Step(r, "T").failure_reason, "step 'T': field 'join' must be true or false, got \"maybe\"");
  EXPECT_EQ(r.failure_reason, "step 'T' failed: step 'T': field 'join' must be true or false, got \"maybe\"");
  EXPECT_FALSE(HasStep(r, "After"));
  EXPECT_FALSE(fs::exists(marker));
  // The same field with a value of the right type passes the check (and
  // fails later, on the missing model, inside the attempt).
  auto ok =
      Run("name: Late\nparameters:\n  j: {type: bool, default: true}\nsteps:\n"
          "  - {name: T, type: transform, model: m, data: d.csv, join: \"${params.j}\"}\n");
  EXPECT_EQ(Step(ok, "T").attempts, 1);
  EXPECT_EQ(Step(ok, "T").failure_reason.find("field 'join'"), std::string::npos) << Step(ok, "T").failure_reason;
}

TEST_P(PipelineExecutor, ExecutionsAreListedAndDescribedFromTheStore) {
  auto first = Run("name: Listed\nsteps:\n  - {name: A, type: processing, command: \"true\"}\n");
  auto second = Run("name: Listed\nsteps:\n  - {name: A, type: processing, command: \"false\"}\n");
  auto db = store_.Open();
  ExecutionRecords records(*db);
  const auto list = records.ListExecutions("Listed");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, second.execution_id);
  EXPECT_EQ(list[0].status, RunStatus::kFailed);
  EXPECT_EQ(list[1].id, first.execution_id);
  EXPECT_EQ(list[1].status, RunStatus::kSucceeded);
  EXPECT_EQ(records.ListSteps(first.execution_id).at(0).status, RunStatus::kSucceeded);
}

INSTANTIATE_TEST_SUITE_P(Backends, PipelineExecutor, ::testing::ValuesIn(testing::StoreBackends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace tabpilot
