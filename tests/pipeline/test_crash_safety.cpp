// kill -9 of a runner mid-step, on SQLite and on PostgreSQL: the store stays
// readable and consistent, the execution shows as Stopped, a re-run reuses
// the completed steps, and nothing the step started outlives the runner.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "core/error.h"
#include "pipeline/definition.h"
#include "pipeline/executor.h"
#include "pipeline/records.h"
#include "store/database.h"
#include "store_test_support.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

// Kills and reaps the runner however the test ends, so a failing assertion
// never leaves it waiting for its flag file.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard() { KillAndReap(); }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  void KillAndReap() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

// Starts `tabpilot pipeline run YAML --store STORE` as a child process (its
// stdout to /dev/null); the caller guards the pid with a ChildGuard.
pid_t StartPipelineRun(const fs::path& yaml, const std::string& store) {
  const std::string binary = testing::TabpilotBinary().string();
  const std::string yaml_arg = yaml.string();
  const pid_t child = ::fork();
  if (child == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, 1);
    ::execl(binary.c_str(), binary.c_str(), "pipeline", "run", yaml_arg.c_str(), "--store", store.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return child;
}

class PipelineCrashSafety : public ::testing::TestWithParam<std::string> {
 protected:
  // The runner (a child process) and this test keep a PostgreSQL store's
  // files where $TABPILOT_ARTIFACTS says.
  PipelineCrashSafety() { ::setenv("TABPILOT_ARTIFACTS", (store_.dir() / "artifacts").c_str(), 1); }
  ~PipelineCrashSafety() override { ::unsetenv("TABPILOT_ARTIFACTS"); }
  testing::TestStore store_{GetParam()};
};

TEST_P(PipelineCrashSafety, KilledRunnerLeavesAConsistentStoppedExecution) {
  testing::TempDir dir;
  const std::string store = store_.location();
  const fs::path flag = dir / "go";
  const fs::path yaml = dir.Write("p.yaml", R"(name: Crash
steps:
  - name: Quick
    type: processing
    command: echo done > "$TABPILOT_OUTPUT_OUT/x.txt"
    outputs: [OUT]
    cache: {enabled: true}
  - name: Slow
    type: processing
    command: for i in $(seq 1200); do [ -f "$FLAG" ] && exit 0; sleep 0.05; done; exit 1
    env: {FLAG: ")" + flag.string() + R"("}
    depends_on: Quick
    cache: {enabled: true}
)");
  const pid_t child = StartPipelineRun(yaml, store);
  ASSERT_GE(child, 0);
  ChildGuard guard(child);
  // Wait until Slow is Executing, then kill the runner without warning.
  std::string execution_id;
  for (int i = 0; i < 400 && execution_id.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (GetParam() == "sqlite" && !fs::exists(store)) continue;
    try {
      auto db = OpenDatabase(store);
      auto rows =
          db->Query("SELECT execution_id FROM pipeline_steps WHERE step_name = 'Slow' AND status = 'Executing'");
      if (!rows.empty()) execution_id = rows[0].Text(0);
    } catch (const Error&) {
      // The runner has not created its tables yet.
    }
  }
  ASSERT_FALSE(execution_id.empty()) << "the runner never reached the slow step";
  guard.KillAndReap();

  auto db = OpenDatabase(store);
  ExecutionRecords records(*db);
  EXPECT_EQ(records.GetExecution(execution_id).status, RunStatus::kExecuting);  // nobody has looked yet
  EXPECT_EQ(RecoverAbandonedExecutions(store), 1);
  const ExecutionRecord e = records.GetExecution(execution_id);
  EXPECT_EQ(e.status, RunStatus::kStopped);
  EXPECT_NE(e.failure_reason.find("stopped before the execution finished"), std::string::npos);
  for (const auto& s : records.ListSteps(execution_id)) {
    if (s.step_name == "Quick") {
      EXPECT_EQ(s.status, RunStatus::kSucceeded);
    }
    if (s.step_name == "Slow") {
      EXPECT_EQ(s.status, RunStatus::kStopped);
    }
  }
  if (GetParam() == "sqlite") {
    auto integrity = db->Query("PRAGMA integrity_check");
    ASSERT_EQ(integrity.size(), 1u);
    EXPECT_EQ(integrity[0].Text(0), "ok");
  }

  // A new run reuses Quick from the cache and finishes Slow.
  std::ofstream(flag) << "go\n";
  ExecutorOptions options;
  options.store = store;
  ExecutionResult again = RunPipeline(LoadDefinition(yaml), {}, options);
  ASSERT_EQ(again.status, RunStatus::kSucceeded) << again.failure_reason;
  for (const auto& s : again.steps) {
    if (s.step_name == "Quick") {
      EXPECT_TRUE(s.cache_hit);
      EXPECT_EQ(s.cached_from, execution_id);
    }
    if (s.step_name == "Slow") {
      EXPECT_FALSE(s.cache_hit);
    }
  }
  // And the stopped execution itself can be retried.
  ExecutionResult retried = RetryExecution(execution_id, options);
  EXPECT_EQ(retried.status, RunStatus::kSucceeded);
}

// A runner killed with SIGKILL cannot clean up: what its step started in
// the background must end anyway (the step's watchdog sees the runner go).
TEST_P(PipelineCrashSafety, BackgroundChildrenDieWithAKilledRunner) {
  testing::TempDir dir;
  const fs::path pid_file = dir / "pid";
  const fs::path yaml = dir.Write("p.yaml",
                                  "name: Orphans\nsteps:\n"
                                  "  - {name: Bg, type: processing, command: 'sleep 300 & echo $! > " +
                                      pid_file.string() + "; wait'}\n");
  const pid_t child = StartPipelineRun(yaml, store_.location());
  ASSERT_GE(child, 0);
  ChildGuard guard(child);
  std::string pid;
  for (int i = 0; i < 600 && (pid.empty() || pid.back() != '\n'); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(pid_file);
    pid.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(pid.empty()) << "the step never started its background child";
  pid.pop_back();
  guard.KillAndReap();  // SIGKILL: no handler, no destructor runs in the runner
  // Gone, or a zombie waiting for its new parent to reap it.
  bool alive = true;
  for (int i = 0; i < 250 && alive; ++i) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    alive = static_cast<bool>(std::getline(stat, line)) && line.find(") Z ") == std::string::npos;
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (alive) ::kill(std::stoi(pid), SIGKILL);  // leave nothing behind either way
  EXPECT_FALSE(alive) << "sleep " << pid << " outlived the runner killed with SIGKILL";
}

INSTANTIATE_TEST_SUITE_P(Backends, PipelineCrashSafety, ::testing::ValuesIn(testing::StoreBackends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace tabpilot
