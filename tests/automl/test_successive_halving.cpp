// Successive halving before a search on a sample (successive_halving.h):
// rung sizes, and one rung on 5,000 of 10,000 rows keeping the better half.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "automl/level_plan.h"
#include "automl/successive_halving.h"
#include "automl/trainer.h"
#include "learners/learner_registry.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

TEST(RungRows, AQuarterThenAHalfOfTheSampleFrom5000Rows) {
  EXPECT_EQ(RungRows(20000), (std::vector<size_t>{5000, 10000}));
  EXPECT_EQ(RungRows(128571), (std::vector<size_t>{32142, 64285}));
  EXPECT_EQ(RungRows(15000), (std::vector<size_t>{7500}));  // a quarter is below 5,000
  EXPECT_TRUE(RungRows(9000).empty());
}

TEST(HalvePortfolio, TheBetterHalfGoOnTheOthersAreRecorded) {
  const TrainingData data = testing::LoadCsv(testing::BinaryCsv(10000, true));
  TrainerOptions options = testing::FourCandidateOptions();
  options.max_models = 0;
  options.num_folds = 3;
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  const DataShape shape{Task::kBinary, data.y.size(), 3, 2, 0};
  const std::vector<CandidateConfig> portfolio = Level1Portfolio(shape, options, learners);
  ASSERT_GE(portfolio.size(), kMinHalvingConfigs);
  const std::vector<std::string> columns = {"a", "b", "c"};

  const HalvingResult result = HalvePortfolio(data, options, learners, columns, portfolio, Deadline::In(120));
  EXPECT_EQ(result.rung_rows, (std::vector<size_t>{5000}));
  // Every config fitted on the rung: the better half (rounded up) go on, and
  // those the rung's ensemble uses; the rest stop.
  const size_t keep = (portfolio.size() + 1) / 2;
  EXPECT_GE(result.survivors.size(), keep);
  EXPECT_EQ(result.survivors.size() + result.halved_out.size(), portfolio.size());
  EXPECT_FALSE(result.halved_out.empty());
  std::set<std::string> names;
  for (const CandidateConfig& c : result.survivors) names.insert(c.name);
  for (const LeaderboardRow& row : result.halved_out) {
    EXPECT_EQ(row.status, kHalvedOut) << row.model;
    EXPECT_EQ(row.info.at("search_sample").at("rows"), 5000) << row.model;
    EXPECT_EQ(row.info.at("search_sample").at("rung"), 1) << row.model;
    EXPECT_EQ(row.ensemble_weight, 0.0) << row.model;
    EXPECT_TRUE(names.insert(row.model).second) << row.model << " both kept and stopped";
  }
  std::set<std::string> all;
  for (const CandidateConfig& c : portfolio) all.insert(c.name);
  EXPECT_EQ(names, all);

  // Too few configs, or a sample too small for a rung: the portfolio as it is.
  const std::vector<CandidateConfig> three(portfolio.begin(), portfolio.begin() + 3);
  const HalvingResult few = HalvePortfolio(data, options, learners, columns, three, Deadline::In(120));
  EXPECT_TRUE(few.rung_rows.empty());
  ASSERT_EQ(few.survivors.size(), 3u);
  EXPECT_EQ(few.survivors[0].name, three[0].name);
  const TrainingData small = testing::LoadCsv(testing::BinaryCsv(9000, true));
  EXPECT_TRUE(HalvePortfolio(small, options, learners, columns, portfolio, Deadline::In(120)).rung_rows.empty());
}

// Within a training: a sample of 10,000 of 12,000 rows is halved on 5,000
// first; the configs the rung stopped stay on the leaderboard, saying so.
TEST(HalvePortfolio, ATrainingOnASampleHalvesFirst) {
  const TrainingData data = testing::LoadCsv(testing::BinaryCsv(12000, true));
  TrainerOptions options = testing::FourCandidateOptions();
  options.max_models = 3;
  options.num_folds = 3;
  options.search_sample_rows = 10000;
  const TrainResult result = TrainAutoML(data, options);
  EXPECT_EQ(result.bundle.training.at("halving_rung_rows"), Json::array({5000}));
  size_t halved = 0;
  for (const LeaderboardRow& row : result.leaderboard) {
    if (row.status != kHalvedOut) continue;
    ++halved;
    EXPECT_EQ(row.info.at("search_sample").at("rows"), 5000) << row.model;
    EXPECT_EQ(row.info.at("search_sample").at("of"), 12000) << row.model;
    for (const BundleMember& m : result.bundle.members) EXPECT_NE(m.name, row.model);
  }
  EXPECT_GE(halved, 1u);
}

}  // namespace
}  // namespace tabpilot
