#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "automl/trainer.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

// A noisy binary problem small enough that the portfolio finishes within
// the budget and the search goes on to further bags.
std::string NoisyBinaryCsv(int rows) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::string csv = "a,b,c,label\n";
  for (int i = 0; i < rows; ++i) {
    double a = noise(rng), b = noise(rng), c = noise(rng);
    double z = 1.5 * a - b + 0.5 * a * c + noise(rng);
    csv += std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + "," + (z > 0 ? "yes" : "no") + "\n";
  }
  return csv;
}

// Trains on `csv` with the xgboost family only, no deadline, stopping after
// `max_models` candidates (so the result does not depend on timing).
TrainResult TrainCapped(const std::string& csv, const std::string& target, const std::string& metric, int max_models,
                        int threads, bool refit_full = false, int folds = 0,
                        std::vector<std::string> families = {"xgboost"}) {
  testing::TempDir dir;
  auto path = dir.Write("d.csv", csv);
  ProblemOptions problem;
  problem.target = target;
  problem.metric = metric;
  const Logger quiet(Logger::Level::kQuiet);
  TrainingData data = LoadTrainingData(path.string(), problem, CsvOptions{}, quiet);
  TrainerOptions options;
  options.threads = threads;
  options.families = std::move(families);
  options.max_models = max_models;
  options.refit_full = refit_full;
  options.num_folds = folds;
  // The most accurate ensemble: these tests check what it is built from
  // (test_cost_tradeoff.cpp has the cheaper deployment).
  options.cost_tolerance_se = 0;
  options.logger = quiet;
  return TrainAutoML(data, options);
}

TEST(TrainAutoML, RepeatedBaggingAddsFoldSplitsToTheBestCandidate) {
  // The six XGBoost configs of the portfolio, then the search: a bag of the
  // best, then a sampled config (the cap).
  TrainResult result = TrainCapped(NoisyBinaryCsv(300), "label", "logloss", 7, 2);

  // 300 rows: 8-fold bagging, no stacking. Some candidate got a second bag:
  // its leaderboard row counts every fold model and the bundle holds them all.
  int repeated = 0;
  int candidates = 0;
  for (const LeaderboardRow& row : result.leaderboard) {
    if (row.family == "ensemble" || row.status != "ok") continue;
    const int bags = row.info.value("bags", 1);
    EXPECT_GE(bags, 1);
    EXPECT_LE(bags, 3);
    EXPECT_EQ(row.folds, 8 * bags) << row.model;
    EXPECT_TRUE(std::isfinite(row.score_val)) << row.model;
    ASSERT_TRUE(row.info.contains("folds"));
    EXPECT_EQ(row.info["folds"].size(), static_cast<size_t>(row.folds)) << row.model;
    for (const BundleMember& m : result.bundle.members) {
      if (m.name == row.model) {
        EXPECT_EQ(m.folds.size(), static_cast<size_t>(row.folds)) << row.model;
      }
    }
    if (bags > 1) ++repeated;
    ++candidates;
  }
  EXPECT_EQ(candidates, 7);
  EXPECT_GE(repeated, 1);
}

// The plan leaves opt-in families out unless named
// (LevelPlan.BuiltInPortfolioRespectsFamiliesAndOptIns); named, the trainer
// fits one and keeps it on the leaderboard.
TEST(TrainAutoML, OptInFamiliesRunOnlyWhenNamed) {
  const TrainResult named =
      TrainCapped(NoisyBinaryCsv(300), "label", "logloss", 2, 2, false, 0, {"linear", "oblivious_boost"});
  std::set<std::string> families;
  for (const LeaderboardRow& row : named.leaderboard) {
    if (row.family == "ensemble") continue;
    families.insert(row.family);
    EXPECT_EQ(row.status, "ok") << row.model;
    EXPECT_TRUE(std::isfinite(row.score_val)) << row.model;
  }
  EXPECT_EQ(families, (std::set<std::string>{"linear", "oblivious_boost"}));
}

// A config's seed comes from its name, not its place in the search: the
// second network fits the same model whether the linear model runs before
// it or not (by place, its seed moved with every config added before it).
TEST(TrainAutoML, AConfigFitsTheSameModelWhateverElseThePortfolioHolds) {
  const auto network_score = [](const TrainResult& r) {
    for (const LeaderboardRow& row : r.leaderboard) {
      if (row.model == "NeuralNet_2") return row.score_val;
    }
    ADD_FAILURE() << "NeuralNet_2 not fitted";
    return 0.0;
  };
  const TrainResult alone = TrainCapped(NoisyBinaryCsv(300), "label", "logloss", 2, 2, false, 2, {"mlp"});
  const TrainResult beside = TrainCapped(NoisyBinaryCsv(300), "label", "logloss", 3, 2, false, 2, {"mlp", "linear"});
  EXPECT_EQ(network_score(alone), network_score(beside));
  EXPECT_TRUE(std::isfinite(network_score(alone)));
}

TEST(TrainAutoML, ModelCapWithinThePortfolioMeansNoFurtherBags) {
  TrainResult result = TrainCapped(NoisyBinaryCsv(200), "label", "f1", 2, 1);
  int candidates = 0;
  for (const LeaderboardRow& row : result.leaderboard) {
    if (row.family == "ensemble") continue;
    ++candidates;
    EXPECT_EQ(row.info.value("bags", 1), 1) << row.model;
    EXPECT_EQ(row.folds, 8) << row.model;
  }
  EXPECT_EQ(candidates, 2);
}

// Three classes from two noisy features; 800 rows is enough for stacking.
std::string NoisyMulticlassCsv(int rows) {
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::string csv = "a,b,colour\n";
  for (int i = 0; i < rows; ++i) {
    double a = noise(rng), b = noise(rng);
    double z = a + 0.5 * b + 0.7 * noise(rng);
    const char* label = z < -0.5 ? "red" : (z < 0.5 ? "green" : "blue");
    csv += std::to_string(a) + "," + std::to_string(b) + "," + label + "\n";
  }
  return csv;
}

TEST(TrainAutoML, MulticlassStackingFitsLevelTwoBoosters) {
  // Level 1: 3 of the 4 candidates (70%, rounded up); level 2: the last.
  TrainResult result = TrainCapped(NoisyMulticlassCsv(800), "colour", "logloss", 4, 2);

  int level2 = 0;
  for (const LeaderboardRow& row : result.leaderboard) {
    if (row.family == "ensemble") continue;
    // Every candidate fitted: level-2 boosters see 3 columns per stack input,
    // each with a name (a mismatch once failed every multiclass level-2 booster).
    EXPECT_EQ(row.status, "ok") << row.model;
    if (row.info.value("level", 1) == 2) {
      ++level2;
      ASSERT_TRUE(row.params.contains("stack_inputs")) << row.model;
      EXPECT_GE(row.params["stack_inputs"].size(), 2u) << row.model;
    }
  }
  EXPECT_EQ(level2, 1);
  EXPECT_EQ(result.leaderboard.size(), 5u);  // 4 candidates + the ensemble
}

TEST(TrainAutoML, RefitFullKeepsBothFormsTheFullModelsWithTheFoldsMeanRounds) {
  TrainResult result = TrainCapped(NoisyMulticlassCsv(800), "colour", "logloss", 4, 2, /*refit_full=*/true);
  const Json& training = result.bundle.training;
  EXPECT_TRUE(training.at("refit_full").get<bool>());
  ASSERT_FALSE(result.bundle.members.empty());
  EXPECT_TRUE(result.bundle.forms.bagged);
  EXPECT_TRUE(result.bundle.forms.full);
  EXPECT_EQ(result.bundle.forms.default_form, kDefaultServedForm);
  // No deadline: every member is refitted.
  EXPECT_EQ(training.at("members_refitted").get<size_t>(), result.bundle.members.size());
  for (const BundleMember& m : result.bundle.members) {
    // The bagged form: the 8 fold models, with the bagged member's params.
    EXPECT_EQ(m.folds.size(), 8u) << m.name;
    EXPECT_NE(m.params, m.full_params) << m.name;
    ASSERT_NE(m.full, nullptr) << m.name;
    const LeaderboardRow* row = nullptr;
    for (const LeaderboardRow& r : result.leaderboard) {
      if (r.model == m.name) row = &r;
    }
    ASSERT_NE(row, nullptr) << m.name;
    ASSERT_TRUE(row->info.contains("refit")) << m.name;
    double rounds = 0;
    for (const Json& fold : row->info.at("folds")) rounds += fold.at("rounds").get<double>();
    rounds /= static_cast<double>(row->info.at("folds").size());
    const int expected = static_cast<int>(std::lround(rounds));
    EXPECT_EQ(m.full_params.at("n_estimators").get<int>(), expected) << m.name;
    EXPECT_EQ(m.full_params.at("early_stopping_rounds").get<int>(), 0) << m.name;
    EXPECT_FALSE(m.full_params.contains("stack_inputs")) << m.name;
    // The refit model boosted exactly that many rounds on all 800 rows.
    EXPECT_EQ(m.full->Info().at("rounds").get<int>(), expected) << m.name;
  }
}

TEST(TrainAutoML, WithoutRefitTheBundleHoldsTheBaggedFormOnly) {
  TrainResult result = TrainCapped(NoisyMulticlassCsv(800), "colour", "logloss", 2, 2, /*refit_full=*/false);
  EXPECT_FALSE(result.bundle.training.at("refit_full").get<bool>());
  EXPECT_EQ(result.bundle.training.at("members_refitted").get<size_t>(), 0u);
  EXPECT_TRUE(result.bundle.forms.bagged);
  EXPECT_FALSE(result.bundle.forms.full);
  EXPECT_EQ(result.bundle.forms.default_form, BundleForm::kBagged);
  for (const BundleMember& m : result.bundle.members) {
    EXPECT_EQ(m.folds.size(), 8u) << m.name;
    EXPECT_EQ(m.full, nullptr) << m.name;
  }
}

TEST(TrainAutoML, HoldoutFitsOneModelPerCandidateAndScoresTheHeldOutTenth) {
  // 900 rows would stack with bagging; a holdout has no OOF predictions for
  // the other 810 rows, so every candidate stays at level 1.
  TrainResult result = TrainCapped(NoisyMulticlassCsv(900), "colour", "logloss", 4, 2, false, /*folds=*/1);
  const Json& training = result.bundle.training;
  EXPECT_EQ(training.at("validation").get<std::string>(), "holdout");
  EXPECT_EQ(training.at("scored_rows").get<size_t>(), 90u);
  EXPECT_FALSE(training.at("stacking").get<bool>());
  int candidates = 0;
  for (const LeaderboardRow& row : result.leaderboard) {
    EXPECT_EQ(row.status, "ok") << row.model;
    EXPECT_TRUE(std::isfinite(row.score_val)) << row.model;
    EXPECT_GT(row.score_val, 0.0) << row.model;
    EXPECT_LT(row.score_val, 1.0986) << row.model;  // better than the uniform guess, log(3)
    if (row.family == "ensemble") continue;
    ++candidates;
    EXPECT_EQ(row.folds, 1) << row.model;
    EXPECT_EQ(row.info.value("level", 1), 1) << row.model;
    EXPECT_EQ(row.info.value("bags", 1), 1) << row.model;
  }
  EXPECT_EQ(candidates, 4);
  ASSERT_FALSE(result.bundle.members.empty());
  for (const BundleMember& m : result.bundle.members) EXPECT_EQ(m.folds.size(), 1u) << m.name;
}

TEST(TrainAutoML, ForestsAndKnnFitOnceAndScoreTheirOwnOutOfSampleRows) {
  const std::vector<std::string> forests = {"random_forest", "extra_trees", "knn"};
  for (bool refit : {false, true}) {
    TrainResult result = TrainCapped(NoisyBinaryCsv(400), "label", "logloss", 3, 2, refit, 0, forests);
    int seen = 0;
    for (const LeaderboardRow& row : result.leaderboard) {
      if (row.family == "ensemble") continue;
      ++seen;
      EXPECT_EQ(row.status, "ok") << row.model;
      EXPECT_LT(row.score_val, 0.6) << row.model;  // far better than a constant guess (0.69)
      if (row.family == "extra_trees") {
        // Below 10k rows the portfolio's extra-trees grow on all rows: no
        // out-of-bag rows, so it is bagged as usual.
        EXPECT_EQ(row.folds, 8) << row.model;
        EXPECT_FALSE(row.info.at("folds")[0].contains("oof")) << row.model;
        continue;
      }
      EXPECT_EQ(row.folds, 1) << row.model;
      ASSERT_EQ(row.info.at("folds").size(), 1u) << row.model;
      EXPECT_EQ(row.info.at("folds")[0].at("oof"), "own") << row.model;
      EXPECT_FALSE(row.info.contains("refit")) << row.model;
    }
    EXPECT_EQ(seen, 3);
    ASSERT_FALSE(result.bundle.members.empty());
    for (const BundleMember& m : result.bundle.members) {
      EXPECT_EQ(m.folds.size(), m.family == "extra_trees" ? 8u : 1u) << m.name;
      // Only the bagged extra-trees gets a model of its own on all rows; the
      // own-OOF members serve their one model in both forms.
      EXPECT_EQ(m.full != nullptr, m.family == "extra_trees" && refit) << m.name;
    }
    // The own-OOF members are already one model on all rows: the refit
    // counts them as refitted (and refits the extra-trees).
    const size_t refitted = result.bundle.training.at("members_refitted").get<size_t>();
    EXPECT_EQ(refitted, refit ? result.bundle.members.size() : 0u);
  }
  // A holdout's model must not see the held-out rows: no out-of-bag shortcut.
  TrainResult holdout = TrainCapped(NoisyBinaryCsv(400), "label", "logloss", 3, 2, false, 1, forests);
  std::set<std::string> families;
  for (const LeaderboardRow& row : holdout.leaderboard) {
    if (row.family == "ensemble") continue;
    families.insert(row.family);
    ASSERT_EQ(row.info.at("folds").size(), 1u) << row.model;
    EXPECT_FALSE(row.info.at("folds")[0].contains("oof")) << row.model;
  }
  EXPECT_EQ(families, (std::set<std::string>{"random_forest", "extra_trees", "knn"}));
}

}  // namespace
}  // namespace tabpilot
