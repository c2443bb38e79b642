// One XGBoost booster on sharded data through XGBoost's Rabit, as a user runs
// it: `mpirun -np 2 tabpilot train --distributed-data shards/` (each rank
// reads one shard of Adult) scores within 0.002 AUC of one process reading
// both shards; a rank killed mid-boosting stops the job, leaves no tracker
// behind and a checkpoint from which --resume gives the uninterrupted model.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
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

class RabitBooster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const fs::path adult = testing::DatasetsDir() / "adult" / "adult.data";
    std::ifstream in(adult);
    ASSERT_TRUE(in) << testing::MissingDatasetMessage(adult);
    std::string shard0 = testing::kAdultHeader, shard1 = testing::kAdultHeader, holdout = testing::kAdultHeader, line;
    for (int i = 0; std::getline(in, line); ++i) {
      if (line.empty()) continue;
      (i < 12000 ? shard0 : i < 24000 ? shard1 : holdout) += line + "\n";
      if (i >= 24000) holdout_y_.push_back(line.find(">50K") != std::string::npos ? 1.0f : 0.0f);
    }
    dir_->Write("shards/part-0.csv", shard0);
    dir_->Write("shards/part-1.csv", shard1);
    dir_->Write("holdout.csv", holdout);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string TrainLine(const std::string& out, int rounds, int checkpoint_every) {
    return testing::TabpilotBinary().string() + " train --distributed-data " + (*dir_ / "shards").string() +
           " --target income --threads 1 --rounds " + std::to_string(rounds) + " --checkpoint-every " +
           std::to_string(checkpoint_every) + " --output " + (*dir_ / out).string();
  }
  // The model's holdout AUC (and its predictions file's text).
  static double HoldoutAuc(const std::string& model, std::string* text = nullptr) {
    const fs::path out = *dir_ / (model + ".csv");
    const auto r = testing::RunCommand(testing::TabpilotBinary().string() + " predict --quiet --model " +
                                       (*dir_ / model).string() + " --data " + (*dir_ / "holdout.csv").string() +
                                       " --output " + out.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "predicted_label,proba_<=50K,proba_>50K");
    std::vector<float> p;
    while (std::getline(in, line)) p.push_back(std::stof(line.substr(line.rfind(',') + 1)));
    EXPECT_EQ(p.size(), holdout_y_.size());
    if (text != nullptr) *text = ReadFile(out);
    return p.size() == holdout_y_.size() ? testing::RankAuc(p, holdout_y_) : 0;
  }
  static Json Sharded(const std::string& model) {
    return Json::parse(ReadFile(*dir_ / model / "manifest.json")).at("training").at("sharded");
  }

  static testing::TempDir* dir_;
  static std::vector<float> holdout_y_;
};

testing::TempDir* RabitBooster::dir_ = nullptr;
std::vector<float> RabitBooster::holdout_y_;

TEST_F(RabitBooster, TwoRanksScoreWithinTwoThousandthsOfOneProcess) {
  auto one = testing::RunCommand(TrainLine("one", 120, 0));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto two = testing::RunCommand(Mpirun(2) + TrainLine("two", 120, 0));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("XGBoost tracker at 127.0.0.1:"), std::string::npos) << two.output;
  EXPECT_EQ(Sharded("one").at("ranks"), 1);
  EXPECT_EQ(Sharded("two").at("ranks"), 2);
  EXPECT_EQ(Sharded("two").at("rows"), 24000);
  EXPECT_EQ(Sharded("two").at("rows_rank0"), 12000);  // rank 0 read its shard only
  EXPECT_EQ(Sharded("two").at("rounds"), 120);
  const double a1 = HoldoutAuc("one"), a2 = HoldoutAuc("two");
  EXPECT_GT(a1, 0.90);
  EXPECT_NEAR(a2, a1, 0.002);
  EXPECT_FALSE(testing::TrackerRunning());
}

TEST_F(RabitBooster, AKilledRankStopsTheJobAndResumeContinuesFromTheCheckpoint) {
  auto whole = testing::RunCommand(Mpirun(2) + TrainLine("whole", 100, 10));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  std::string expected;
  HoldoutAuc("whole", &expected);

  // Boosting for far longer than the test waits; rank 1 dies after the first checkpoint.
  const fs::path log = *dir_ / "cut.log";
  const pid_t mpirun = testing::StartInBackground(Mpirun(2) + TrainLine("cut", 100000, 10), log);
  ASSERT_GT(mpirun, 0);
  const fs::path checkpoint = *dir_ / "cut" / "checkpoint" / "booster.bin";
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(checkpoint) && std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(waitpid(mpirun, &status, WNOHANG), 0) << testing::LogText(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(checkpoint)) << testing::LogText(log);
  const pid_t victim = testing::RankPid(mpirun, 1);
  ASSERT_GT(victim, 0);
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  ASSERT_EQ(waitpid(mpirun, &status, 0), mpirun);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("rank 1"), std::string::npos) << ReadFile(log);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(testing::TrackerRunning()) << "the tracker outlived the job";
  EXPECT_FALSE(fs::exists(*dir_ / "cut" / "manifest.json"));

  // Without --resume the checkpoint is not overwritten.
  auto refused = testing::RunCommand(TrainLine("cut", 100, 10));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("holds the checkpoint of an interrupted booster: add --resume"), std::string::npos)
      << refused.output;

  auto resumed = testing::RunCommand(Mpirun(2) + TrainLine("cut", 100, 10) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const int from = Sharded("cut").at("resumed_from_rounds").get<int>();
  EXPECT_GE(from, 10);
  EXPECT_LT(from, 100);
  EXPECT_EQ(Sharded("cut").at("rounds"), 100);
  std::string got;
  HoldoutAuc("cut", &got);
  EXPECT_EQ(got, expected);  // the same model as the uninterrupted run
  EXPECT_FALSE(fs::exists(checkpoint));
}

}  // namespace
}  // namespace tabpilot
