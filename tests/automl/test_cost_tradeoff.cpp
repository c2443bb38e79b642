// The cost trade-off (cost_tradeoff.h): the paired standard error, the
// cheapest ensemble within noise on fixed OOF predictions and costs, and a
// whole training with and without it.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "automl/cost_tradeoff.h"
#include "automl/leaderboard.h"
#include "automl/trainer.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

// Regression on `n` rows with targets from N(0, 1); predictions are the
// targets plus noise. The objective (mse) is the selection loss.
struct TradeoffFixture {
  static constexpr size_t n = 4000;
  ProblemInfo problem{Task::kRegression, "y", {}, 1, 0.5, "mse"};
  std::vector<float> y;
  std::mt19937_64 rng{7};

  TradeoffFixture() {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (size_t i = 0; i < n; ++i) y.push_back(normal(rng));
  }
  Matrix Noisy(const Matrix& base, float sd) {
    std::normal_distribution<float> normal(0.0f, sd);
    Matrix m = base;
    for (float& v : m.values) v += normal(rng);
    return m;
  }
  Matrix Target() const {
    Matrix m(n, 1);
    m.values = y;
    return m;
  }
  // One pipeline of no cost; candidate c costs costs_us[c] on its own.
  static InferenceCosts Costs(const std::vector<double>& costs_us) {
    std::vector<InferenceCosts::Item> items;
    for (double c : costs_us) items.push_back({c, c, true, "p", {}});
    return InferenceCosts(items, {{"p", 0.0}});
  }
};

TEST(LossSE, IsZeroForPerfectPredictionsAndMatchesTheAnalyticValueForAMeanLoss) {
  TradeoffFixture f;
  const OofScorer scorer(f.problem, f.y);
  const Matrix a = f.Noisy(f.Target(), 0.3f);
  CostTradeoffOptions options;
  options.resamples = 400;
  EXPECT_EQ(LossSE(scorer, f.y, f.Target(), options), 0.0);
  // mse is a mean over rows: its SE is sd(l_i) / sqrt(n).
  std::vector<double> l(f.n);
  double mean = 0;
  for (size_t i = 0; i < f.n; ++i) {
    const double e = a.values[i] - f.y[i];
    l[i] = e * e;
    mean += l[i];
  }
  mean /= f.n;
  double var = 0;
  for (double v : l) var += (v - mean) * (v - mean);
  const double analytic = std::sqrt(var / (f.n - 1)) / std::sqrt(double(f.n));
  EXPECT_NEAR(LossSE(scorer, f.y, a, options), analytic, 0.15 * analytic);
  // Resamples of a quarter of the rows, scaled to all of them, estimate the same.
  options.max_rows = f.n / 4;
  EXPECT_NEAR(LossSE(scorer, f.y, a, options), analytic, 0.2 * analytic);
  // Mismatched shapes are a bug of the caller.
  Matrix short_a(f.n - 1, 1);
  EXPECT_THROW(LossSE(scorer, f.y, short_a, options), Internal);
}

TEST(LossSE, DrawsWholeGroupsWhenRowsAreCopiesOfFewerRecords) {
  // 400 records, each copied to 10 rows that err alike: the loss is a mean
  // over 400 independent values, not 4,000.
  constexpr size_t kRecords = 400, kCopies = 10;
  TradeoffFixture f;
  std::vector<float> y;
  std::vector<uint32_t> groups;
  Matrix a(kRecords * kCopies, 1);
  std::vector<double> record_loss(kRecords);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<float> error(kRecords);
  for (size_t r = 0; r < kRecords; ++r) {
    error[r] = noise(f.rng);
    record_loss[r] = double(error[r]) * error[r];
  }
  // A record's copies are spread over the rows, its id is not an index.
  for (size_t c = 0; c < kCopies; ++c) {
    for (size_t r = 0; r < kRecords; ++r) {
      y.push_back(f.y[r]);
      a.values[y.size() - 1] = f.y[r] + error[r];
      groups.push_back(static_cast<uint32_t>(1000 + 7 * r));
    }
  }
  const OofScorer scorer(f.problem, y);
  double mean = 0;
  for (double l : record_loss) mean += l;
  mean /= kRecords;
  double var = 0;
  for (double l : record_loss) var += (l - mean) * (l - mean);
  const double analytic = std::sqrt(var / (kRecords - 1)) / std::sqrt(double(kRecords));
  CostTradeoffOptions options;
  options.resamples = 400;
  // Drawing rows, the copies pass for independent rows: about sqrt(10) too small.
  EXPECT_LT(LossSE(scorer, y, a, options), 0.5 * analytic);
  options.groups = groups;
  EXPECT_NEAR(LossSE(scorer, y, a, options), analytic, 0.15 * analytic);
  // A quarter of the rows a resample draws a quarter of the groups, scaled to all.
  options.max_rows = y.size() / 4;
  EXPECT_NEAR(LossSE(scorer, y, a, options), analytic, 0.2 * analytic);
  options.groups.pop_back();
  EXPECT_THROW(LossSE(scorer, y, a, options), Internal);
}

TEST(EffectiveCostTolerance, IsTheGivenOneElseOneStandardErrorFromTenThousandRows) {
  EXPECT_EQ(EffectiveCostTolerance(2.5, 10), 2.5);
  EXPECT_EQ(EffectiveCostTolerance(0.0, 1000000), 0.0);
  EXPECT_EQ(EffectiveCostTolerance(std::nullopt, kCostTradeoffMinRows - 1), 0.0);
  EXPECT_EQ(EffectiveCostTolerance(std::nullopt, kCostTradeoffMinRows), kDefaultCostToleranceSE);
}

TEST(IndependentRows, CountsDistinctGroupsElseRows) {
  EXPECT_EQ(IndependentRows({}, 12), 12u);
  EXPECT_EQ(IndependentRows({7, 3, 7, 7, 3, 9}, 6), 3u);
  EXPECT_EQ(IndependentRows({5}, 1), 1u);
}

TEST(GroupedToleranceNote, SaysWhenGroupsAloneTurnTheTradeoffOff) {
  const std::string note = GroupedToleranceNote(std::nullopt, 50000, 1628, "held-out rows");
  EXPECT_NE(note.find("50000 held-out rows are 1628 groups, fewer than 10000"), std::string::npos) << note;
  EXPECT_EQ(GroupedToleranceNote(1.0, 50000, 1628, "scored rows"), "");            // given: no note
  EXPECT_EQ(GroupedToleranceNote(std::nullopt, 5000, 1628, "scored rows"), "");    // the rows alone are too few
  EXPECT_EQ(GroupedToleranceNote(std::nullopt, 50000, 20000, "scored rows"), "");  // enough groups
  EXPECT_EQ(GroupedToleranceNote(std::nullopt, 50000, 50000, "scored rows"), "");  // no groups
}

// 12,000 rows, over the automatic trade-off's threshold as rows; as 3,000
// groups of four copies below it (cost_tradeoff.h).
TEST(TrainAutoML, TheAutomaticToleranceCountsGroupsNotTheirRows) {
  TrainerOptions options = testing::FourCandidateOptions();
  options.families = {"linear", "knn"};  // two candidates, quick on 12,000 rows
  options.max_models = 2;
  TrainingData data = testing::LoadCsv(testing::BinaryCsv(12000, true));
  const TrainResult rows = TrainAutoML(data, options);
  EXPECT_EQ(rows.bundle.training.at("cost_tolerance_se").get<double>(), kDefaultCostToleranceSE);
  EXPECT_TRUE(rows.bundle.training.at("cost_tolerance_automatic").get<bool>());
  data.group_column = "record";
  data.groups.resize(data.y.size());
  for (size_t r = 0; r < data.groups.size(); ++r) data.groups[r] = static_cast<uint32_t>(r / 4);
  options.logger = Logger(Logger::Level::kInfo);
  ::testing::internal::CaptureStderr();
  const TrainResult groups = TrainAutoML(data, options);
  const std::string told = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(told.find("12000 scored rows are 3000 groups, fewer than 10000"), std::string::npos) << told;
  options.logger = Logger(Logger::Level::kQuiet);
  EXPECT_EQ(groups.bundle.training.at("cost_tolerance_se").get<double>(), 0.0);
  EXPECT_TRUE(groups.bundle.training.at("cost_tolerance_automatic").get<bool>());
  EXPECT_FALSE(groups.bundle.training.contains("cost_tradeoff"));
  // A tolerance given is applied whatever the groups.
  options.cost_tolerance_se = 2.0;
  EXPECT_EQ(TrainAutoML(data, options).bundle.training.at("cost_tolerance_se").get<double>(), 2.0);
}

TEST(TradeCostForNoise, KeepsTheCheapestEnsembleThatIsNoWorseAndNamesWhatItLeftOut) {
  TradeoffFixture f;
  const OofScorer scorer(f.problem, f.y);
  // 0: accurate and dear; 1: the same predictions, cheap; 2: poor and cheapest.
  const Matrix accurate = f.Noisy(f.Target(), 0.1f);
  const Matrix copy = accurate;
  const Matrix poor = f.Noisy(f.Target(), 1.0f);
  const std::vector<const Matrix*> oofs{&accurate, &copy, &poor};
  const InferenceCosts costs = TradeoffFixture::Costs({10, 1, 0.5});
  const EnsembleChoice best = ChooseEnsemble(oofs, scorer, 25);
  ASSERT_GT(best.weights[0], 0.0);  // ties go to the lowest index
  CostTradeoffOptions options;
  const EnsembleChoice chosen = TradeCostForNoise(oofs, f.y, scorer, costs, best, options);
  ASSERT_TRUE(chosen.traded.has_value());
  EXPECT_EQ(chosen.weights, (std::vector<double>{0, 1, 0}));
  EXPECT_DOUBLE_EQ(chosen.score, best.score);
  const EnsembleChoice::CheaperWithinNoise& t = *chosen.traded;
  EXPECT_DOUBLE_EQ(t.cost_us, 1.0);
  EXPECT_DOUBLE_EQ(t.accurate_cost_us, costs.SetCost(EnsembleMembers(best)));
  EXPECT_DOUBLE_EQ(t.loss, t.accurate_loss);
  EXPECT_EQ(t.dropped, std::vector<size_t>{0});
  EXPECT_TRUE(chosen.over_limit.empty());
  EXPECT_EQ(chosen.cost_us, 0.0);  // no user limit: no limit figure

  std::vector<Candidate> done(3);
  done[0].config.name = "Dear";
  done[1].config.name = "Cheap";
  done[2].config.name = "Poor";
  const std::string line = DescribeTradeoff(done, chosen);
  EXPECT_NE(line.find("left out: Dear"), std::string::npos) << line;
  EXPECT_EQ(DescribeTradeoff(done, best), "");
}

TEST(TradeCostForNoise, KeepsTheMostAccurateWhenEveryCheaperEnsembleIsWorseBeyondNoise) {
  TradeoffFixture f;
  const OofScorer scorer(f.problem, f.y);
  const Matrix accurate = f.Noisy(f.Target(), 0.1f);
  const Matrix worse = f.Noisy(f.Target(), 0.3f);
  const std::vector<const Matrix*> oofs{&accurate, &worse};
  const InferenceCosts costs = TradeoffFixture::Costs({10, 1});
  const EnsembleChoice best = ChooseEnsemble(oofs, scorer, 25);
  const EnsembleChoice chosen = TradeCostForNoise(oofs, f.y, scorer, costs, best, {});
  EXPECT_FALSE(chosen.traded.has_value());
  EXPECT_EQ(chosen.weights, best.weights);
  EXPECT_DOUBLE_EQ(chosen.score, best.score);
}

TEST(TradeCostForNoise, TheToleranceDecidesForASlightlyWorseCheapEnsemble) {
  TradeoffFixture f;
  const OofScorer scorer(f.problem, f.y);
  const Matrix accurate = f.Noisy(f.Target(), 0.1f);
  const Matrix slightly_worse = f.Noisy(accurate, 0.05f);  // loss +0.0025, about 11 SE of 0.01
  const std::vector<const Matrix*> oofs{&accurate, &slightly_worse};
  const InferenceCosts costs = TradeoffFixture::Costs({10, 1});
  const EnsembleChoice best = ChooseEnsemble(oofs, scorer, 25);
  ASSERT_EQ(best.weights, (std::vector<double>{1, 0}));
  CostTradeoffOptions options;
  options.tolerance_se = 2;
  EXPECT_FALSE(TradeCostForNoise(oofs, f.y, scorer, costs, best, options).traded.has_value());
  options.tolerance_se = 1000;
  const EnsembleChoice loose = TradeCostForNoise(oofs, f.y, scorer, costs, best, options);
  ASSERT_TRUE(loose.traded.has_value());
  EXPECT_EQ(loose.weights, (std::vector<double>{0, 1}));
  EXPECT_GT(loose.traded->loss, loose.traded->accurate_loss);
  EXPECT_GT(loose.traded->loss_se, 0.0);
  EXPECT_GT(loose.traded->loss - loose.traded->accurate_loss, 2 * loose.traded->loss_se);
  // A search whose time is up tries nothing cheaper.
  options.deadline = Deadline::Never().Sub(0);
  EXPECT_FALSE(TradeCostForNoise(oofs, f.y, scorer, costs, best, options).traded.has_value());
  options.deadline = Deadline::Never();
  options.tolerance_se = 0;
  EXPECT_THROW(TradeCostForNoise(oofs, f.y, scorer, costs, best, options), Internal);
}

// The four-candidate run (trainer_test_data.h) with `cost_tolerance_se`.
TrainResult Train(std::optional<double> cost_tolerance_se) {
  TrainerOptions options = testing::FourCandidateOptions();
  options.cost_tolerance_se = cost_tolerance_se;
  return testing::TrainFourCandidates(options);
}

TEST(TrainAutoML, ALooseCostToleranceDeploysACheaperEnsembleAndTheLeaderboardSaysWhatItLeftOut) {
  const TrainResult accurate = Train(0);
  EXPECT_FALSE(accurate.bundle.training.contains("cost_tradeoff"));
  EXPECT_EQ(accurate.bundle.training.at("cost_tolerance_se").get<double>(), 0.0);
  EXPECT_FALSE(accurate.bundle.training.at("cost_tolerance_automatic").get<bool>());
  // Automatic on 300 rows (below kCostTradeoffMinRows): the most accurate ensemble.
  const TrainResult automatic = Train(std::nullopt);
  EXPECT_TRUE(automatic.bundle.training.at("cost_tolerance_automatic").get<bool>());
  EXPECT_EQ(automatic.bundle.training.at("cost_tolerance_se").get<double>(), 0.0);
  EXPECT_FALSE(automatic.bundle.training.contains("cost_tradeoff"));
  // Any ensemble is within a million standard errors: the cheapest is kept.
  const TrainResult cheap = Train(1e6);
  const Json& training = cheap.bundle.training;
  ASSERT_TRUE(training.contains("cost_tradeoff")) << "the four candidates differ in cost";
  const Json& t = training.at("cost_tradeoff");
  EXPECT_LT(t.at("estimate_us_per_row").get<double>(), t.at("accurate_estimate_us_per_row").get<double>());
  EXPECT_GE(t.at("selection_loss").get<double>(), t.at("accurate_selection_loss").get<double>() - 1e-12);
  std::map<std::string, double> accurate_weights;
  for (const BundleMember& m : accurate.bundle.members) accurate_weights[m.name] = m.weight;
  std::map<std::string, double> cheap_weights;
  for (const BundleMember& m : cheap.bundle.members) cheap_weights[m.name] = m.weight;
  size_t left_out = 0;
  for (const LeaderboardRow& row : cheap.leaderboard) {
    if (row.model == "WeightedEnsemble") continue;
    const bool was_member = accurate_weights[row.model] > 0;
    const bool is_member = cheap_weights[row.model] > 0;
    if (was_member && !is_member) {
      EXPECT_EQ(row.status, kLeftOutForCost) << row.model;
      EXPECT_TRUE(HasScore(row.status));
      ++left_out;
    } else {
      EXPECT_EQ(row.status, "ok") << row.model;
    }
  }
  EXPECT_GE(left_out, 1u);
}

}  // namespace
}  // namespace tabpilot
