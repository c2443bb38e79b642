// train --infer-limit and the leaderboard's predict cost: the cost
// arithmetic, the restricted selection, and whole trainings (capped by model
// count, so they do not depend on timing; no assertion times anything
// tightly: limits sit far from the costs they separate).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "automl/ensemble_choice.h"
#include "automl/ensemble_selection.h"
#include "automl/inference_cost.h"
#include "automl/trainer.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

TEST(InferenceCosts, ASetCountsEachMemberStackInputAndPipelineOnce) {
  std::vector<InferenceCosts::Item> items(4);
  items[0] = {1.0, 5.0, false, "tree", {}};
  items[1] = {2.0, 2.0, true, "dense", {}};  // one model on all rows in both forms
  items[2] = {4.0, 20.0, false, "tree", {}};
  items[3] = {8.0, 40.0, false, "tree", {0, 1}};  // level 2 on 0 and 1
  const InferenceCosts costs(items, {{"tree", 0.5}, {"dense", 0.25}});
  EXPECT_DOUBLE_EQ(costs.SetCost({0}), 1.5);
  EXPECT_DOUBLE_EQ(costs.SetCost({0, 0, 2}), 5.5);  // repeats and a shared pipeline count once
  EXPECT_DOUBLE_EQ(costs.SetCost({3}), 8 + 1 + 2 + 0.5 + 0.25);
  EXPECT_DOUBLE_EQ(costs.SetCost({3, 0, 1}), costs.SetCost({3}));  // its inputs are already counted
  // The form actually built: 0 and 3 kept their folds, 1 and 2 are one model.
  const std::vector<char> one_model{0, 1, 1, 0};
  EXPECT_DOUBLE_EQ(costs.SetCost({3}, one_model), 40 + 5 + 2 + 0.5 + 0.25);
  EXPECT_DOUBLE_EQ(costs.SetCost({2}, one_model), costs.SetCost({2}));
}

Matrix Column(std::vector<float> values) {
  Matrix m(values.size(), 1);
  m.values = std::move(values);
  return m;
}

TEST(SelectEnsemble, AddsOnlyAdmissibleCandidates) {
  // Candidate 0 predicts the target exactly, 1 and 2 are worse; 0 is not admissible.
  const Matrix target = Column({1, 0, 1, 0});
  const Matrix near = Column({0.8f, 0.2f, 0.7f, 0.3f});
  const Matrix far = Column({0.5f, 0.5f, 0.5f, 0.5f});
  const EnsembleLossFn loss = [&](const float* p) {
    double l = 0;
    for (size_t i = 0; i < 4; ++i) l += (p[i] - target.values[i]) * (p[i] - target.values[i]);
    return l;
  };
  EnsembleSelectionOptions options;
  options.rounds = 5;
  options.admissible = [](size_t c, const std::vector<size_t>&) { return c != 0; };
  const EnsembleSelectionResult r = SelectEnsemble({&target, &near, &far}, loss, options);
  EXPECT_EQ(r.weights[0], 0.0);
  EXPECT_GT(r.weights[1], 0.0);
  // A bound on the set: at most two picks in all.
  options.admissible = [](size_t, const std::vector<size_t>& picks) { return picks.size() < 2; };
  EXPECT_LE(SelectEnsemble({&target, &near, &far}, loss, options).rounds_used, 2u);
  options.admissible = [](size_t, const std::vector<size_t>&) { return false; };
  EXPECT_THROW(SelectEnsemble({&target, &near, &far}, loss, options), InvalidInput);
}

// ChooseEnsemble on fixed OOF predictions and costs: regression on four
// rows; candidate 0 is exact and dear, 1 and 2 cheap and worse, 3 a cheap
// level-2 candidate stacked on 0 (so as dear as 0 and more).
struct LimitFixture {
  ProblemInfo problem{Task::kRegression, "y", {}, 1, 0.5, "mse"};
  std::vector<float> y{1, 0, 1, 0};
  Matrix exact = Column({1, 0, 1, 0});
  Matrix near = Column({0.8f, 0.2f, 0.7f, 0.3f});
  Matrix far = Column({0.5f, 0.4f, 0.6f, 0.5f});
  Matrix stacked = Column({0.9f, 0.1f, 0.9f, 0.1f});
  std::vector<const Matrix*> oofs{&exact, &near, &far, &stacked};
  InferenceCosts costs{{{10, 10, false, "tree", {}},
                        {1, 1, false, "tree", {}},
                        {1, 1, false, "tree", {}},
                        {0.5, 0.5, false, "tree", {0}}},
                       {{"tree", 0.5}}};

  EnsembleChoice Choose(const InferLimit* limit) const {
    const OofScorer scorer(problem, y);
    return ChooseEnsemble(oofs, scorer, 10, limit);
  }
};

TEST(ChooseEnsemble, AFeasibleLimitKeepsTheChosenSetWithinItAndMarksWhatCannotJoin) {
  const LimitFixture f;
  const InferLimit limit{3.0, &f.costs};
  const EnsembleChoice choice = f.Choose(&limit);
  EXPECT_FALSE(choice.cheapest_only);
  EXPECT_EQ(choice.weights[0], 0.0);
  EXPECT_EQ(choice.weights[3], 0.0);
  EXPECT_GT(choice.weights[1], 0.0);
  EXPECT_LE(choice.cost_us, 3.0);
  EXPECT_EQ(choice.over_limit, (std::vector<size_t>{0, 3}));
  // Without a limit the exact candidate wins alone.
  EXPECT_EQ(f.Choose(nullptr).weights[0], 1.0);
}

TEST(ChooseEnsemble, BelowEveryCandidateTheCheapestIsKeptAlone) {
  const LimitFixture f;
  const InferLimit limit{0.1, &f.costs};
  const EnsembleChoice choice = f.Choose(&limit);
  EXPECT_TRUE(choice.cheapest_only);
  EXPECT_EQ(choice.weights, (std::vector<double>{0, 1, 0, 0}));  // 1 and 2 tie: the first
  EXPECT_DOUBLE_EQ(choice.cost_us, 1.5);
  EXPECT_EQ(choice.over_limit, (std::vector<size_t>{0, 2, 3}));
  EXPECT_NE(CheapestOnlyWarning({}, choice, 0.1).find("--infer-limit 0.1 us/row"), std::string::npos);
}

TEST(ChooseEnsemble, AboveEverySetTheLimitChangesNothing) {
  const LimitFixture f;
  const InferLimit limit{1e9, &f.costs};
  const EnsembleChoice limited = f.Choose(&limit);
  const EnsembleChoice free = f.Choose(nullptr);
  EXPECT_EQ(limited.weights, free.weights);
  EXPECT_DOUBLE_EQ(limited.score, free.score);
  EXPECT_TRUE(limited.over_limit.empty());
}

// The four-candidate run (trainer_test_data.h) under `infer_limit`.
TrainResult Train(double infer_limit) {
  TrainerOptions options = testing::FourCandidateOptions();
  options.infer_limit_us_per_row = infer_limit;
  options.cost_tolerance_se = 0;  // the limit alone (test_cost_tradeoff.cpp has the trade-off)
  return testing::TrainFourCandidates(options);
}

std::map<std::string, double> Weights(const TrainResult& r) {
  std::map<std::string, double> out;
  for (const BundleMember& m : r.bundle.members) out[m.name] = m.weight;
  return out;
}

const LeaderboardRow& Row(const TrainResult& r, const std::string& model) {
  for (const LeaderboardRow& row : r.leaderboard) {
    if (row.model == model) return row;
  }
  throw std::runtime_error("no row " + model);
}

TEST(TrainAutoML, LeaderboardHasTheMeasuredPredictCostOfEveryMemberAndTheEnsemble) {
  const TrainResult r = Train(0);
  ASSERT_EQ(r.leaderboard.size(), 5u);
  for (const LeaderboardRow& row : r.leaderboard) {
    EXPECT_EQ(row.status, "ok") << row.model;
    EXPECT_GT(row.predict_us_per_row, 0.0) << row.model;
  }
  for (const BundleMember& m : r.bundle.members) {
    EXPECT_EQ(Row(r, m.name).info.at("predict_cost"), "measured") << m.name;
  }
  EXPECT_EQ(Row(r, "WeightedEnsemble").info.at("predict_cost"), "measured");
  const Json& training = r.bundle.training;
  EXPECT_DOUBLE_EQ(training.at("predict_us_per_row").get<double>(), Row(r, "WeightedEnsemble").predict_us_per_row);
  EXPECT_EQ(training.at("predict_cost_rows").get<size_t>(), kCostRows);
  EXPECT_FALSE(training.contains("infer_limit_us_per_row"));
}

TEST(TrainAutoML, TinyInferLimitKeepsTheCheapestModelAloneAndMarksTheOthers) {
  const TrainResult r = Train(1e-6);
  ASSERT_EQ(r.bundle.members.size(), 1u);
  EXPECT_DOUBLE_EQ(r.bundle.members[0].weight, 1.0);
  EXPECT_TRUE(r.bundle.training.at("infer_limit_cheapest_only").get<bool>());
  // The built bundle, timed, is over a limit nothing could meet.
  EXPECT_FALSE(r.bundle.training.at("infer_limit_met").get<bool>());
  size_t marked = 0;
  for (const LeaderboardRow& row : r.leaderboard) {
    if (row.model == "WeightedEnsemble" || row.model == r.bundle.members[0].name) {
      EXPECT_EQ(row.status, "ok") << row.model;
      continue;
    }
    EXPECT_EQ(row.status, kOverInferLimit) << row.model;
    EXPECT_GT(row.predict_us_per_row, 0.0) << row.model;
    ++marked;
  }
  EXPECT_EQ(marked, 3u);
  // Left out for the limit, still ranked by score among the scored rows.
  EXPECT_TRUE(HasScore(r.leaderboard.back().status));
}

TEST(TrainAutoML, HugeInferLimitLeavesTheEnsembleAsWithoutOne) {
  const TrainResult free = Train(0);
  const TrainResult huge = Train(1e12);
  EXPECT_EQ(Weights(huge), Weights(free));
  EXPECT_DOUBLE_EQ(Row(huge, "WeightedEnsemble").score_val, Row(free, "WeightedEnsemble").score_val);
  for (const LeaderboardRow& row : huge.leaderboard) EXPECT_EQ(row.status, "ok") << row.model;
  EXPECT_FALSE(huge.bundle.training.at("infer_limit_cheapest_only").get<bool>());
  EXPECT_TRUE(huge.bundle.training.at("infer_limit_met").get<bool>());
  EXPECT_FALSE(free.bundle.training.contains("infer_limit_met"));
}

TEST(TrainAutoML, FeasibleInferLimitKeepsTheChosenSetWithinIt) {
  // The limit comes from this machine's own costs, not a constant (a
  // sanitizer build is many times slower): a first run with a tiny limit
  // records the cheapest model's cost with its features (E) and every
  // candidate's own cost; the dearest booster (D) costs many times E. Their
  // geometric mean admits the cheapest model and leaves out the dearest one
  // with a wide margin for the noise of timing the second run.
  const TrainResult probe = Train(1e-6);
  const double cheapest = probe.bundle.training.at("infer_limit_estimate_us_per_row").get<double>();
  double dearest = 0;
  for (const LeaderboardRow& row : probe.leaderboard) {
    if (row.model != "WeightedEnsemble") dearest = std::max(dearest, row.predict_us_per_row);
  }
  ASSERT_GT(cheapest, 0.0);
  ASSERT_GT(dearest, 16 * cheapest) << "the boosters should cost far more than the linear model";
  const double limit = std::sqrt(cheapest * dearest);
  const TrainResult r = Train(limit);
  const Json& training = r.bundle.training;
  EXPECT_FALSE(training.at("infer_limit_cheapest_only").get<bool>());
  // The chosen set's cost as the selection counted it (the recorded costs,
  // not a new timing) is within the limit.
  EXPECT_LE(training.at("infer_limit_estimate_us_per_row").get<double>(), limit);
  std::map<std::string, double> weights = Weights(r);
  size_t marked = 0;
  for (const LeaderboardRow& row : r.leaderboard) {
    if (row.model == "WeightedEnsemble") continue;
    const bool member = weights.count(row.model) > 0 && weights[row.model] > 0;
    // A candidate left out whose own recorded cost alone exceeds the limit
    // could never fit: it must be marked.
    if (!member && row.predict_us_per_row > limit) {
      EXPECT_EQ(row.status, kOverInferLimit) << row.model;
    }
    if (member) {
      EXPECT_EQ(row.status, "ok") << row.model;
    }
    marked += row.status == kOverInferLimit ? 1 : 0;
  }
  EXPECT_GE(marked, 1u);
}

}  // namespace
}  // namespace tabpilot
