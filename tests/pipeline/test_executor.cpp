// The executor over real processing commands, with its records on SQLite and
// on PostgreSQL (a throwaway server the test starts): DAG order and
// concurrency, caching, retries, timeouts, fail steps, field checks after
// expressions resolve, retry of an execution, and what a hostile store can
// not do: make retry run a stored definition, run one execution twice, or
// make a cache hit reuse files outside the store.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/deadline.h"
#include "core/error.h"
#include "pipeline/content_hash.h"
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

// Rows of this test's store changed behind the executor's back, as someone
// with write access to a shared store could.
void Forge(const testing::TestStore& store, const std::string& sql, const std::vector<SqlValue>& params) {
  auto db = store.Open();
  db->Execute(sql, params);
}

// A failing run of `yaml` (its step waits for FLAG) saved as p.yaml.
constexpr const char* kRetryYaml = R"(name: Resumable
steps:
  - name: Work
    type: processing
    command: echo x >> "$COUNTER"; sleep 0.5; test -f "$FLAG"
    env: {COUNTER: "COUNTER_PATH", FLAG: "FLAG_PATH"}
)";

std::string RetryYaml(const fs::path& counter, const fs::path& flag) {
  std::string yaml = kRetryYaml;
  yaml.replace(yaml.find("COUNTER_PATH"), 12, counter.string());
  yaml.replace(yaml.find("FLAG_PATH"), 9, flag.string());
  return yaml;
}

int Lines(const fs::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

// `retry` runs the definition file, re-read and re-hashed, never the copy in
// the store: a stored definition rewritten to run another command changes
// nothing, and a file that changed since the run (or is gone) is refused.
TEST_P(PipelineExecutor, RetryRunsTheDefinitionFileNeverTheStoredCopy) {
  const fs::path counter = dir_ / "count", flag = dir_ / "flag", marker = dir_ / "pwned";
  const std::string yaml = RetryYaml(counter, flag);
  auto r = Run(yaml);
  ASSERT_EQ(r.status, RunStatus::kFailed);
  std::ofstream(flag) << "ok\n";
  const std::string evil =
      "name: Resumable\nsteps:\n  - {name: Work, type: processing, command: \"touch " + marker.string() + "\"}\n";

  // The stored text alone rewritten: retry runs the file, and succeeds.
  Forge(store_, "UPDATE pipeline_executions SET definition = ?", {evil});
  Forge(store_, "UPDATE pipelines SET definition = ?", {evil});
  auto again = RetryExecution(r.execution_id, Options());
  EXPECT_EQ(again.status, RunStatus::kSucceeded) << again.failure_reason;
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_EQ(Lines(counter), 2);

  // Text and hash rewritten together: the file no longer matches; refused.
  fs::remove(flag);
  auto second = Run(yaml);
  ASSERT_EQ(second.status, RunStatus::kFailed);
  Forge(store_, "UPDATE pipeline_executions SET definition = ?, definition_hash = ? WHERE id = ?",
        {evil, HashText(evil), second.execution_id});
  try {
    RetryExecution(second.execution_id, Options());
    FAIL() << "a forged definition hash was accepted";
  } catch (const Conflict& e) {
    EXPECT_EQ(std::string(e.what()), "cannot retry execution " + second.execution_id + ": its definition " +
                                         (dir_ / "p.yaml").string() +
                                         " changed since the run (its SHA-256 differs from the one recorded); start "
                                         "a new run with: tabpilot pipeline run " +
                                         (dir_ / "p.yaml").string());
  }
  EXPECT_FALSE(fs::exists(marker));

  // The file edited since the run: refused, nothing runs.
  auto third = Run(yaml);
  ASSERT_EQ(third.status, RunStatus::kFailed);
  const int runs = Lines(counter);
  dir_.Write("p.yaml", yaml + "# edited\n");
  try {
    RetryExecution(third.execution_id, Options());
    FAIL() << "an edited definition was retried";
  } catch (const Conflict& e) {
    EXPECT_NE(std::string(e.what()).find("changed since the run"), std::string::npos) << e.what();
  }
  // The file gone: refused.
  fs::remove(dir_ / "p.yaml");
  try {
    RetryExecution(third.execution_id, Options());
    FAIL() << "a deleted definition was retried";
  } catch (const NotFound& e) {
    EXPECT_NE(std::string(e.what()).find("is gone"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("start a new run with: tabpilot pipeline run"), std::string::npos);
  }
  EXPECT_EQ(Lines(counter), runs);
  EXPECT_EQ(ExecutionRecords(*store_.Open()).GetExecution(third.execution_id).status, RunStatus::kFailed);
}

// Two retries of one failed execution at once: one claims it and runs the
// step, the other is refused with one line.
TEST_P(PipelineExecutor, ConcurrentRetriesRunAnExecutionOnce) {
  const fs::path counter = dir_ / "count", flag = dir_ / "flag";
  auto r = Run(RetryYaml(counter, flag));
  ASSERT_EQ(r.status, RunStatus::kFailed);
  ASSERT_EQ(Lines(counter), 1);
  std::ofstream(flag) << "ok\n";
  std::atomic<int> ready{0};
  std::string outcome[2];
  auto retry = [&](int i) {
    ++ready;
    while (ready.load() < 2) std::this_thread::yield();
    try {
      outcome[i] = ToString(RetryExecution(r.execution_id, Options()).status);
    } catch (const Error& e) {
      outcome[i] = e.what();
    }
  };
  std::thread a(retry, 0), b(retry, 1);
  a.join();
  b.join();
  const std::string refused = "execution " + r.execution_id + " is already being resumed";
  EXPECT_TRUE((outcome[0] == "Succeeded" && outcome[1] == refused) ||
              (outcome[1] == "Succeeded" && outcome[0] == refused))
      << outcome[0] << " / " << outcome[1];
  EXPECT_EQ(Lines(counter), 2);  // the step ran once more, not twice
}

// A cache hit reuses another row's outputs only when they lie inside the
// store's folders (symlinks resolved) and still hash as recorded; a forged
// row is a miss and the step runs.
TEST_P(PipelineExecutor, ForgedCachedOutputsAreNotReused) {
  dir_.Write("in.txt", "real\n");
  const fs::path secret_dir = dir_ / "secret";
  fs::create_directories(secret_dir);
  dir_.Write("secret/copy.txt", "private key\n");
  const std::string yaml = R"(name: Forged
steps:
  - name: Copy
    type: processing
    command: cp "$TABPILOT_INPUT_SRC" "$TABPILOT_OUTPUT_OUT/copy.txt"
    inputs: {SRC: in.txt}
    outputs: [OUT]
    cache: {enabled: true}
  - name: Use
    type: processing
    command: cp "$TABPILOT_INPUT_IN/copy.txt" "$TABPILOT_OUTPUT_GOT/got.txt"
    inputs: {IN: "${steps.Copy.outputs.OUT}"}
    outputs: [GOT]
)";
  std::vector<std::string> warnings;
  auto run = [&] {
    ExecutorOptions o = Options();
    o.progress = [&](const std::string& line) {
      if (line.rfind("warning: ", 0) == 0) warnings.push_back(line);
    };
    return RunPipeline(LoadDefinition(dir_.Write("p.yaml", yaml)), {}, o);
  };
  auto got = [&](const ExecutionResult& r) {
    return ReadFile(fs::path(Step(r, "Use").outputs["GOT"].get<std::string>()) / "got.txt");
  };
  auto first = run();
  ASSERT_EQ(first.status, RunStatus::kSucceeded) << first.failure_reason;
  const std::string real_out = Step(first, "Copy").outputs["OUT"].get<std::string>();
  ASSERT_TRUE(Step(run(), "Copy").cache_hit);  // a genuine hit is reused

  // An output pointing outside the store.
  Forge(store_, "UPDATE pipeline_steps SET outputs = ? WHERE step_name = 'Copy'",
        {Json{{"OUT", secret_dir.string()}}.dump()});
  auto outside = run();
  ASSERT_EQ(outside.status, RunStatus::kSucceeded) << outside.failure_reason;
  EXPECT_FALSE(Step(outside, "Copy").cache_hit);
  EXPECT_EQ(got(outside), "real\n");
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings.back().find("is outside the store's folders"), std::string::npos) << warnings.back();

  // A path inside the store's folders that is a symlink to outside them.
  const fs::path link = fs::path(real_out).parent_path().parent_path() / "evil";
  fs::create_directory_symlink(secret_dir, link);
  Forge(store_, "UPDATE pipeline_steps SET outputs = ? WHERE step_name = 'Copy'",
        {Json{{"OUT", link.string()}}.dump()});
  auto via_link = run();
  EXPECT_FALSE(Step(via_link, "Copy").cache_hit);
  EXPECT_EQ(got(via_link), "real\n");

  // The output's content changed since its hash was recorded.
  auto fresh = run();
  ASSERT_TRUE(Step(fresh, "Copy").cache_hit);
  const fs::path recorded = fs::path(Step(fresh, "Copy").outputs["OUT"].get<std::string>()) / "copy.txt";
  fs::permissions(recorded, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(recorded) << "tampered\n";
  auto changed = run();
  EXPECT_FALSE(Step(changed, "Copy").cache_hit);
  EXPECT_EQ(got(changed), "real\n");
  EXPECT_NE(warnings.back().find("changed since it was recorded"), std::string::npos) << warnings.back();
}

// When the store fails under a running execution, the executor stops the
// steps still running (their commands' process groups are killed, so this
// does not wait for them), joins their threads, marks the execution Failed
// and reports the store's error.
TEST_P(PipelineExecutor, AbandonedRunKillsRunningStepsAndMarksTheExecutionFailed) {
  const fs::path flag = dir_ / "flag", pid_file = dir_ / "pid";
  const fs::path file = dir_.Write("p.yaml",
                                   "name: Abandoned\nsteps:\n"
                                   "  - {name: Waits, type: processing, command: 'while [ ! -f " +
                                       flag.string() +
                                       " ]; do sleep 0.05; done'}\n"
                                       "  - {name: Long, type: processing, command: 'sleep 300 & echo $! > " +
                                       pid_file.string() + "; sleep 30'}\n");
  std::string error;
  Stopwatch clock;
  std::thread runner([&] {
    try {
      RunPipeline(LoadDefinition(file), {}, Options(2));
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  std::string pid;
  for (int i = 0; i < 400 && (pid.empty() || pid.back() != '\n'); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (fs::exists(pid_file)) pid = ReadFile(pid_file);
  }
  // The store breaks (here: its steps table disappears), then Waits ends.
  Forge(store_, "ALTER TABLE pipeline_steps RENAME TO pipeline_steps_gone", {});
  std::ofstream(flag) << "go\n";
  runner.join();
  ASSERT_FALSE(pid.empty()) << "the Long step never started";
  pid.pop_back();
  EXPECT_LT(clock.Seconds(), 20) << "the run waited for its steps instead of stopping them";
  EXPECT_NE(error.find("pipeline_steps"), std::string::npos) << error;
  auto db = store_.Open();
  auto rows = db->Query("SELECT status, failure_reason FROM pipeline_executions");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "Failed");
  EXPECT_EQ(rows[0].Text(1).rfind("the run stopped: ", 0), 0u) << rows[0].Text(1);
  bool alive = true;
  for (int i = 0; i < 100 && alive; ++i) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    alive = static_cast<bool>(std::getline(stat, line)) && line.find(") Z ") == std::string::npos;
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (alive) ::kill(std::stoi(pid), SIGKILL);
  EXPECT_FALSE(alive) << "sleep " << pid << " outlived the abandoned run";
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
