// Running shell commands with logs, exit codes and timeouts.
#include <gtest/gtest.h>

#include <atomic>
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

// The executor abandoning a run cancels its commands: the whole group dies.
TEST(PipelineSubprocess, CancelKillsTheWholeProcessGroup) {
  testing::TempDir dir;
  std::atomic<bool> cancel{false};
  SubprocessOptions o;
  o.command = "(sleep 2; echo late > " + (dir / "late").string() + ") & sleep 30";
  o.log_path = dir / "log.txt";
  o.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  Stopwatch clock;
  SubprocessResult r = RunSubprocess(o);
  canceller.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(clock.Seconds(), 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_FALSE(std::filesystem::exists(dir / "late"));
}

// A command's exit status passes through the watchdog unchanged, including
// death by a signal, and a program that is not there is 127.
TEST(PipelineSubprocess, ExitStatusesPassThroughTheWatchdog) {
  testing::TempDir dir;
  SubprocessOptions o;
  o.log_path = dir / "log.txt";
  o.command = "kill -TERM $$";
  EXPECT_EQ(RunSubprocess(o).exit_code, 128 + 15);
  o.command = "exit 0";
  EXPECT_EQ(RunSubprocess(o).exit_code, 0);
  o.command.clear();
  o.argv = {"/nonexistent/program"};
  EXPECT_EQ(RunSubprocess(o).exit_code, 127);
}

}  // namespace
}  // namespace tabpilot
