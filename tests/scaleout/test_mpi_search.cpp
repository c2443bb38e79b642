// The search over MPI ranks, as a user runs it: `mpirun -np 3 tabpilot train`
// gives the same leaderboard, ensemble and predictions as one process with
// the same seed and --max-models; a worker rank killed mid-run stops the job
// (mpirun names the rank), and `train --resume` finishes it from the fit
// journal with the same result as an uninterrupted run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/atomic_file.h"
#include "core/json.h"
#include "scaleout/mpi_test_support.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;

using testing::Mpirun;
using testing::RankPid;

class MpiSearch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const fs::path adult = testing::DatasetsDir() / "adult" / "adult.data";
    std::ifstream in(adult);
    ASSERT_TRUE(in) << testing::MissingDatasetMessage(adult);
    std::string train = testing::kAdultHeader, test = testing::kAdultHeader, line;
    for (int i = 0; i < 6000 && std::getline(in, line); ++i) (i < 4000 ? train : test) += line + "\n";
    dir_->Write("train.csv", train);
    dir_->Write("test.csv", test);
    const auto r = testing::RunCommand(TrainLine("m1"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    Predict("m1");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // The same search everywhere: seed, candidates and one thread per fit.
  static std::string TrainLine(const std::string& out) {
    return testing::TabpilotBinary().string() + " train --data " + (*dir_ / "train.csv").string() +
           " --target income --time-limit 600 --max-models 6 --threads 1 --seed 7 --output " + (*dir_ / out).string();
  }
  static void Predict(const std::string& model) {
    const auto r = testing::RunCommand(testing::TabpilotBinary().string() + " predict --quiet --model " +
                                       (*dir_ / model).string() + " --data " + (*dir_ / "test.csv").string() +
                                       " --output " + (*dir_ / (model + ".csv")).string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  // Each leaderboard row's model, score and ensemble weight.
  static std::vector<std::string> Board(const std::string& model) {
    const Json j = Json::parse(ReadFile(*dir_ / model / "leaderboard.json"));
    std::vector<std::string> rows;
    for (const Json& row : j) {
      std::ostringstream s;
      s.precision(17);
      s << row.at("model").get<std::string>() << " " << row.at("score_val").get<double>() << " "
        << row.value("ensemble_weight", 0.0) << " " << row.at("status").get<std::string>();
      rows.push_back(s.str());
    }
    return rows;
  }

  static testing::TempDir* dir_;
};

testing::TempDir* MpiSearch::dir_ = nullptr;

TEST_F(MpiSearch, ThreeRanksGiveTheOneProcessLeaderboardAndPredictions) {
  const auto r = testing::RunCommand(Mpirun(3) + TrainLine("m2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fitting folds on 2 worker rank(s) on 1 host(s)"), std::string::npos) << r.output;
  EXPECT_EQ(Board("m2"), Board("m1"));
  EXPECT_EQ(Board("m1").size(), 7u);  // 6 candidates + the ensemble
  Predict("m2");
  const std::string p1 = ReadFile(*dir_ / "m1.csv"), p2 = ReadFile(*dir_ / "m2.csv");
  EXPECT_GT(p1.size(), 2000u);
  EXPECT_EQ(p1, p2);
  EXPECT_FALSE(fs::exists(*dir_ / "m2" / "journal"));  // the bundle replaced it
}

TEST_F(MpiSearch, AKilledWorkerStopsTheJobAndResumeFinishesItTheSame) {
  const fs::path log = *dir_ / "m3.log";
  const pid_t shell = testing::StartInBackground(Mpirun(3) + TrainLine("m3"), log);
  ASSERT_GT(shell, 0);
  // Kill worker rank 2 once the second candidate is done: mid-search.
  pid_t victim = -1;
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(waitpid(shell, &status, WNOHANG), 0) << "mpirun ended before the kill: " << testing::LogText(log);
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("] 2 done: ") != std::string::npos) {
      victim = RankPid(shell, 2);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(victim, 0) << testing::LogText(log);
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  ASSERT_EQ(waitpid(shell, &status, 0), shell);
  const std::string output = ReadFile(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << output;
  EXPECT_NE(output.find("rank 2"), std::string::npos) << output;  // mpirun names the rank that died
  ASSERT_TRUE(fs::exists(*dir_ / "m3" / "journal" / "fits.bin")) << output;
  EXPECT_FALSE(fs::exists(*dir_ / "m3" / "manifest.json"));

  // Resumed on three ranks again: finished fits come from the journal.
  const auto r = testing::RunCommand(Mpirun(3) + TrainLine("m3") + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming: the journal holds "), std::string::npos) << r.output;
  std::smatch taken;
  ASSERT_TRUE(std::regex_search(r.output, taken, std::regex("(\\d+) fit\\(s\\) taken from the journal"))) << r.output;
  EXPECT_GT(std::stoi(taken[1]), 0) << r.output;
  EXPECT_EQ(Board("m3"), Board("m1"));
  Predict("m3");
  EXPECT_EQ(ReadFile(*dir_ / "m3.csv"), ReadFile(*dir_ / "m1.csv"));
}

// With a budget that binds, the whole job (load, the farmed search, refits,
// bundle) keeps --time-limit as one process does (+10 %).
TEST_F(MpiSearch, ThreeRanksKeepTheTimeBudget) {
  const std::string line = testing::TabpilotBinary().string() + " train --data " + (*dir_ / "train.csv").string() +
                           " --target income --time-limit 15 --seed 7 --output " + (*dir_ / "m5").string();
  const auto start = std::chrono::steady_clock::now();
  const auto r = testing::RunCommand(Mpirun(3) + line);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_LE(seconds, 16.5) << r.output;
  const Json board = Json::parse(ReadFile(*dir_ / "m5" / "leaderboard.json"));
  EXPECT_GE(board.size(), 3u) << r.output;  // the budget bought candidates, not just one
  EXPECT_NE(r.output.find("farm: "), std::string::npos) << r.output;
}

// A worker that stops answering (SIGSTOP: alive, silent) is caught by rank 0
// after its fit's share of the budget and a grace (5 % of --time-limit,
// at least 2 s): the job ends with one error line naming rank and host, well
// within the budget, and the journal keeps what finished.
TEST_F(MpiSearch, AHungWorkerStopsTheJobNamingItsRankAndHost) {
  const fs::path log = *dir_ / "m4.log";
  const std::string line = testing::TabpilotBinary().string() + " train --data " + (*dir_ / "train.csv").string() +
                           " --target income --time-limit 40 --threads 1 --seed 7 --output " + (*dir_ / "m4").string();
  const pid_t mpirun = testing::StartInBackground(Mpirun(3) + line, log);
  ASSERT_GT(mpirun, 0);
  int status = 0;
  pid_t victim = -1;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (victim < 0 && std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(waitpid(mpirun, &status, WNOHANG), 0) << "mpirun ended before the stop: " << testing::LogText(log);
    if (testing::LogText(log).find("] 1 done: ") != std::string::npos) victim = RankPid(mpirun, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(victim, 0) << testing::LogText(log);
  const auto stopped = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(victim, SIGSTOP), 0);
  ASSERT_EQ(waitpid(mpirun, &status, 0), mpirun);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  const std::string output = ReadFile(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << output;
  EXPECT_TRUE(std::regex_search(output, std::regex("error: rank 2 on \\S+ did not return fold \\d+ of \\w+ within "
                                                   "[^;]+; stopping the job \\(train --resume continues it\\)")))
      << output;
  EXPECT_LT(seconds, 40) << output;  // within the run's budget
  EXPECT_TRUE(fs::exists(*dir_ / "m4" / "journal" / "fits.bin")) << output;
}

}  // namespace
}  // namespace tabpilot
