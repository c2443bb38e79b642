// Running shell commands with logs, exit codes and timeouts.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "core/atomic_file.h"
#include "pipeline/subprocess.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

TEST(PipelineSubprocess, CapturesOutputExitCodeAndEnvironment) {
  testing::TempDir dir;
  SubprocessOptions o;
  o.command = "echo out; echo err >&2; echo \"$GREETING\"; pwd; exit 4";
  o.env["GREETING"] = "hello";
  o.working_dir = dir.path();
  o.log_path = dir / "log.txt";
  SubprocessResult r = RunSubprocess(o);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(ReadFile(o.log_path), "out\nerr\nhello\n" + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(PipelineSubprocess, TimeoutKillsTheWholeProcessGroup) {
  testing::TempDir dir;
  SubprocessOptions o;
  // The background child would outlive a kill of the shell alone.
  o.command = "(sleep 2; echo late > " + (dir / "late").string() + ") & sleep 30";
  o.log_path = dir / "log.txt";
  o.deadline = Deadline::In(0.3);
  Stopwatch clock;
  SubprocessResult r = RunSubprocess(o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(clock.Seconds(), 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_FALSE(std::filesystem::exists(dir / "late"));
}

}  // namespace
}  // namespace tabpilot
