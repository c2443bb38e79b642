// kill -9 of a runner mid-step: the store stays readable and consistent, the
// execution shows as Stopped, and a re-run reuses the completed steps.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "pipeline/definition.h"
#include "pipeline/executor.h"
#include "pipeline/records.h"
#include "store/database.h"
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

TEST(PipelineCrashSafety, KilledRunnerLeavesAConsistentStoppedExecution) {
  testing::TempDir dir;
  const fs::path store = dir / "store" / "metadata.db";
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
  const std::string binary = testing::TabpilotBinary().string();
  const std::string store_arg = store.string();
  const std::string yaml_arg = yaml.string();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, 1);
    ::execl(binary.c_str(), binary.c_str(), "pipeline", "run", yaml_arg.c_str(), "--store", store_arg.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ChildGuard guard(child);
  // Wait until Slow is Executing, then kill the runner without warning.
  std::string execution_id;
  for (int i = 0; i < 400 && execution_id.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(store)) continue;
    try {
      auto db = OpenDatabase(store.string());
      auto rows =
          db->Query("SELECT execution_id FROM pipeline_steps WHERE step_name = 'Slow' AND status = 'Executing'");
      if (!rows.empty()) execution_id = rows[0].Text(0);
    } catch (const Error&) {
      // The runner has not created its tables yet.
    }
  }
  ASSERT_FALSE(execution_id.empty()) << "the runner never reached the slow step";
  guard.KillAndReap();

  auto db = OpenDatabase(store.string());
  ExecutionRecords records(*db);
  EXPECT_EQ(records.GetExecution(execution_id).status, "Executing");  // nobody has looked yet
  EXPECT_EQ(RecoverAbandonedExecutions(store.string()), 1);
  const ExecutionRecord e = records.GetExecution(execution_id);
  EXPECT_EQ(e.status, "Stopped");
  EXPECT_NE(e.failure_reason.find("stopped before the execution finished"), std::string::npos);
  for (const auto& s : records.ListSteps(execution_id)) {
    if (s.step_name == "Quick") {
      EXPECT_EQ(s.status, "Succeeded");
    }
    if (s.step_name == "Slow") {
      EXPECT_EQ(s.status, "Stopped");
    }
  }
  auto integrity = db->Query("PRAGMA integrity_check");
  ASSERT_EQ(integrity.size(), 1u);
  EXPECT_EQ(integrity[0].Text(0), "ok");

  // A new run reuses Quick from the cache and finishes Slow.
  std::ofstream(flag) << "go\n";
  ExecutorOptions options;
  options.store = store.string();
  ExecutionResult again = RunPipeline(LoadDefinition(yaml), {}, options);
  ASSERT_EQ(again.status, "Succeeded") << again.failure_reason;
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
  EXPECT_EQ(retried.status, "Succeeded");
}

}  // namespace
}  // namespace tabpilot
